-- merge_request_cycle_between (0014) with the dashboards' project and group filter inside, and
-- its deploy phase from the production deployments computed once (docs/benchmarks.md, "Merge
-- request cycle over the range (session 4)"). The panel filtered by project after the view, so one
-- project cost nearly what all did; here the merge requests and the deployments are read by the
-- ids of the filter's projects (scope_project, scope_group: the panel's project and group
-- parameters, empty for all), so the keys prune. Same phases and rows as 0014.
--
-- merge_request_cycle_in_scope(from_time, to_time, all_merge_requests, scope_project, scope_group)
-- holds the definition; merge_request_cycle_between keeps its parameters (all projects), so the
-- merge_request_cycle view and every query that named it read the same rows as before.

CREATE OR REPLACE VIEW merge_request_cycle_in_scope
AS WITH
    (
        SELECT (groupArrayIf(value, name = 'bot_username'), groupArrayIf(value, name = 'bot_username_suffix'))
        FROM metric_settings_current
    ) AS bots,
    -- one regular expression for "ends with one of the bot suffixes", matched once per actor
    arrayStringConcat(arrayMap(x -> concat('\\Q', x, '\\E$'), bots.2), '|') AS bot_suffixes,
    {scope_project:String} = '' AND {scope_group:String} = '' AS all_projects,
    -- the projects of the dashboards' project and group filter (services/dashboards/filters.ts):
    -- the merge requests and deployments are read by this set of ids, so the keys prune; the
    -- panel applies the filter itself too, so the rows are those of the filter written out
    scope_projects AS
    (
        SELECT project_id FROM project_paths
        WHERE ({scope_project:String} = '' OR project_path = {scope_project:String}
                OR toString(project_id) = {scope_project:String})
            AND ({scope_group:String} = '' OR startsWith(project_path, concat({scope_group:String}, '/')))
    ),
    facts AS
    (
        SELECT project_id, mr_iid, max(mr_version) AS version, argMaxMerge(mr) AS mr,
            argMaxMerge(title) AS title, min(opened_at) AS opened_event_at,
            argMinMerge(opener) AS opener, min(merged_at) AS merged_at,
            minMapMerge(reviews) AS reviews, minMapMerge(approvals) AS approvals,
            groupUniqArrayMerge(updates) AS updates, min(first_commit_at) AS first_commit_at,
            minMapMerge(merge_commit_arrivals) AS merge_commit_arrivals
        FROM
        (
            SELECT * EXCEPT merged_at_bucket FROM merge_request_cycle_facts_by_merge
            WHERE NOT {all_merge_requests:Bool}
                AND merged_at_bucket >= {from_time:DateTime64(3, 'UTC')} AND merged_at_bucket < {to_time:DateTime64(3, 'UTC')}
                AND (all_projects OR project_id IN scope_projects)
            UNION ALL
            SELECT * FROM merge_request_cycle_facts
            WHERE {all_merge_requests:Bool} AND (all_projects OR project_id IN scope_projects)
        )
        GROUP BY project_id, mr_iid
        HAVING version > 0
            AND ({all_merge_requests:Bool}
                OR (merged_at >= {from_time:DateTime64(3, 'UTC')} AND merged_at < {to_time:DateTime64(3, 'UTC')}))
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
            SELECT project_id, mr_iid, mr.project_path AS project_path, title, mr.state AS state,
                opener AS author_username,
                coalesce(mr.created_at, if(opener = '', NULL, opened_event_at)) AS opened_at,
                mr.target_branch AS target_branch, merged_at, updates, merge_commit_arrivals,
                -- the coding phase ends at created_at (kept at insert time) or, without one, at the
                -- open event (no_created_at_first_commits below)
                if(mr.created_at IS NULL, NULL, first_commit_at) AS first_commit_at_by_created,
                arrayMap(k -> substring(k, position(k, ':') + 1), reviews.1) AS reviewer_users,
                arrayMap(k -> toInt64OrNull(substring(k, 1, position(k, ':') - 1)), reviews.1) AS reviewer_ids,
                arrayFilter((at, u, id) -> NOT (has(bots.1, u) OR (notEmpty(bots.2) AND match(u, bot_suffixes))
                        OR (id IS NOT NULL AND mr.author_id IS NOT NULL AND id = mr.author_id)
                        OR (opener != '' AND u = opener)),
                    reviews.2, reviewer_users, reviewer_ids) AS reviewer_times,
                arrayMap(k -> substring(k, position(k, ':') + 1), approvals.1) AS approver_users,
                arrayMap(k -> toInt64OrNull(substring(k, 1, position(k, ':') - 1)), approvals.1) AS approver_ids,
                arrayFilter((at, u, id) -> NOT (has(bots.1, u) OR (notEmpty(bots.2) AND match(u, bot_suffixes))
                        OR (id IS NOT NULL AND mr.author_id IS NOT NULL AND id = mr.author_id)
                        OR (opener != '' AND u = opener)),
                    approvals.2, approver_users, approver_ids) AS approver_times,
                indexOf(merge_commit_arrivals.1, concat(mr.merge_commit_sha, ' ', mr.target_branch)) AS arrival_index
            FROM facts
        )
    ),
    no_created_at_first_commits AS
    (
        SELECT o.project_id AS project_id, o.mr_iid AS mr_iid, 1 AS known,
            min(coalesce(c.committed_at, c.pushed_at)) AS first_commit_at
        FROM
        (
            SELECT project_id, mr_iid, argMaxMerge(mr) AS mr, min(opened_at) AS opened_at, argMinMerge(opener) AS opener
            FROM merge_request_cycle_facts
            WHERE (project_id, mr_iid) IN (SELECT mr_project_id, mr_iid FROM merge_request_refs WHERE kind = 'no_created_at')
            GROUP BY project_id, mr_iid
            HAVING mr.created_at IS NULL AND opener != '' AND opened_at IS NOT NULL
        ) AS o
        INNER JOIN
        (
            SELECT project_id, branch, pushed_at, committed_at FROM branch_commit_pushes
            WHERE (project_id, branch) IN (SELECT project_id, value FROM merge_request_refs WHERE kind = 'no_created_at')
        ) AS c ON c.project_id = o.mr.source_project_id AND c.branch = o.mr.source_branch
        WHERE c.pushed_at <= o.opened_at
        GROUP BY o.project_id, o.mr_iid
    ),
    -- each target branch's candidate deployments, in time order, so the first that carries a merge
    -- is found in a short array: the production deployments from from_time on, under every branch
    -- their commit reached (with when) or, when it reached none, under their ref. The deployments
    -- are computed once, and the arrivals of their commits read by project (0014 read
    -- production_deployment_branches, a join over all deployments, and every arrival again for
    -- the deployments without one)
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
                    WHERE (all_projects OR project_id IN scope_projects)
                    GROUP BY project_id, sha, branch
                )
                GROUP BY project_id, sha
            ) AS a
            RIGHT JOIN
            (
                SELECT project_id, sha, ref, deployed_at FROM production_deployments
                WHERE deployed_at >= {from_time:DateTime64(3, 'UTC')} AND (all_projects OR project_id IN scope_projects)
            ) AS d ON a.project_id = d.project_id AND a.sha = d.sha
        )
        GROUP BY project_id, branch
    ),
    cycles_deployed AS
    (
        SELECT m.project_id AS project_id, m.mr_iid AS mr_iid, m.project_path AS project_path,
            m.title AS title, m.state AS state, m.author_username AS author_username,
            m.opened_at AS opened_at, m.merged_at AS merged_at,
            m.first_commit_at_by_created AS first_commit_at_by_created,
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
    coalesce(m.first_commit_at_by_created, if(n.known = 1, toNullable(n.first_commit_at), NULL)) AS first_commit_at,
    m.opened_at AS opened_at, m.first_review_at AS first_review_at, m.approved_at AS approved_at,
    m.merged_at AS merged_at, m.deployed_at AS deployed_at,
    dateDiff('millisecond', first_commit_at, m.opened_at) / 1000 AS coding_s,
    dateDiff('millisecond', m.opened_at, m.first_review_at) / 1000 AS pickup_s,
    dateDiff('millisecond', m.first_review_at, m.approved_at) / 1000 AS review_s,
    dateDiff('millisecond', m.approved_at, m.merged_at) / 1000 AS merge_s,
    dateDiff('millisecond', m.merged_at, m.deployed_at) / 1000 AS deploy_s,
    m.review_rounds AS review_rounds
FROM cycles_deployed AS m
LEFT JOIN no_created_at_first_commits AS n ON n.project_id = m.project_id AND n.mr_iid = m.mr_iid
COMMENT 'Merge request cycle (docs/metrics.md) of the merge requests merged in [from_time, to_time) (or of all, all_merge_requests = true) of the projects scope_project and scope_group name (empty: all)';


CREATE OR REPLACE VIEW merge_request_cycle_between
AS SELECT *
FROM merge_request_cycle_in_scope(from_time = {from_time:DateTime64(3, 'UTC')}, to_time = {to_time:DateTime64(3, 'UTC')},
    all_merge_requests = {all_merge_requests:Bool}, scope_project = '', scope_group = '')
COMMENT 'Merge request cycle (docs/metrics.md) of the merge requests merged in [from_time, to_time), or of all with all_merge_requests = true';
