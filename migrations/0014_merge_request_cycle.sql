-- Merge request cycle from tables kept at insert time, same phases (docs/metrics.md). Until now the
-- view computed every phase of every merge request (all of merge_request_events FINAL three
-- times, every merge request joined with every commit of its branch, merge to deploy over every
-- arrival) before the panel kept 30 days: over 30 s on 1M merge requests (docs/benchmarks.md).
--
-- merge_request_cycle_facts: per merge request (one row after merges), everything the phases
-- need, as aggregate states that give the same answer in any insert order and under any number of
-- repeats (max, min, argMax, argMin, minMap and groupUniqArray are idempotent and commutative).
-- What depends on the settings (bots) or on the author (who is not a reviewer) is decided on
-- read, so reviews are kept per actor: `id:username` (id empty when unknown; an id is digits, so
-- the first ':' ends it) -> first time in ms. Materialized views fill it from every side a fact
-- can come from, each joining the inserted block with what is already there, so the order the
-- rows arrive in does not matter (a merge before the open, a commit pushed after the merge
-- request came in, a merge commit's push after the merge).
CREATE TABLE IF NOT EXISTS merge_request_cycle_facts
(
    project_id Int64 COMMENT 'GitLab project id (the target project)',
    mr_iid Int64 COMMENT 'Merge request iid within the project',
    mr_version SimpleAggregateFunction(max, UInt64) COMMENT 'Greatest merge_requests version seen, 0 while only events came',
    mr AggregateFunction(argMax, Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String), UInt64) COMMENT 'The merge_requests columns of the latest version (the row FINAL keeps)',
    title AggregateFunction(argMax, String, UInt64) COMMENT 'Title of the latest version',
    opened_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First open event',
    opener AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'Username of the first open event',
    merged_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First merge event',
    reviews AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'id:username -> first comment, approved or approval (ms)',
    approvals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'id:username -> first approved or approval (ms)',
    updates AggregateFunction(groupUniqArray, Tuple(String, DateTime64(3, 'UTC'))) COMMENT 'Every update event: (event id, time)',
    first_commit_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Earliest commit time (else push time) of the commits pushed to the source branch by created_at',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT '"sha branch" -> first arrival (ms) of a merge commit this merge request named on its target branch'
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, mr_iid)
COMMENT 'What the merge request cycle needs, per merge request, as aggregate states (read with -Merge GROUP BY project_id, mr_iid)';

CREATE TABLE IF NOT EXISTS merge_request_cycle_facts_by_merge
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'Time of one merge event of the merge request',
    project_id Int64 COMMENT 'GitLab project id (the target project)',
    mr_iid Int64 COMMENT 'Merge request iid within the project',
    mr_version SimpleAggregateFunction(max, UInt64) COMMENT 'Greatest merge_requests version seen, 0 while only events came',
    mr AggregateFunction(argMax, Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String), UInt64) COMMENT 'The merge_requests columns of the latest version (the row FINAL keeps)',
    title AggregateFunction(argMax, String, UInt64) COMMENT 'Title of the latest version',
    opened_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First open event',
    opener AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'Username of the first open event',
    merged_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First merge event',
    reviews AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'id:username -> first comment, approved or approval (ms)',
    approvals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'id:username -> first approved or approval (ms)',
    updates AggregateFunction(groupUniqArray, Tuple(String, DateTime64(3, 'UTC'))) COMMENT 'Every update event: (event id, time)',
    first_commit_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Earliest commit time (else push time) of the commits pushed to the source branch by created_at',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT '"sha branch" -> first arrival (ms) of a merge commit this merge request named on its target branch'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(merged_at_bucket)
ORDER BY (toYYYYMM(merged_at_bucket), project_id, merged_at_bucket, mr_iid)
COMMENT 'merge_request_cycle_facts of merged merge requests, by the time of each merge event (read with -Merge GROUP BY project_id, mr_iid)';

-- The time of every merge event, by merge request: where a fact that comes after a merge is copied.
CREATE TABLE IF NOT EXISTS merge_request_merge_times
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    at DateTime64(3, 'UTC') COMMENT 'Time of a merge event'
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, mr_iid, at)
COMMENT 'Merge event times by merge request (duplicates fold)';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_merge_times_mv TO merge_request_merge_times
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    at DateTime64(3, 'UTC') COMMENT 'Merge event time'
)
AS SELECT project_id, mr_iid, at FROM merge_request_events WHERE action = 'merge'
COMMENT 'Adds each inserted merge event to merge_request_merge_times';

-- Every commits row by project, branch and push time, for the coding phase: the commits pushed
-- to a source branch before a merge request opened, found by key.
CREATE TABLE IF NOT EXISTS branch_commit_pushes
(
    project_id Int64 COMMENT 'GitLab project id',
    branch String COMMENT 'Branch of the push that listed the commit',
    pushed_at DateTime64(3, 'UTC') COMMENT 'When that push was received',
    committed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Commit timestamp from the push',
    sha String COMMENT 'Commit'
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, branch, pushed_at, sha)
COMMENT 'The commits each branch push listed, by project, branch and push time (duplicates fold)';

-- What the other sides look a merge request up by: its source branch (kind source_branch, keyed
-- by the source project; with created_at, the end of the coding phase), its merge commit (kind
-- merge_commit, with the target branch), and the merge requests whose hooks carry no created_at
-- (kind no_created_at: their coding phase ends at the open event, so it is computed on read).
CREATE TABLE IF NOT EXISTS merge_request_refs
(
    kind LowCardinality(String) COMMENT 'source_branch, merge_commit or no_created_at',
    project_id Int64 COMMENT 'Source project (source_branch, no_created_at) or the project (merge_commit)',
    value String COMMENT 'Source branch, or merge commit sha',
    mr_project_id Int64 COMMENT 'Project of the merge request',
    mr_iid Int64 COMMENT 'Merge request iid',
    target_branch String COMMENT 'Target branch (merge_commit)',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the merge request was opened (source_branch)'
)
ENGINE = ReplacingMergeTree
ORDER BY (kind, project_id, value, mr_project_id, mr_iid, target_branch)
COMMENT 'Merge requests by source branch and by merge commit, for the materialized views that keep merge_request_cycle_facts';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_refs_mv TO merge_request_refs
(
    kind String COMMENT 'Kind',
    project_id Int64 COMMENT 'Looked-up project',
    value String COMMENT 'Looked-up value',
    mr_project_id Int64 COMMENT 'Merge request project',
    mr_iid Int64 COMMENT 'Merge request iid',
    target_branch String COMMENT 'Target branch',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Opened'
)
AS SELECT ref.1 AS kind, ref.2 AS project_id, ref.3 AS value, mr_project_id, mr_iid,
    ref.4 AS target_branch, created_at
FROM
(
    SELECT project_id AS mr_project_id, mr_iid, created_at,
        arrayConcat(
            if(created_at IS NULL,
                [('no_created_at', coalesce(source_project_id, project_id), source_branch, '')],
                [('source_branch', coalesce(source_project_id, project_id), source_branch, '')]),
            if(merge_commit_sha = '', [], [('merge_commit', project_id, merge_commit_sha, target_branch)])) AS refs
    FROM merge_requests
)
ARRAY JOIN refs AS ref
COMMENT 'Adds the source branch and merge commit of each inserted merge_requests row to merge_request_refs';

-- From merge_requests: the latest columns; the first commit among the commits already pushed to
-- the source branch by created_at; the merge commit's arrivals already there on the target branch.
-- (Inside a materialized view, merge_requests is the inserted block; other tables are whole.)
CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_from_merge_requests TO merge_request_cycle_facts
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    mr_version UInt64 COMMENT 'Greatest version in the block',
    mr AggregateFunction(argMax, Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String), UInt64) COMMENT 'Latest columns in the block',
    title AggregateFunction(argMax, String, UInt64) COMMENT 'Latest title in the block',
    first_commit_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First commit of the source branch already there',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'Merge commit arrivals already there'
)
AS SELECT m.project_id AS project_id, m.mr_iid AS mr_iid, m.mr_version AS mr_version, m.mr AS mr,
    m.title AS title, fc.first_commit_at AS first_commit_at, ma.merge_commit_arrivals AS merge_commit_arrivals
FROM
(
    SELECT project_id, mr_iid, max(version) AS mr_version,
        argMaxState(CAST((project_path, toString(state), author_id, created_at,
            coalesce(source_project_id, project_id), source_branch, target_branch, merge_commit_sha),
            'Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \'UTC\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)'),
            version) AS mr,
        argMaxState(title, version) AS title
    FROM merge_requests
    GROUP BY project_id, mr_iid
) AS m
LEFT JOIN
(
    -- toNullable: a merge request with no commit there yet gets NULL from the LEFT JOIN, not 1970
    SELECT r.project_id AS project_id, r.mr_iid AS mr_iid,
        toNullable(min(coalesce(c.committed_at, c.pushed_at))) AS first_commit_at
    FROM merge_requests AS r
    INNER JOIN
    (
        SELECT project_id, branch, pushed_at, committed_at FROM branch_commit_pushes
        WHERE (project_id, branch) IN (SELECT coalesce(source_project_id, project_id), source_branch FROM merge_requests)
    ) AS c ON c.project_id = coalesce(r.source_project_id, r.project_id) AND c.branch = r.source_branch
    WHERE r.created_at IS NOT NULL AND c.pushed_at <= r.created_at
    GROUP BY r.project_id, r.mr_iid
) AS fc ON fc.project_id = m.project_id AND fc.mr_iid = m.mr_iid
LEFT JOIN
(
    SELECT r.project_id AS project_id, r.mr_iid AS mr_iid,
        minMapState([concat(a.sha, ' ', a.branch)], [toUnixTimestamp64Milli(a.arrived_at)]) AS merge_commit_arrivals
    FROM merge_requests AS r
    INNER JOIN
    (
        SELECT project_id, sha, branch, min(arrived_at) AS arrived_at FROM branch_arrivals
        WHERE (project_id, sha) IN (SELECT project_id, merge_commit_sha FROM merge_requests WHERE merge_commit_sha != '')
        GROUP BY project_id, sha, branch
    ) AS a ON a.project_id = r.project_id AND a.sha = r.merge_commit_sha AND a.branch = r.target_branch
    GROUP BY r.project_id, r.mr_iid
) AS ma ON ma.project_id = m.project_id AND ma.mr_iid = m.mr_iid
COMMENT 'Adds each inserted merge_requests row, with its first commit and merge commit arrivals already known, to merge_request_cycle_facts';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_from_events TO merge_request_cycle_facts
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    opened_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First open event in the block',
    opener AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'Its username',
    merged_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First merge event in the block',
    reviews AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'First review per actor',
    approvals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'First approval per actor',
    updates AggregateFunction(groupUniqArray, Tuple(String, DateTime64(3, 'UTC'))) COMMENT 'Update events'
)
AS SELECT project_id, mr_iid,
    minIf(toNullable(at), action = 'open') AS opened_at,
    argMinStateIf(actor_username, at, action = 'open') AS opener,
    minIf(toNullable(at), action = 'merge') AS merged_at,
    minMapStateIf([concat(ifNull(toString(actor_id), ''), ':', actor_username)], [toUnixTimestamp64Milli(at)],
        action IN ('comment', 'approved', 'approval')) AS reviews,
    minMapStateIf([concat(ifNull(toString(actor_id), ''), ':', actor_username)], [toUnixTimestamp64Milli(at)],
        action IN ('approved', 'approval')) AS approvals,
    groupUniqArrayStateIf((event_id, at), action = 'update') AS updates
FROM merge_request_events
GROUP BY project_id, mr_iid
COMMENT 'Adds each inserted merge_request_events row to merge_request_cycle_facts';

CREATE MATERIALIZED VIEW IF NOT EXISTS branch_commit_pushes_mv TO branch_commit_pushes
(
    project_id Int64 COMMENT 'GitLab project id',
    branch String COMMENT 'Branch',
    pushed_at DateTime64(3, 'UTC') COMMENT 'Push receipt',
    committed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Commit time',
    sha String COMMENT 'Commit'
)
AS SELECT project_id, branch, pushed_at, committed_at, sha
FROM commits
WHERE branch != ''
COMMENT 'Copies every branch row inserted into commits to branch_commit_pushes';

-- From commits: the first commit of the merge requests (already there) whose source branch the
-- inserted commits were pushed to, by their created_at.
CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_from_commits TO merge_request_cycle_facts
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    first_commit_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First commit among the inserted ones'
)
AS SELECT r.mr_project_id AS project_id, r.mr_iid AS mr_iid, min(coalesce(c.committed_at, c.pushed_at)) AS first_commit_at
FROM commits AS c
INNER JOIN
(
    SELECT project_id, value, mr_project_id, mr_iid, assumeNotNull(created_at) AS created_at FROM merge_request_refs
    WHERE kind = 'source_branch' AND (project_id, value) IN (SELECT project_id, branch FROM commits WHERE branch != '')
) AS r ON r.project_id = c.project_id AND r.value = c.branch
WHERE c.pushed_at <= r.created_at
GROUP BY r.mr_project_id, r.mr_iid
COMMENT 'Adds the first commit of each merge request whose source branch an inserted commit was pushed to';

-- From branch_arrivals: the arrival of a merge commit (of a merge request already there) on its
-- target branch.
CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_from_arrivals TO merge_request_cycle_facts
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'Inserted arrivals of its merge commit'
)
AS SELECT r.mr_project_id AS project_id, r.mr_iid AS mr_iid,
    minMapState([concat(a.sha, ' ', a.branch)], [toUnixTimestamp64Milli(a.arrived_at)]) AS merge_commit_arrivals
FROM branch_arrivals AS a
INNER JOIN
(
    SELECT project_id, value, mr_project_id, mr_iid, target_branch FROM merge_request_refs
    WHERE kind = 'merge_commit' AND (project_id, value) IN (SELECT project_id, sha FROM branch_arrivals)
) AS r ON r.project_id = a.project_id AND r.value = a.sha AND r.target_branch = a.branch
GROUP BY r.mr_project_id, r.mr_iid
COMMENT 'Adds each inserted arrival of a merge commit on its target branch to merge_request_cycle_facts';

-- The copies into merge_request_cycle_facts_by_merge of what the views above add, for a merged
-- merge request: to the bucket of each of its merge events already known (and, for events, in the
-- inserted block).
CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_by_merge_from_merge_requests TO merge_request_cycle_facts_by_merge
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'A merge time of the merge request',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    mr_version UInt64 COMMENT 'Greatest version in the block',
    mr AggregateFunction(argMax, Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String), UInt64) COMMENT 'Latest columns in the block',
    title AggregateFunction(argMax, String, UInt64) COMMENT 'Latest title in the block',
    first_commit_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First commit of the source branch already there',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'Merge commit arrivals already there'
)
AS SELECT merged_at_bucket, f.project_id AS project_id, f.mr_iid AS mr_iid, f.mr_version AS mr_version, f.mr AS mr, f.title AS title, f.first_commit_at AS first_commit_at, f.merge_commit_arrivals AS merge_commit_arrivals
FROM
(
SELECT m.project_id AS project_id, m.mr_iid AS mr_iid, m.mr_version AS mr_version, m.mr AS mr,
    m.title AS title, fc.first_commit_at AS first_commit_at, ma.merge_commit_arrivals AS merge_commit_arrivals
FROM
(
    SELECT project_id, mr_iid, max(version) AS mr_version,
        argMaxState(CAST((project_path, toString(state), author_id, created_at,
            coalesce(source_project_id, project_id), source_branch, target_branch, merge_commit_sha),
            'Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \'UTC\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)'),
            version) AS mr,
        argMaxState(title, version) AS title
    FROM merge_requests
    GROUP BY project_id, mr_iid
) AS m
LEFT JOIN
(
    -- toNullable: a merge request with no commit there yet gets NULL from the LEFT JOIN, not 1970
    SELECT r.project_id AS project_id, r.mr_iid AS mr_iid,
        toNullable(min(coalesce(c.committed_at, c.pushed_at))) AS first_commit_at
    FROM merge_requests AS r
    INNER JOIN
    (
        SELECT project_id, branch, pushed_at, committed_at FROM branch_commit_pushes
        WHERE (project_id, branch) IN (SELECT coalesce(source_project_id, project_id), source_branch FROM merge_requests)
    ) AS c ON c.project_id = coalesce(r.source_project_id, r.project_id) AND c.branch = r.source_branch
    WHERE r.created_at IS NOT NULL AND c.pushed_at <= r.created_at
    GROUP BY r.project_id, r.mr_iid
) AS fc ON fc.project_id = m.project_id AND fc.mr_iid = m.mr_iid
LEFT JOIN
(
    SELECT r.project_id AS project_id, r.mr_iid AS mr_iid,
        minMapState([concat(a.sha, ' ', a.branch)], [toUnixTimestamp64Milli(a.arrived_at)]) AS merge_commit_arrivals
    FROM merge_requests AS r
    INNER JOIN
    (
        SELECT project_id, sha, branch, min(arrived_at) AS arrived_at FROM branch_arrivals
        WHERE (project_id, sha) IN (SELECT project_id, merge_commit_sha FROM merge_requests WHERE merge_commit_sha != '')
        GROUP BY project_id, sha, branch
    ) AS a ON a.project_id = r.project_id AND a.sha = r.merge_commit_sha AND a.branch = r.target_branch
    GROUP BY r.project_id, r.mr_iid
) AS ma ON ma.project_id = m.project_id AND ma.mr_iid = m.mr_iid
) AS f
INNER JOIN
(
    SELECT project_id, mr_iid, groupArray(at) AS times FROM merge_request_merge_times
    WHERE (project_id, mr_iid) IN (SELECT project_id, mr_iid FROM merge_requests)
    GROUP BY project_id, mr_iid
) AS t ON t.project_id = f.project_id AND t.mr_iid = f.mr_iid
ARRAY JOIN t.times AS merged_at_bucket
COMMENT 'Copies what merge_request_cycle_facts_from_merge_requests adds for a merged merge request into merge_request_cycle_facts_by_merge';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_by_merge_from_commits TO merge_request_cycle_facts_by_merge
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'A merge time of the merge request',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    first_commit_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First commit among the inserted ones'
)
AS SELECT merged_at_bucket, f.project_id AS project_id, f.mr_iid AS mr_iid, f.first_commit_at AS first_commit_at
FROM
(
SELECT r.mr_project_id AS project_id, r.mr_iid AS mr_iid, min(coalesce(c.committed_at, c.pushed_at)) AS first_commit_at
FROM commits AS c
INNER JOIN
(
    SELECT project_id, value, mr_project_id, mr_iid, assumeNotNull(created_at) AS created_at FROM merge_request_refs
    WHERE kind = 'source_branch' AND (project_id, value) IN (SELECT project_id, branch FROM commits WHERE branch != '')
) AS r ON r.project_id = c.project_id AND r.value = c.branch
WHERE c.pushed_at <= r.created_at
GROUP BY r.mr_project_id, r.mr_iid
) AS f
INNER JOIN
(
    SELECT project_id, mr_iid, groupArray(at) AS times FROM merge_request_merge_times
    WHERE (project_id, mr_iid) IN (SELECT mr_project_id, mr_iid FROM merge_request_refs WHERE kind = 'source_branch' AND (project_id, value) IN (SELECT project_id, branch FROM commits WHERE branch != ''))
    GROUP BY project_id, mr_iid
) AS t ON t.project_id = f.project_id AND t.mr_iid = f.mr_iid
ARRAY JOIN t.times AS merged_at_bucket
COMMENT 'Copies what merge_request_cycle_facts_from_commits adds for a merged merge request into merge_request_cycle_facts_by_merge';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_by_merge_from_arrivals TO merge_request_cycle_facts_by_merge
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'A merge time of the merge request',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'Inserted arrivals of its merge commit'
)
AS SELECT merged_at_bucket, f.project_id AS project_id, f.mr_iid AS mr_iid, f.merge_commit_arrivals AS merge_commit_arrivals
FROM
(
SELECT r.mr_project_id AS project_id, r.mr_iid AS mr_iid,
    minMapState([concat(a.sha, ' ', a.branch)], [toUnixTimestamp64Milli(a.arrived_at)]) AS merge_commit_arrivals
FROM branch_arrivals AS a
INNER JOIN
(
    SELECT project_id, value, mr_project_id, mr_iid, target_branch FROM merge_request_refs
    WHERE kind = 'merge_commit' AND (project_id, value) IN (SELECT project_id, sha FROM branch_arrivals)
) AS r ON r.project_id = a.project_id AND r.value = a.sha AND r.target_branch = a.branch
GROUP BY r.mr_project_id, r.mr_iid
) AS f
INNER JOIN
(
    SELECT project_id, mr_iid, groupArray(at) AS times FROM merge_request_merge_times
    WHERE (project_id, mr_iid) IN (SELECT mr_project_id, mr_iid FROM merge_request_refs WHERE kind = 'merge_commit' AND (project_id, value) IN (SELECT project_id, sha FROM branch_arrivals))
    GROUP BY project_id, mr_iid
) AS t ON t.project_id = f.project_id AND t.mr_iid = f.mr_iid
ARRAY JOIN t.times AS merged_at_bucket
COMMENT 'Copies what merge_request_cycle_facts_from_arrivals adds for a merged merge request into merge_request_cycle_facts_by_merge';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_by_merge_from_events TO merge_request_cycle_facts_by_merge
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'A merge time of the merge request',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    opened_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First open event in the block',
    opener AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'Its username',
    merged_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First merge event in the block',
    reviews AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'First review per actor',
    approvals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'First approval per actor',
    updates AggregateFunction(groupUniqArray, Tuple(String, DateTime64(3, 'UTC'))) COMMENT 'Update events'
)
AS SELECT merged_at_bucket, f.project_id AS project_id, f.mr_iid AS mr_iid, f.opened_at AS opened_at, f.opener AS opener, f.merged_at AS merged_at, f.reviews AS reviews, f.approvals AS approvals, f.updates AS updates
FROM
(
SELECT project_id, mr_iid,
    minIf(toNullable(at), action = 'open') AS opened_at,
    argMinStateIf(actor_username, at, action = 'open') AS opener,
    minIf(toNullable(at), action = 'merge') AS merged_at,
    minMapStateIf([concat(ifNull(toString(actor_id), ''), ':', actor_username)], [toUnixTimestamp64Milli(at)],
        action IN ('comment', 'approved', 'approval')) AS reviews,
    minMapStateIf([concat(ifNull(toString(actor_id), ''), ':', actor_username)], [toUnixTimestamp64Milli(at)],
        action IN ('approved', 'approval')) AS approvals,
    groupUniqArrayStateIf((event_id, at), action = 'update') AS updates
FROM merge_request_events
GROUP BY project_id, mr_iid
) AS f
LEFT JOIN
(
    SELECT project_id, mr_iid, groupArray(at) AS times FROM merge_request_merge_times
    WHERE (project_id, mr_iid) IN (SELECT project_id, mr_iid FROM merge_request_events)
    GROUP BY project_id, mr_iid
) AS t ON t.project_id = f.project_id AND t.mr_iid = f.mr_iid
LEFT JOIN
(
    SELECT project_id, mr_iid, groupArray(at) AS times FROM merge_request_events WHERE action = 'merge'
    GROUP BY project_id, mr_iid
) AS b ON b.project_id = f.project_id AND b.mr_iid = f.mr_iid
ARRAY JOIN arrayDistinct(arrayConcat(t.times, b.times)) AS merged_at_bucket
COMMENT 'Copies what merge_request_cycle_facts_from_events adds for a merged merge request into merge_request_cycle_facts_by_merge';

-- A merge event: a copy of everything merge_request_cycle_facts holds on its merge request. (The
-- first table of a materialized view's query is the one whose inserts it sees: the events here.)
CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_cycle_facts_by_merge_at_merge TO merge_request_cycle_facts_by_merge
(
    merged_at_bucket DateTime64(3, 'UTC') COMMENT 'Time of the inserted merge event',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    mr_version SimpleAggregateFunction(max, UInt64) COMMENT 'Greatest merge_requests version seen, 0 while only events came',
    mr AggregateFunction(argMax, Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, 'UTC')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String), UInt64) COMMENT 'The merge_requests columns of the latest version (the row FINAL keeps)',
    title AggregateFunction(argMax, String, UInt64) COMMENT 'Title of the latest version',
    opened_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First open event',
    opener AggregateFunction(argMin, String, DateTime64(3, 'UTC')) COMMENT 'Username of the first open event',
    merged_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'First merge event',
    reviews AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'id:username -> first comment, approved or approval (ms)',
    approvals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT 'id:username -> first approved or approval (ms)',
    updates AggregateFunction(groupUniqArray, Tuple(String, DateTime64(3, 'UTC'))) COMMENT 'Every update event: (event id, time)',
    first_commit_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))) COMMENT 'Earliest commit time (else push time) of the commits pushed to the source branch by created_at',
    merge_commit_arrivals AggregateFunction(minMap, Array(String), Array(Int64)) COMMENT '"sha branch" -> first arrival (ms) of a merge commit this merge request named on its target branch'
)
AS SELECT m.at AS merged_at_bucket, f.project_id AS project_id, f.mr_iid AS mr_iid, f.mr_version AS mr_version, f.mr AS mr, f.title AS title, f.opened_at AS opened_at, f.opener AS opener, f.merged_at AS merged_at, f.reviews AS reviews, f.approvals AS approvals, f.updates AS updates, f.first_commit_at AS first_commit_at, f.merge_commit_arrivals AS merge_commit_arrivals
FROM
(
    SELECT DISTINCT project_id, mr_iid, at FROM merge_request_events WHERE action = 'merge'
) AS m
INNER JOIN
(
    SELECT project_id, mr_iid, mr_version, mr, title, opened_at, opener, merged_at, reviews, approvals, updates, first_commit_at, merge_commit_arrivals
    FROM merge_request_cycle_facts
    WHERE (project_id, mr_iid) IN (SELECT project_id, mr_iid FROM merge_request_events WHERE action = 'merge')
) AS f ON f.project_id = m.project_id AND f.mr_iid = m.mr_iid
COMMENT 'Copies merge_request_cycle_facts of a merge request into merge_request_cycle_facts_by_merge at each inserted merge event';

-- The rows already there, in the order the views above would have met them. The views were
-- created first, so a row inserted meanwhile is added twice, which changes no aggregate.
INSERT INTO branch_commit_pushes
SELECT project_id, branch, pushed_at, committed_at, sha
FROM commits
WHERE branch != '';

INSERT INTO merge_request_refs
SELECT ref.1, ref.2, ref.3, mr_project_id, mr_iid, ref.4, created_at
FROM
(
    SELECT project_id AS mr_project_id, mr_iid, created_at,
        arrayConcat(
            if(created_at IS NULL,
                [('no_created_at', coalesce(source_project_id, project_id), source_branch, '')],
                [('source_branch', coalesce(source_project_id, project_id), source_branch, '')]),
            if(merge_commit_sha = '', [], [('merge_commit', project_id, merge_commit_sha, target_branch)])) AS refs
    FROM merge_requests
)
ARRAY JOIN refs AS ref;

INSERT INTO merge_request_cycle_facts (project_id, mr_iid, mr_version, mr, title)
SELECT project_id, mr_iid, max(version),
    argMaxState(CAST((project_path, toString(state), author_id, created_at,
        coalesce(source_project_id, project_id), source_branch, target_branch, merge_commit_sha),
        'Tuple(project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \'UTC\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)'),
        version),
    argMaxState(title, version)
FROM merge_requests
GROUP BY project_id, mr_iid;

INSERT INTO merge_request_cycle_facts (project_id, mr_iid, opened_at, opener, merged_at, reviews, approvals, updates)
SELECT project_id, mr_iid,
    minIf(toNullable(at), action = 'open'),
    argMinStateIf(actor_username, at, action = 'open'),
    minIf(toNullable(at), action = 'merge'),
    minMapStateIf([concat(ifNull(toString(actor_id), ''), ':', actor_username)], [toUnixTimestamp64Milli(at)],
        action IN ('comment', 'approved', 'approval')),
    minMapStateIf([concat(ifNull(toString(actor_id), ''), ':', actor_username)], [toUnixTimestamp64Milli(at)],
        action IN ('approved', 'approval')),
    groupUniqArrayStateIf((event_id, at), action = 'update')
FROM merge_request_events
GROUP BY project_id, mr_iid;

INSERT INTO merge_request_cycle_facts (project_id, mr_iid, first_commit_at)
SELECT r.mr_project_id, r.mr_iid, min(coalesce(c.committed_at, c.pushed_at))
FROM branch_commit_pushes AS c
INNER JOIN
(
    SELECT project_id, value, mr_project_id, mr_iid, assumeNotNull(created_at) AS created_at
    FROM merge_request_refs WHERE kind = 'source_branch'
) AS r ON r.project_id = c.project_id AND r.value = c.branch
WHERE c.pushed_at <= r.created_at
GROUP BY r.mr_project_id, r.mr_iid;

INSERT INTO merge_request_cycle_facts (project_id, mr_iid, merge_commit_arrivals)
SELECT r.mr_project_id, r.mr_iid,
    minMapState([concat(a.sha, ' ', a.branch)], [toUnixTimestamp64Milli(a.arrived_at)])
FROM merge_request_refs AS r
INNER JOIN
(
    SELECT project_id, sha, branch, min(arrived_at) AS arrived_at FROM branch_arrivals
    WHERE (project_id, sha) IN (SELECT project_id, value FROM merge_request_refs WHERE kind = 'merge_commit')
    GROUP BY project_id, sha, branch
) AS a ON a.project_id = r.project_id AND a.sha = r.value AND a.branch = r.target_branch
WHERE r.kind = 'merge_commit'
GROUP BY r.mr_project_id, r.mr_iid;

INSERT INTO merge_request_merge_times
SELECT project_id, mr_iid, at FROM merge_request_events WHERE action = 'merge';

-- One row per merge request, as the background merges would leave it, then copied to each merge.
OPTIMIZE TABLE merge_request_cycle_facts FINAL;

INSERT INTO merge_request_cycle_facts_by_merge
SELECT m.at, f.project_id, f.mr_iid, f.mr_version, f.mr, f.title, f.opened_at, f.opener, f.merged_at, f.reviews, f.approvals, f.updates, f.first_commit_at, f.merge_commit_arrivals
FROM merge_request_cycle_facts AS f
INNER JOIN merge_request_merge_times AS m ON m.project_id = f.project_id AND m.mr_iid = f.mr_iid;

-- The merge request cycle (0007) of the merge requests merged in [from_time, to_time), or of all
-- of them with all_merge_requests = true (the merge_request_cycle view). Same phases as 0007, read
-- from merge_request_cycle_facts_by_merge (the merge events in the range, by key; a merge request
-- counts when its first merge is in the range) or, for all, merge_request_cycle_facts. Reviewers
-- are the actors of their review and approval maps that are neither bots (settings, on read) nor
-- the author (by id, or by the username of the open event); rounds are the update events after
-- the first review. Deploy is merge_to_deploy (0007) for those merge requests: the first
-- production deployment of the target branch at or after the merge whose commit reached the
-- branch no earlier than the merge commit (or the merge, when its arrival is unknown);
-- production deployments from from_time on.
CREATE VIEW IF NOT EXISTS merge_request_cycle_between
AS WITH
    (
        SELECT (groupArrayIf(value, name = 'bot_username'), groupArrayIf(value, name = 'bot_username_suffix'))
        FROM metric_settings_current
    ) AS bots,
    -- one regular expression for "ends with one of the bot suffixes", matched once per actor
    arrayStringConcat(arrayMap(x -> concat('\\Q', x, '\\E$'), bots.2), '|') AS bot_suffixes,
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
            UNION ALL
            SELECT * FROM merge_request_cycle_facts WHERE {all_merge_requests:Bool}
        )
        GROUP BY project_id, mr_iid
        HAVING version > 0
            AND ({all_merge_requests:Bool}
                OR (merged_at >= {from_time:DateTime64(3, 'UTC')} AND merged_at < {to_time:DateTime64(3, 'UTC')}))
    ),
    cycles AS
    (
        SELECT project_id, mr_iid, mr.project_path AS project_path, title, mr.state AS state,
            opener AS author_username,
            coalesce(mr.created_at, if(opener = '', NULL, opened_event_at)) AS opened_at,
            mr.target_branch AS target_branch, merged_at,
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
            if(empty(reviewer_times), NULL, fromUnixTimestamp64Milli(arrayMin(reviewer_times), 'UTC')) AS first_review_at,
            if(empty(approver_times), NULL, fromUnixTimestamp64Milli(arrayMin(approver_times), 'UTC')) AS approved_at,
            if(first_review_at IS NULL, 0, arrayCount(u -> u.2 > first_review_at, updates)) AS review_rounds,
            indexOf(merge_commit_arrivals.1, concat(mr.merge_commit_sha, ' ', mr.target_branch)) AS arrival_index,
            if(merged_at IS NULL, NULL,
                least(assumeNotNull(merged_at), if(arrival_index = 0, assumeNotNull(merged_at),
                    fromUnixTimestamp64Milli(merge_commit_arrivals.2[arrival_index], 'UTC')))) AS on_branch_at
        FROM facts
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
    deploys AS
    (
        SELECT project_id, deployed_at, branch, toNullable(sha_arrived_at) AS sha_arrived_at
        FROM production_deployment_branches
        WHERE deployed_at >= {from_time:DateTime64(3, 'UTC')}
        UNION ALL
        SELECT project_id, deployed_at, ref AS branch, NULL AS sha_arrived_at
        FROM production_deployments
        WHERE deployed_at >= {from_time:DateTime64(3, 'UTC')}
            AND (project_id, sha) NOT IN (SELECT project_id, sha FROM deployed_commit_arrivals)
    ),
    -- each target branch's candidate deployments, in time order: the first that carries a merge is
    -- found in that short array instead of joining every merge request with every deployment
    deploys_by_branch AS
    (
        SELECT project_id, branch, arraySort(groupArray((deployed_at, sha_arrived_at))) AS deployments
        FROM deploys
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
COMMENT 'Merge request cycle (docs/metrics.md) of the merge requests merged in [from_time, to_time), or of all with all_merge_requests = true';

CREATE OR REPLACE VIEW merge_request_cycle
AS SELECT *
FROM merge_request_cycle_between(from_time = '1970-01-01 00:00:00.000', to_time = '2299-12-31 00:00:00.000', all_merge_requests = true)
COMMENT 'Merge request cycle (docs/metrics.md), one row per merge request: merge_request_cycle_between over all merge requests';
