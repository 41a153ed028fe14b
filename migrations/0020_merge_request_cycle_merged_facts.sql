-- The merge request cycle read from plain columns, same phases and rows (docs/benchmarks.md,
-- "Merge request cycle, change failure and restore (session 5)"). merge_request_cycle_in_scope
-- (0019) spent most of its time on the aggregate states of merge_request_cycle_facts_by_merge: the
-- -Merge functions deserialise every state of every row they read (about 1 us a state; 30 days at
-- scale 1 read 123k rows of two monthly partitions for 66k merge requests), and a GROUP BY over
-- tuple and map values costs about as much again even when each merge request has one row.
--
-- merge_request_cycle_merged_facts holds the same facts as merge_request_cycle_facts_by_merge, row
-- for row, with each state finalised into a plain value whose own aggregate gives the same answer
-- in any order and under any number of repeats:
-- - argMax(mr, version) becomes max((version, mr...)), argMax(title, version) max((version, title));
-- - argMin(opener, at) becomes min((at, opener)) (at is the first open event, opened_at; a row
--   without one carries the latest time there is, so it never wins);
-- - minMap and groupUniqArray become SimpleAggregateFunction(minMap) and (groupUniqArrayArray) of
--   the finalised map or array; min and max stay.
-- (Where argMax and argMin kept whichever value came first among equal versions or times, the max
-- and min of the tuple keep the greatest or least value: the same row whenever the versions
-- differ, and one fixed choice, not the arrival order's, when two differ in content only.)
-- It is ordered by merge time, so a range reads its rows (and about one granule on either side),
-- not whole months; and the read takes a merge request's one row as it is, aggregating only the
-- merge requests with more than one merge time in the range (FINAL folds the copies of one).
CREATE TABLE IF NOT EXISTS merge_request_cycle_merged_facts
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'Time of one merge event of the merge request',
    project_id Int64 COMMENT 'GitLab project id (the target project)',
    mr_iid Int64 COMMENT 'Merge request iid within the project',
    mr SimpleAggregateFunction(max, Tuple(version UInt64, project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)) COMMENT 'The merge_requests version and columns of the latest version (version 0 while only events came)',
    title SimpleAggregateFunction(max, Tuple(version UInt64, title String)) COMMENT 'Title of the latest version, with that version',
    opened_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First open event',
    opener SimpleAggregateFunction(min, Tuple(at DateTime64(3, 'UTC'), username String)) COMMENT 'First open event and its username (2299-12-31 and empty without one)',
    merged_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First merge event',
    reviews SimpleAggregateFunction(minMap, Tuple(Array(String), Array(Int64))) COMMENT 'id:username -> first comment, approved or approval (ms), keys sorted',
    approvals SimpleAggregateFunction(minMap, Tuple(Array(String), Array(Int64))) COMMENT 'id:username -> first approved or approval (ms), keys sorted',
    updates SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(String, DateTime64(3, 'UTC')))) COMMENT 'Every update event: (event id, time)',
    first_commit_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Earliest commit time (else push time) of the commits pushed to the source branch by created_at',
    merge_commit_arrivals SimpleAggregateFunction(minMap, Tuple(Array(String), Array(Int64))) COMMENT '"sha branch" -> first arrival (ms) of a merge commit this merge request named on its target branch'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(merged_at_bucket)
ORDER BY (merged_at_bucket, project_id, mr_iid)
COMMENT 'merge_request_cycle_facts_by_merge with plain values instead of aggregate states, by merge time (read with min, max, minMap, groupUniqArrayArray GROUP BY project_id, mr_iid)';

-- Every row that reaches merge_request_cycle_facts_by_merge (from any of the views of 0014), its
-- states finalised. In a row, mr_version is the version argMax kept for mr and title, and
-- opened_at the time argMin kept for opener (each view computes them together).
CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_merged_facts_mv TO merge_request_cycle_merged_facts
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'Time of one merge event',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    mr Tuple(version UInt64, project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String) COMMENT 'Version and merge_requests columns in the row',
    title Tuple(version UInt64, title String) COMMENT 'Version and title in the row',
    opened_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First open event in the row',
    opener Tuple(at DateTime64(3, 'UTC'), username String) COMMENT 'First open event and its username in the row',
    merged_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First merge event in the row',
    reviews Tuple(Array(String), Array(Int64)) COMMENT 'First review per actor in the row',
    approvals Tuple(Array(String), Array(Int64)) COMMENT 'First approval per actor in the row',
    updates Array(Tuple(String, DateTime64(3, 'UTC'))) COMMENT 'Update events in the row',
    first_commit_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First commit in the row',
    merge_commit_arrivals Tuple(Array(String), Array(Int64)) COMMENT 'Merge commit arrivals in the row'
)
AS WITH finalizeAggregation(mr) AS latest
SELECT merged_at_bucket, project_id, mr_iid,
    CAST((mr_version, latest.project_path, latest.state, latest.author_id, latest.created_at,
            latest.source_project_id, latest.source_branch, latest.target_branch, latest.merge_commit_sha),
        'Tuple(version UInt64, project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \'UTC\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)') AS mr,
    CAST((mr_version, finalizeAggregation(title)), 'Tuple(version UInt64, title String)') AS title,
    opened_at,
    CAST(if(opened_at IS NULL, (toDateTime64('2299-12-31 23:59:59.999', 3, 'UTC'), ''),
            (assumeNotNull(opened_at), finalizeAggregation(opener))),
        'Tuple(at DateTime64(3, \'UTC\'), username String)') AS opener,
    merged_at,
    finalizeAggregation(reviews) AS reviews,
    finalizeAggregation(approvals) AS approvals,
    finalizeAggregation(updates) AS updates,
    first_commit_at,
    finalizeAggregation(merge_commit_arrivals) AS merge_commit_arrivals
FROM merge_request_cycle_facts_by_merge
COMMENT 'Copies each row inserted into merge_request_cycle_facts_by_merge, its states finalised, to merge_request_cycle_merged_facts';

-- The rows already there (the view above was created first: a row inserted meanwhile is added
-- twice, which changes no aggregate), then folded to one row per merge time, as background merges
-- would leave them.
INSERT INTO merge_request_cycle_merged_facts
WITH finalizeAggregation(mr) AS latest
SELECT merged_at_bucket, project_id, mr_iid,
    CAST((mr_version, latest.project_path, latest.state, latest.author_id, latest.created_at,
            latest.source_project_id, latest.source_branch, latest.target_branch, latest.merge_commit_sha),
        'Tuple(version UInt64, project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \'UTC\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)'),
    CAST((mr_version, finalizeAggregation(title)), 'Tuple(version UInt64, title String)'),
    opened_at,
    CAST(if(opened_at IS NULL, (toDateTime64('2299-12-31 23:59:59.999', 3, 'UTC'), ''),
            (assumeNotNull(opened_at), finalizeAggregation(opener))),
        'Tuple(at DateTime64(3, \'UTC\'), username String)'),
    merged_at, finalizeAggregation(reviews), finalizeAggregation(approvals), finalizeAggregation(updates),
    first_commit_at, finalizeAggregation(merge_commit_arrivals)
FROM merge_request_cycle_facts_by_merge;

OPTIMIZE TABLE merge_request_cycle_merged_facts FINAL;

-- merge_request_cycle_in_scope (0019), same parameters and rows, reading:
-- - the merged merge requests from merge_request_cycle_merged_facts (all of them, with
--   all_merge_requests = true, from merge_request_cycle_facts as before);
-- - for a merge request whose hooks carry no created_at, the commits of its source branch beside
--   its own facts (0019 read every such merge request's facts again, of every project);
-- - the production deployments of the filter's projects only: production_deployments' definition
--   (0011, 0015) with the project filter on the deployments it reads, so one project reads its own;
-- - the filter's project ids and the settings as scalars, each computed once, not as IN subqueries
--   built again wherever they are named.
CREATE OR REPLACE VIEW merge_request_cycle_in_scope
AS WITH
    (
        SELECT (groupArrayIf(value, name = 'bot_username'), groupArrayIf(value, name = 'bot_username_suffix'))
        FROM metric_settings_current
    ) AS bots,
    -- one regular expression for "ends with one of the bot suffixes", matched once per actor
    arrayStringConcat(arrayMap(x -> concat('\\Q', x, '\\E$'), bots.2), '|') AS bot_suffixes,
    {scope_project:String} = '' AND {scope_group:String} = '' AS all_projects,
    -- the ids of the projects of the dashboards' project and group filter (services/dashboards/
    -- filters.ts), computed once (a scalar; `has` on it prunes by the key like IN); the merge
    -- requests and deployments are read by them, and the panel applies the filter itself too, so
    -- the rows are those of the filter written out
    (
        SELECT groupArray(project_id) FROM project_paths
        WHERE ({scope_project:String} = '' OR project_path = {scope_project:String}
                OR toString(project_id) = {scope_project:String})
            AND ({scope_group:String} = '' OR startsWith(project_path, concat({scope_group:String}, '/')))
    ) AS scope_ids,
    -- which deployments are production ones (settings), and the projects that send Deployment
    -- Hooks (whose deploy jobs do not count): scalars, as in production_deployment_attempts (0011)
    (
        SELECT (groupArrayIf(value, name = 'production_tier'), groupArrayIf(value, name = 'production_environment'))
        FROM metric_settings_current
    ) AS production_settings,
    (SELECT groupUniqArray(project_id) FROM deployments WHERE source = 'deployment_hook') AS hook_projects,
    -- the rows of the merge times in the range, the copies of one merge time folded
    merged_in_range AS
    (
        SELECT * FROM merge_request_cycle_merged_facts FINAL
        WHERE NOT {all_merge_requests:Bool}
            AND merged_at_bucket >= {from_time:DateTime64(3, 'UTC')} AND merged_at_bucket < {to_time:DateTime64(3, 'UTC')}
            AND (all_projects OR has(scope_ids, project_id))
    ),
    -- the merge requests with more than one merge time in the range, the only ones aggregated: a
    -- scalar, computed once, and `has` scans it for each row, which suits what it holds (nothing
    -- when GitLab sent one merge hook per merge request, as it does; an IN set named twice would
    -- be built twice)
    (
        SELECT groupArray((project_id, mr_iid))
        FROM
        (
            SELECT project_id, mr_iid FROM merge_request_cycle_merged_facts
            WHERE NOT {all_merge_requests:Bool}
                AND merged_at_bucket >= {from_time:DateTime64(3, 'UTC')} AND merged_at_bucket < {to_time:DateTime64(3, 'UTC')}
                AND (all_projects OR has(scope_ids, project_id))
            GROUP BY project_id, mr_iid
            HAVING uniqExact(merged_at_bucket) > 1
        )
    ) AS merged_more_than_once,
    facts AS
    (
        SELECT project_id, mr_iid, mr, title.title AS title, opened_at, opener.username AS opener,
            merged_at, reviews, approvals, updates, first_commit_at, merge_commit_arrivals
        FROM merged_in_range
        WHERE NOT has(merged_more_than_once, (project_id, mr_iid))
        UNION ALL
        SELECT project_id, mr_iid, max(mr), max(title).title, min(opened_at), min(opener).username,
            min(merged_at), minMap(reviews), minMap(approvals), groupUniqArrayArray(updates),
            min(first_commit_at), minMap(merge_commit_arrivals)
        FROM merged_in_range
        WHERE has(merged_more_than_once, (project_id, mr_iid))
        GROUP BY project_id, mr_iid
        UNION ALL
        SELECT project_id, mr_iid,
            CAST((version, latest.project_path, latest.state, latest.author_id, latest.created_at,
                    latest.source_project_id, latest.source_branch, latest.target_branch, latest.merge_commit_sha),
                'Tuple(version UInt64, project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \'UTC\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)'),
            title, opened_at, opener, merged_at, reviews, approvals, updates, first_commit_at, merge_commit_arrivals
        FROM
        (
            SELECT project_id, mr_iid, max(mr_version) AS version, argMaxMerge(mr) AS latest,
                argMaxMerge(title) AS title, min(opened_at) AS opened_at, argMinMerge(opener) AS opener,
                min(merged_at) AS merged_at, minMapMerge(reviews) AS reviews, minMapMerge(approvals) AS approvals,
                groupUniqArrayMerge(updates) AS updates, min(first_commit_at) AS first_commit_at,
                minMapMerge(merge_commit_arrivals) AS merge_commit_arrivals
            FROM merge_request_cycle_facts
            WHERE {all_merge_requests:Bool} AND (all_projects OR has(scope_ids, project_id))
            GROUP BY project_id, mr_iid
        )
    ),
    -- the commits pushed to the source branches of the merge requests whose hooks carry no
    -- created_at (their coding phase ends at the open event), by branch
    no_created_at_pushes AS
    (
        SELECT project_id, branch, groupArray((pushed_at, coalesce(committed_at, pushed_at))) AS pushes
        FROM branch_commit_pushes
        WHERE (project_id, branch) IN
            (
                SELECT project_id, value FROM merge_request_refs
                WHERE kind = 'no_created_at' AND (all_projects OR has(scope_ids, mr_project_id))
            )
        GROUP BY project_id, branch
    ),
    -- in two steps, so that each array filter is computed (and planned) once: an alias used twice
    -- in one SELECT is expanded twice
    cycles AS
    (
        SELECT *,
            if(empty(reviewer_times), NULL, fromUnixTimestamp64Milli(arrayMin(reviewer_times), 'UTC')) AS first_review_at,
            if(empty(approver_times), NULL, fromUnixTimestamp64Milli(arrayMin(approver_times), 'UTC')) AS approved_at,
            if(first_review_at IS NULL, 0, arrayCount(u -> u.2 > first_review_at, updates)) AS review_rounds,
            if(merged_at IS NULL, NULL,
                least(assumeNotNull(merged_at), if(arrival_index = 0, assumeNotNull(merged_at),
                    fromUnixTimestamp64Milli(merge_commit_arrivals.2[arrival_index], 'UTC')))) AS on_branch_at
        FROM
        (
            SELECT f.project_id AS project_id, f.mr_iid AS mr_iid, f.mr.project_path AS project_path,
                f.title AS title, f.mr.state AS state, f.opener AS author_username,
                coalesce(f.mr.created_at, if(f.opener = '', NULL, f.opened_at)) AS opened_at,
                f.mr.target_branch AS target_branch, f.merged_at AS merged_at, f.updates AS updates,
                f.merge_commit_arrivals AS merge_commit_arrivals,
                -- the coding phase ends at created_at (its first commit kept at insert time) or,
                -- without one, at the open event: the first of the source branch's commits pushed by then
                arrayMap(p -> p.2, arrayFilter(p -> p.1 <= f.opened_at, p.pushes)) AS commits_by_open,
                if(f.mr.created_at IS NOT NULL, f.first_commit_at,
                    if(f.opener = '' OR f.opened_at IS NULL OR empty(commits_by_open), NULL,
                        toNullable(arrayMin(commits_by_open)))) AS first_commit_at,
                arrayMap(k -> substring(k, position(k, ':') + 1), f.reviews.1) AS reviewer_users,
                arrayMap(k -> toInt64OrNull(substring(k, 1, position(k, ':') - 1)), f.reviews.1) AS reviewer_ids,
                arrayFilter((at, u, id) -> NOT (has(bots.1, u) OR (notEmpty(bots.2) AND match(u, bot_suffixes))
                        OR (id IS NOT NULL AND f.mr.author_id IS NOT NULL AND id = f.mr.author_id)
                        OR (f.opener != '' AND u = f.opener)),
                    f.reviews.2, reviewer_users, reviewer_ids) AS reviewer_times,
                arrayMap(k -> substring(k, position(k, ':') + 1), f.approvals.1) AS approver_users,
                arrayMap(k -> toInt64OrNull(substring(k, 1, position(k, ':') - 1)), f.approvals.1) AS approver_ids,
                arrayFilter((at, u, id) -> NOT (has(bots.1, u) OR (notEmpty(bots.2) AND match(u, bot_suffixes))
                        OR (id IS NOT NULL AND f.mr.author_id IS NOT NULL AND id = f.mr.author_id)
                        OR (f.opener != '' AND u = f.opener)),
                    f.approvals.2, approver_users, approver_ids) AS approver_times,
                indexOf(f.merge_commit_arrivals.1, concat(f.mr.merge_commit_sha, ' ', f.mr.target_branch)) AS arrival_index
            FROM facts AS f
            LEFT JOIN no_created_at_pushes AS p
                ON p.project_id = f.mr.source_project_id AND p.branch = f.mr.source_branch
            WHERE f.mr.version > 0
                AND ({all_merge_requests:Bool}
                    OR (f.merged_at >= {from_time:DateTime64(3, 'UTC')} AND f.merged_at < {to_time:DateTime64(3, 'UTC')}))
        )
    ),
    -- production_deployments (0011, 0015) of the filter's projects: the first success per project,
    -- environment and pipeline among the production attempts, by (deployed_at, deployment_key)
    production_deployments_in_scope AS
    (
        SELECT project_id, sha, ref, deployed_at
        FROM
        (
            SELECT d.project_id AS project_id, d.deployment_key AS deployment_key,
                d.environment AS environment, d.sha AS sha, d.ref AS ref,
                assumeNotNull(d.deployed_at) AS deployed_at,
                coalesce(d.pipeline_id, j.pipeline_id) AS pipeline_id
            FROM deployments AS d FINAL
            LEFT JOIN
            (
                SELECT project_id, job_id, pipeline_id FROM deployment_job_pipelines FINAL
                WHERE all_projects OR has(scope_ids, project_id)
            ) AS j ON j.project_id = d.project_id AND j.job_id = d.job_id
            WHERE (all_projects OR has(scope_ids, d.project_id))
                AND d.status = 'success' AND d.deployed_at IS NOT NULL
                AND (has(production_settings.1, d.environment_tier) OR has(production_settings.2, d.environment))
                AND (d.source = 'deployment_hook' OR NOT has(hook_projects, d.project_id))
        )
        ORDER BY project_id, environment, deployed_at, deployment_key
        LIMIT 1 BY project_id, environment, pipeline_id, if(pipeline_id IS NULL, deployment_key, '')
    ),
    -- each target branch's candidate deployments, in time order, so the first that carries a merge
    -- is found in a short array: the production deployments from from_time on, under every branch
    -- their commit reached (with when) or, when it reached none, under their ref
    deploys_by_branch AS
    (
        SELECT project_id, branch, arraySort(groupArray((deployed_at, sha_arrived_at))) AS deployments
        FROM
        (
            SELECT d.project_id AS project_id, d.deployed_at AS deployed_at,
                arrayJoin(if(empty(a.arrivals), [(d.ref, CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))'))], a.arrivals)) AS arrival,
                arrival.1 AS branch, arrival.2 AS sha_arrived_at
            FROM
            (
                SELECT project_id, sha, groupArray((branch, toNullable(arrived_at))) AS arrivals
                FROM
                (
                    SELECT project_id, sha, branch, min(arrived_at) AS arrived_at
                    FROM deployed_commit_arrivals
                    WHERE (all_projects OR has(scope_ids, project_id))
                    GROUP BY project_id, sha, branch
                )
                GROUP BY project_id, sha
            ) AS a
            RIGHT JOIN
            (
                SELECT project_id, sha, ref, deployed_at FROM production_deployments_in_scope
                WHERE deployed_at >= {from_time:DateTime64(3, 'UTC')}
            ) AS d ON a.project_id = d.project_id AND a.sha = d.sha
        )
        GROUP BY project_id, branch
    ),
    cycles_deployed AS
    (
        SELECT m.project_id AS project_id, m.mr_iid AS mr_iid, m.project_path AS project_path,
            m.title AS title, m.state AS state, m.author_username AS author_username,
            m.opened_at AS opened_at, m.merged_at AS merged_at, m.first_commit_at AS first_commit_at,
            m.first_review_at AS first_review_at, m.approved_at AS approved_at,
            m.review_rounds AS review_rounds,
            arrayFirstIndex(d -> d.1 >= m.merged_at AND (d.2 IS NULL OR d.2 >= m.on_branch_at), b.deployments) AS first_index,
            if(first_index = 0, NULL, toNullable(b.deployments[first_index].1)) AS deployed_at
        FROM cycles AS m
        LEFT JOIN deploys_by_branch AS b ON b.project_id = m.project_id AND b.branch = m.target_branch
    )
SELECT m.project_id AS project_id, m.project_path AS project_path, m.mr_iid AS mr_iid, m.title AS title,
    m.state AS state, m.author_username AS author_username,
    toBool(m.author_username != '' AND (has(bots.1, m.author_username)
        OR arrayExists(s -> endsWith(m.author_username, s), bots.2))) AS author_is_bot,
    m.first_commit_at AS first_commit_at,
    m.opened_at AS opened_at, m.first_review_at AS first_review_at, m.approved_at AS approved_at,
    m.merged_at AS merged_at, m.deployed_at AS deployed_at,
    dateDiff('millisecond', m.first_commit_at, m.opened_at) / 1000 AS coding_s,
    dateDiff('millisecond', m.opened_at, m.first_review_at) / 1000 AS pickup_s,
    dateDiff('millisecond', m.first_review_at, m.approved_at) / 1000 AS review_s,
    dateDiff('millisecond', m.approved_at, m.merged_at) / 1000 AS merge_s,
    dateDiff('millisecond', m.merged_at, m.deployed_at) / 1000 AS deploy_s,
    m.review_rounds AS review_rounds
FROM cycles_deployed AS m
COMMENT 'Merge request cycle (docs/metrics.md) of the merge requests merged in [from_time, to_time) (or of all, all_merge_requests = true) of the projects scope_project and scope_group name (empty: all)';
