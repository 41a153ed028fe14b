-- Time-ordered copies of the large projected tables, for the dashboards (docs/benchmarks.md,
-- "Dashboard panels"). The tables of 0002-0005 are ordered by identity ((project_id, sha),
-- (project_id, job_id), ...) and not partitioned, so a panel over the last 30 days read all of a
-- table with FINAL. Each copy here holds the same rows with the columns the panels read, fed by a
-- materialized view on every insert and backfilled below, and is
--   PARTITION BY toYYYYMM(t)  ORDER BY (toYYYYMM(t), project_id, toDate(t), <identity>)
-- where t is the time the panels filter on. The partition expression leads the sorting key, so
-- `FINAL` keeps partition pruning and merges within a month only (ClickHouse defers pruning for
-- FINAL when the partition key is not part of the sorting key); project_id next, so the project
-- filter prunes by key; the identity last, so FINAL keeps one row per object and day as the
-- original keeps one per object, with the same version deciding which. A month that receives no
-- insert for 10 minutes is merged into one part (min_age_to_force_merge_seconds), so FINAL over
-- past months reads them as they are and only the month being written has parts to merge.
--
-- The one assumption: t of an object is the same in every delivery (a commit's timestamp, a
-- pipeline's or job's created_at), which one GitLab instance's payloads give. Were two deliveries
-- of one key to disagree on t (two instances sending the same project and object ids), the copy
-- would keep a row under each t where the original keeps one. Merge requests are not copied: the
-- seed payloads hold exactly such a pair (project 14, !1 from GitLab and from AtomGit); their
-- copy below keeps the original's key. Rows whose t is NULL never match a time range and are
-- left out.

CREATE TABLE IF NOT EXISTS commits_by_time
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path LowCardinality(String) COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit id (full SHA)',
    author_name LowCardinality(String) COMMENT 'Commit author name as the push names it',
    author_email LowCardinality(String) COMMENT 'Commit author email as the push names it',
    at DateTime64(3, 'UTC') COMMENT 'The commit time the commit panels use: committed_at, else pushed_at',
    version UInt64 COMMENT 'As in commits: 10^13 - received_at in ms, the earliest push wins'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(at)
ORDER BY (toYYYYMM(at), project_id, toDate(at), sha)
SETTINGS min_age_to_force_merge_seconds = 600, min_age_to_force_merge_on_partition_only = 1
COMMENT 'The rows of commits ordered by commit time, for the dashboards (read with FINAL)';

CREATE MATERIALIZED VIEW IF NOT EXISTS commits_by_time_mv TO commits_by_time
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit id',
    author_name String COMMENT 'Commit author name',
    author_email String COMMENT 'Commit author email',
    at DateTime64(3, 'UTC') COMMENT 'committed_at, else pushed_at',
    version UInt64 COMMENT 'Version of the commits row'
)
AS SELECT project_id, project_path, sha, author_name, author_email,
    coalesce(committed_at, pushed_at) AS at, version
FROM commits
COMMENT 'Copies every row inserted into commits to commits_by_time';

CREATE TABLE IF NOT EXISTS pipelines_by_time
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path LowCardinality(String) COMMENT 'Project path with namespace',
    pipeline_id Int64 COMMENT 'Pipeline id',
    ref String COMMENT 'Branch or tag the pipeline ran for',
    status LowCardinality(String) COMMENT 'Status of this state of the pipeline',
    created_at DateTime64(3, 'UTC') COMMENT 'When the pipeline was created',
    started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Earliest started_at of its jobs, null when none is known to have started',
    duration_s Nullable(Float64) COMMENT 'Running time in seconds as GitLab reports it, null when unknown',
    queued_s Nullable(Float64) COMMENT 'Queued time in seconds as GitLab reports it, null when unknown',
    version UInt64 COMMENT 'As in pipelines: status rank * 10^13 + latest time in ms'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (toYYYYMM(created_at), project_id, toDate(created_at), pipeline_id)
SETTINGS min_age_to_force_merge_seconds = 600, min_age_to_force_merge_on_partition_only = 1
COMMENT 'The rows of pipelines ordered by creation time, for the dashboards (read with FINAL)';

CREATE MATERIALIZED VIEW IF NOT EXISTS pipelines_by_time_mv TO pipelines_by_time
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    pipeline_id Int64 COMMENT 'Pipeline id',
    ref String COMMENT 'Branch or tag',
    status String COMMENT 'Status',
    created_at DateTime64(3, 'UTC') COMMENT 'When the pipeline was created',
    started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When its first job started',
    duration_s Nullable(Float64) COMMENT 'Running time in seconds',
    queued_s Nullable(Float64) COMMENT 'Queued time in seconds',
    version UInt64 COMMENT 'Version of the pipelines row'
)
AS SELECT project_id, project_path, pipeline_id, ref, status, assumeNotNull(created_at) AS created_at,
    started_at, duration_s, queued_s, version
FROM pipelines
WHERE created_at IS NOT NULL
COMMENT 'Copies every row inserted into pipelines (with a creation time) to pipelines_by_time';

CREATE TABLE IF NOT EXISTS jobs_by_time
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path LowCardinality(String) COMMENT 'Project path with namespace',
    job_id Int64 COMMENT 'Job (build) id',
    name LowCardinality(String) COMMENT 'Job name',
    stage LowCardinality(String) COMMENT 'Stage name',
    status LowCardinality(String) COMMENT 'Status of this state of the job',
    ref String COMMENT 'Branch or tag',
    sha String COMMENT 'Commit the job ran for',
    runner_id Nullable(Int64) COMMENT 'Runner that ran the job',
    runner_description LowCardinality(String) COMMENT 'Description of that runner',
    created_at DateTime64(3, 'UTC') COMMENT 'When the job was created',
    started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job started',
    finished_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job finished',
    duration_s Nullable(Float64) COMMENT 'Seconds: the payload duration, else finished_at - started_at, else null',
    version UInt64 COMMENT 'As in jobs: status rank * 10^13 + latest time in ms',
    ran_at DateTime64(3, 'UTC') MATERIALIZED coalesce(finished_at, started_at, created_at) COMMENT 'When the run ended: finished_at, else started_at, else created_at',
    INDEX started_at_minmax started_at TYPE minmax GRANULARITY 1,
    INDEX ran_at_minmax ran_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (toYYYYMM(created_at), project_id, toDate(created_at), job_id)
SETTINGS min_age_to_force_merge_seconds = 600, min_age_to_force_merge_on_partition_only = 1
COMMENT 'The rows of jobs ordered by creation time, for the dashboards (read with FINAL)';

CREATE MATERIALIZED VIEW IF NOT EXISTS jobs_by_time_mv TO jobs_by_time
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    job_id Int64 COMMENT 'Job id',
    name String COMMENT 'Job name',
    stage String COMMENT 'Stage name',
    status String COMMENT 'Status',
    ref String COMMENT 'Branch or tag',
    sha String COMMENT 'Commit',
    runner_id Nullable(Int64) COMMENT 'Runner id',
    runner_description String COMMENT 'Runner description',
    created_at DateTime64(3, 'UTC') COMMENT 'When the job was created',
    started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job started',
    finished_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job finished',
    duration_s Nullable(Float64) COMMENT 'Running time in seconds',
    version UInt64 COMMENT 'Version of the jobs row'
)
AS SELECT project_id, project_path, job_id, name, stage, status, ref, sha, runner_id,
    runner_description, assumeNotNull(created_at) AS created_at, started_at, finished_at, duration_s,
    version
FROM jobs
WHERE created_at IS NOT NULL
COMMENT 'Copies every row inserted into jobs (with a creation time) to jobs_by_time';

-- merge_requests keeps strings (title, url, labels, branches) that the merge request panels do
-- not read but FINAL merges past; this copy has the same key and version and only what they read,
-- so it keeps, with FINAL, the same row per merge request. is_revert is the change failure signal
-- of 0007 (a title starting with Revert ").
CREATE TABLE IF NOT EXISTS merge_request_states
(
    project_id Int64 COMMENT 'GitLab project id (the target project), 0 when the payload names none',
    mr_iid Int64 COMMENT 'Merge request iid within the project',
    project_path LowCardinality(String) COMMENT 'Project path with namespace',
    state LowCardinality(String) COMMENT 'opened, closed, merged or locked',
    author_id Nullable(Int64) COMMENT 'User id of the author',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the merge request was opened',
    merged_at Nullable(DateTime64(3, 'UTC')) COMMENT 'merged_at as in merge_requests',
    is_revert Bool COMMENT 'The title starts with Revert " (a revert merge request)',
    version UInt64 COMMENT 'As in merge_requests: updated_at in ms * 10 + state rank'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, mr_iid)
COMMENT 'The merge_requests columns the dashboards read, latest state per project and iid (read with FINAL)';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_states_mv TO merge_request_states
(
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    project_path String COMMENT 'Project path with namespace',
    state String COMMENT 'State',
    author_id Nullable(Int64) COMMENT 'Author user id',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When it was opened',
    merged_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When it was merged',
    is_revert Bool COMMENT 'A revert merge request',
    version UInt64 COMMENT 'Version of the merge_requests row'
)
AS SELECT project_id, mr_iid, project_path, state, author_id, created_at, merged_at,
    startsWith(title, 'Revert "') AS is_revert, version
FROM merge_requests
COMMENT 'Copies every row inserted into merge_requests to merge_request_states';

-- merge_request_events has no version: a redelivered row is the same row, so min/max over it need
-- no FINAL.
CREATE TABLE IF NOT EXISTS merge_request_events_by_time
(
    event_id String COMMENT 'Event id of the delivery',
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    mr_iid Int64 COMMENT 'Merge request iid within the project',
    action LowCardinality(String) COMMENT 'As in merge_request_events: open, update, approved, comment, merge, close, ...',
    actor_id Nullable(Int64) COMMENT 'User id of who did it',
    actor_username LowCardinality(String) COMMENT 'Username of who did it',
    at DateTime64(3, 'UTC') COMMENT 'When it happened'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (toYYYYMM(at), project_id, mr_iid, event_id, action)
SETTINGS min_age_to_force_merge_seconds = 600, min_age_to_force_merge_on_partition_only = 1
COMMENT 'The rows of merge_request_events ordered by time, for the dashboards';

CREATE MATERIALIZED VIEW IF NOT EXISTS merge_request_events_by_time_mv TO merge_request_events_by_time
(
    event_id String COMMENT 'Event id',
    project_id Int64 COMMENT 'GitLab project id',
    mr_iid Int64 COMMENT 'Merge request iid',
    action String COMMENT 'Action',
    actor_id Nullable(Int64) COMMENT 'Actor user id',
    actor_username String COMMENT 'Actor username',
    at DateTime64(3, 'UTC') COMMENT 'When it happened'
)
AS SELECT event_id, project_id, mr_iid, action, actor_id, actor_username, at
FROM merge_request_events
COMMENT 'Copies every row inserted into merge_request_events to merge_request_events_by_time';

-- The rows already there; the views above were created first, so a row inserted meanwhile is
-- copied twice and folds.
INSERT INTO commits_by_time
SELECT project_id, project_path, sha, author_name, author_email, coalesce(committed_at, pushed_at), version
FROM commits;

INSERT INTO pipelines_by_time
SELECT project_id, project_path, pipeline_id, ref, status, assumeNotNull(created_at), started_at,
    duration_s, queued_s, version
FROM pipelines
WHERE created_at IS NOT NULL;

INSERT INTO jobs_by_time
SELECT project_id, project_path, job_id, name, stage, status, ref, sha, runner_id, runner_description,
    assumeNotNull(created_at), started_at, finished_at, duration_s, version
FROM jobs
WHERE created_at IS NOT NULL;

INSERT INTO merge_request_states
SELECT project_id, mr_iid, project_path, state, author_id, created_at, merged_at,
    startsWith(title, 'Revert "'), version
FROM merge_requests;

INSERT INTO merge_request_events_by_time
SELECT event_id, project_id, mr_iid, action, actor_id, actor_username, at
FROM merge_request_events;
