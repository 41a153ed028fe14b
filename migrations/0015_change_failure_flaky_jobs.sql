-- Change failure, time to restore and flaky jobs, same definitions (docs/metrics.md), cheaper to
-- read (docs/benchmarks.md, "Change failure, restore and flaky jobs at insert time").

-- Flaky jobs. flaky_jobs_between (0013) found the candidate commits in 30 days of jobs_by_time
-- FINAL and then read every run of some 4,600 (project, sha) pairs among the 10M runs of
-- job_runs_by_sha, and computed the definition for each on every read. Two tables kept at insert
-- time take both steps out of the read:
--
-- flaky_job_runs: every finished run (failed or success, as in job_runs_by_sha) of a job (project,
-- commit, job name) that has a failed run; about 4% of the runs. It is kept from both sides,
-- whichever of the failure and the other runs comes first:
-- - flaky_job_runs_from_jobs adds an inserted run when its job has a failed run in the same insert
--   or already in flaky_job_runs;
-- - flaky_job_runs_from_earlier_runs adds, for each inserted failed run, the runs of its job that
--   came before (job_runs_by_sha).
CREATE TABLE IF NOT EXISTS flaky_job_runs
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path LowCardinality(String) COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit the job ran for',
    name LowCardinality(String) COMMENT 'Job name',
    job_id Int64 COMMENT 'Job (build) id',
    ref String COMMENT 'Branch or tag',
    status LowCardinality(String) COMMENT 'failed or success',
    ran_at DateTime64(3, 'UTC') COMMENT 'When the run ended: finished_at, else started_at, else created_at',
    version UInt64 COMMENT 'As in jobs: status rank * 10^13 + latest time in ms'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, sha, name, job_id)
SETTINGS index_granularity = 256
COMMENT 'Finished runs of every (project, commit, job name) that has a failed run (read with FINAL)';

CREATE MATERIALIZED VIEW IF NOT EXISTS flaky_job_runs_from_jobs TO flaky_job_runs
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit',
    name String COMMENT 'Job name',
    job_id Int64 COMMENT 'Job id',
    ref String COMMENT 'Branch or tag',
    status String COMMENT 'failed or success',
    ran_at DateTime64(3, 'UTC') COMMENT 'finished_at, else started_at, else created_at',
    version UInt64 COMMENT 'Version of the jobs row'
)
AS SELECT project_id, project_path, sha, name, job_id, ref, status,
    assumeNotNull(coalesce(finished_at, started_at, created_at)) AS ran_at, version
FROM jobs
WHERE status IN ('failed', 'success') AND sha != ''
    AND coalesce(finished_at, started_at, created_at) IS NOT NULL
    AND ((project_id, sha, name) IN
            (SELECT project_id, sha, name FROM jobs WHERE status = 'failed' AND sha != ''
                AND coalesce(finished_at, started_at, created_at) IS NOT NULL)
        OR (project_id, sha, name) IN
            (SELECT project_id, sha, toString(name) FROM flaky_job_runs
                WHERE sha IN (SELECT sha FROM jobs WHERE status IN ('failed', 'success') AND sha != '')))
COMMENT 'Adds each inserted failed or successful run whose job has a failed run (in the insert or in flaky_job_runs) to flaky_job_runs';

CREATE MATERIALIZED VIEW IF NOT EXISTS flaky_job_runs_from_earlier_runs TO flaky_job_runs
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    sha String COMMENT 'Commit',
    name String COMMENT 'Job name',
    job_id Int64 COMMENT 'Job id',
    ref String COMMENT 'Branch or tag',
    status String COMMENT 'failed or success',
    ran_at DateTime64(3, 'UTC') COMMENT 'When the run ended',
    version UInt64 COMMENT 'Version of the jobs row'
)
AS SELECT r.project_id AS project_id, r.project_path AS project_path, r.sha AS sha, r.name AS name,
    r.job_id AS job_id, r.ref AS ref, r.status AS status, r.ran_at AS ran_at, r.version AS version
FROM
(
    SELECT DISTINCT project_id, sha, name FROM jobs
    WHERE status = 'failed' AND sha != '' AND coalesce(finished_at, started_at, created_at) IS NOT NULL
) AS f
INNER JOIN
(
    SELECT project_id, toString(project_path) AS project_path, sha, toString(name) AS name, job_id, ref,
        toString(status) AS status, ran_at, version
    FROM job_runs_by_sha
    WHERE sha IN (SELECT sha FROM jobs WHERE status = 'failed' AND sha != '')
) AS r ON r.project_id = f.project_id AND r.sha = f.sha AND r.name = f.name
COMMENT 'Adds the runs already in job_runs_by_sha of the job of each inserted failed run to flaky_job_runs';

-- The runs already there (the views above were created first: a run inserted meanwhile is added
-- twice and counts once).
INSERT INTO flaky_job_runs
SELECT project_id, project_path, sha, name, job_id, ref, status, ran_at, version
FROM job_runs_by_sha
WHERE (project_id, sha, name) IN (SELECT project_id, sha, name FROM job_runs_by_sha WHERE status = 'failed');

-- flaky_job_groups: the definition of 0007 computed per job (project, commit, job name) as its
-- runs come in, for the jobs that are flaky (and any that was and no longer is, which keeps a row
-- with flaky = false). Every insert into flaky_job_runs recomputes the jobs it touches from all
-- their runs (job_runs_by_sha, with the inserted ones), each run at its latest version (argMax, as
-- FINAL keeps it). The version is the sum of the versions of the runs seen: a computation that saw
-- more runs, or newer versions of them, has a greater one, so FINAL keeps the most complete. A job
-- with a failure stays flaky once a success follows it: runs are only added.
CREATE TABLE IF NOT EXISTS flaky_job_groups
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit the runs were for',
    name LowCardinality(String) COMMENT 'Job name',
    project_path LowCardinality(String) COMMENT 'Project path with namespace',
    ref String COMMENT 'Branch or tag of the runs',
    failed_runs UInt64 COMMENT 'Failed runs on that commit',
    successful_runs UInt64 COMMENT 'Successful runs on that commit',
    first_failed_at DateTime64(3, 'UTC') COMMENT 'First failure',
    passed_at DateTime64(3, 'UTC') COMMENT 'First success after that failure',
    flaky Bool COMMENT 'Failed and then passed on that commit (the flaky_jobs definition)',
    version UInt64 COMMENT 'Sum of the versions of the runs it was computed from: the most complete wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, sha, name)
COMMENT 'Flaky jobs per project, commit and job name with their counts and times, kept at insert time (read with FINAL WHERE flaky)';

-- Created after flaky_job_runs is filled and before flaky_job_groups is: what is inserted from now
-- on goes through the view, what was there is in the backfill below. (A materialized view reads
-- the insert of the first table of its FROM, here flaky_job_runs; every other mention of that
-- table is the insert too, and any other table is the whole table.)
CREATE MATERIALIZED VIEW IF NOT EXISTS flaky_job_groups_mv TO flaky_job_groups
(
    project_id Int64 COMMENT 'GitLab project id',
    sha String COMMENT 'Commit',
    name String COMMENT 'Job name',
    project_path String COMMENT 'Project path with namespace',
    ref String COMMENT 'Branch or tag of the runs',
    failed_runs UInt64 COMMENT 'Failed runs',
    successful_runs UInt64 COMMENT 'Successful runs',
    first_failed_at DateTime64(3, 'UTC') COMMENT 'First failure',
    passed_at DateTime64(3, 'UTC') COMMENT 'First success after the first failure',
    flaky Bool COMMENT 'Failed and then passed',
    version UInt64 COMMENT 'Sum of the versions of its runs'
)
AS SELECT j.project_id AS project_id, j.sha AS sha, j.name AS name, j.project_path AS project_path, j.ref AS ref,
    j.failed_runs AS failed_runs, j.successful_runs AS successful_runs, j.first_failed_at AS first_failed_at,
    j.passed_at AS passed_at, j.flaky AS flaky, j.version AS version
FROM (SELECT DISTINCT project_id, sha, toString(name) AS name FROM flaky_job_runs) AS touched
INNER JOIN
(
    SELECT project_id, sha, name, any(project_path) AS project_path, any(ref) AS ref,
        countIf(status = 'failed') AS failed_runs, countIf(status = 'success') AS successful_runs,
        minIf(ran_at, status = 'failed') AS first_failed_at,
        arrayMin(arrayFilter((t, s) -> s = 'success' AND t > first_failed_at, groupArray(ran_at), groupArray(status))) AS passed_at,
        toBool(failed_runs > 0 AND maxIf(ran_at, status = 'success') > first_failed_at) AS flaky,
        sum(job_version) AS version
    FROM
    (
        SELECT project_id, sha, name, job_id, argMax(project_path, version) AS project_path,
            argMax(ref, version) AS ref, argMax(status, version) AS status, argMax(ran_at, version) AS ran_at,
            max(version) AS job_version
        FROM
        (
            SELECT project_id, toString(project_path) AS project_path, sha, toString(name) AS name, job_id, ref,
                toString(status) AS status, ran_at, version
            FROM job_runs_by_sha
            WHERE sha IN (SELECT sha FROM flaky_job_runs)
                AND (project_id, sha, name) IN (SELECT project_id, sha, name FROM flaky_job_runs)
            UNION ALL
            SELECT project_id, toString(project_path) AS project_path, sha, toString(name) AS name, job_id, ref,
                toString(status) AS status, ran_at, version
            FROM flaky_job_runs
        )
        GROUP BY project_id, sha, name, job_id
    )
    GROUP BY project_id, sha, name
) AS j ON j.project_id = touched.project_id AND j.sha = touched.sha AND j.name = touched.name
WHERE j.flaky OR (j.project_id, j.sha, j.name) IN
    (SELECT project_id, sha, toString(name) FROM flaky_job_groups WHERE sha IN (SELECT sha FROM flaky_job_runs))
COMMENT 'Recomputes the flaky job definition for the jobs an insert into flaky_job_runs touches, into flaky_job_groups';

INSERT INTO flaky_job_groups
SELECT * FROM
(
SELECT project_id, sha, name, any(project_path) AS project_path, any(ref) AS ref,
    countIf(status = 'failed') AS failed_runs, countIf(status = 'success') AS successful_runs,
    minIf(ran_at, status = 'failed') AS first_failed_at,
    arrayMin(arrayFilter((t, s) -> s = 'success' AND t > first_failed_at, groupArray(ran_at), groupArray(status))) AS passed_at,
    toBool(failed_runs > 0 AND maxIf(ran_at, status = 'success') > first_failed_at) AS flaky,
    sum(job_version) AS version
FROM
(
    SELECT project_id, sha, name, job_id, argMax(project_path, version) AS project_path,
        argMax(ref, version) AS ref, argMax(status, version) AS status, argMax(ran_at, version) AS ran_at,
        max(version) AS job_version
    FROM
    (
        SELECT project_id, toString(project_path) AS project_path, sha, toString(name) AS name, job_id, ref,
            toString(status) AS status, ran_at, version
        FROM flaky_job_runs
    )
    GROUP BY project_id, sha, name, job_id
)
GROUP BY project_id, sha, name
)
WHERE flaky;

-- As in 0013: the flaky jobs whose first failure lies in [from_time, to_time).
CREATE OR REPLACE VIEW flaky_jobs_between
AS SELECT project_id, toString(project_path) AS project_path, toString(name) AS name, sha, ref,
    failed_runs, successful_runs, first_failed_at, passed_at
FROM flaky_job_groups FINAL
WHERE flaky AND first_failed_at >= {from_time:DateTime64(3, 'UTC')} AND first_failed_at < {to_time:DateTime64(3, 'UTC')}
COMMENT 'Flaky jobs (docs/metrics.md) whose first failure lies in [from_time, to_time): flaky_jobs_between(from_time = ..., to_time = ...)';

CREATE OR REPLACE VIEW flaky_jobs
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    name String COMMENT 'Job name',
    sha String COMMENT 'Commit the runs were for',
    ref String COMMENT 'Branch or tag of the runs',
    failed_runs UInt64 COMMENT 'Failed runs on that commit',
    successful_runs UInt64 COMMENT 'Successful runs on that commit',
    first_failed_at DateTime64(3, 'UTC') COMMENT 'First failure',
    passed_at DateTime64(3, 'UTC') COMMENT 'First success after that failure'
)
AS SELECT *
FROM flaky_jobs_between(from_time = toDateTime64('1900-01-01 00:00:00', 3, 'UTC'),
    to_time = toDateTime64('2299-12-31 23:59:59', 3, 'UTC'))
COMMENT 'Flaky jobs: the same job name failing and then passing on the same commit, one row per project, job name and commit';

-- Production deployments and change failure: the same tables as 0011, computed more cheaply.
-- In the embedded engine, argMin over a tuple of seven columns cost about 1.5 times the CPU of
-- sorting for LIMIT 1 BY at 100k deployments, and change_failure_between computed the production
-- deployments three times per query (twice for a bound on the signals it reads). Each is taken
-- out below; the rows are the same.

-- As in 0011, with the first success per project, environment and pipeline taken by LIMIT 1 BY over
-- the attempts in (deployed_at, deployment_key) order, 0007's form. A deployment with no known
-- pipeline is a group of its own (pipeline_id NULL and its key).
CREATE OR REPLACE VIEW production_deployments
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    environment String COMMENT 'Environment name',
    sha String COMMENT 'Commit deployed',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of the deployment, null for one with no known pipeline',
    deployed_at DateTime64(3, 'UTC') COMMENT 'When it was deployed',
    source LowCardinality(String) COMMENT 'Where it came from: deployment_hook or job',
    ref String COMMENT 'Branch or tag deployed',
    deployment_key String COMMENT 'Key of the deployment row in deployments'
)
AS SELECT project_id, project_path, environment, sha, pipeline_id, deployed_at, source, ref, deployment_key
FROM production_deployment_attempts
WHERE status = 'success'
ORDER BY project_id, environment, deployed_at, deployment_key
LIMIT 1 BY project_id, environment, pipeline_id, if(pipeline_id IS NULL, deployment_key, '')
COMMENT 'Deployments (docs/metrics.md): successful production deployments, one per environment per pipeline';

-- Change failure, as in 0011, without the bound on the signals (the last deployment at or before
-- from_time, over every project and environment): it cost a computation of the production
-- deployments, while the signals it spared reading are a few thousand rows. The ASOF joins find
-- the same first signal with or without it.
CREATE OR REPLACE VIEW change_failure_between
AS WITH
    ordered AS
    (
        -- not the first production deployment of its sha to this environment: redeploying it is a
        -- rollback when it follows a deployment of another sha
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at,
            row_number() OVER (PARTITION BY project_id, environment, sha ORDER BY deployed_at, deployment_key) > 1 AS redeploy
        FROM production_deployments
    ),
    deploys AS
    (
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at,
            leadInFrame(toNullable(deployed_at)) OVER w AS next_deployed_at,
            leadInFrame(redeploy) OVER w AND leadInFrame(sha) OVER w != sha AS next_is_rollback
        FROM ordered
        WINDOW w AS (PARTITION BY project_id, environment ORDER BY deployed_at, deployment_key
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    windowed AS
    (
        SELECT * FROM deploys
        WHERE deployed_at < {to_time:DateTime64(3, 'UTC')}
            AND (next_deployed_at IS NULL OR next_deployed_at > {from_time:DateTime64(3, 'UTC')})
    ),
    failed_attempts AS
    (
        -- production_deployment_attempts' failed rows, without its join for the pipeline
        SELECT project_id, environment, assumeNotNull(deployed_at) AS at, 1 AS found
        FROM deployments FINAL
        WHERE status = 'failed' AND deployed_at IS NOT NULL
            AND (environment_tier IN (SELECT value FROM metric_settings_current WHERE name = 'production_tier')
                OR environment IN (SELECT value FROM metric_settings_current WHERE name = 'production_environment'))
            AND (source = 'deployment_hook'
                OR project_id NOT IN (SELECT project_id FROM deployments WHERE source = 'deployment_hook'))
    ),
    incident_signals AS
    (
        SELECT project_id, opened_at AS at, 1 AS found
        FROM incidents
    ),
    revert_signals AS
    (
        SELECT project_id, assumeNotNull(created_at) AS at, 1 AS found
        FROM merge_request_states FINAL
        WHERE is_revert AND created_at IS NOT NULL
    ),
    signalled AS
    (
        -- join_use_nulls is off (and a read-only session cannot turn it on): an unmatched ASOF row
        -- has found = 0.
        SELECT d.project_id AS project_id, d.project_path AS project_path, d.environment AS environment,
            d.deployment_key AS deployment_key, d.sha AS sha, d.deployed_at AS deployed_at,
            d.next_deployed_at AS next_deployed_at, toBool(d.next_is_rollback) AS rollback,
            if(f.found = 1 AND (d.next_deployed_at IS NULL OR f.at < d.next_deployed_at),
                toNullable(f.at), NULL) AS first_failed_deployment_at,
            if(i.found = 1 AND (d.next_deployed_at IS NULL OR i.at < d.next_deployed_at),
                toNullable(i.at), NULL) AS first_incident_at,
            if(r.found = 1 AND (d.next_deployed_at IS NULL OR r.at < d.next_deployed_at),
                toNullable(r.at), NULL) AS first_revert_at
        FROM windowed AS d
        ASOF LEFT JOIN failed_attempts AS f
            ON f.project_id = d.project_id AND f.environment = d.environment AND f.at > d.deployed_at
        ASOF LEFT JOIN incident_signals AS i
            ON i.project_id = d.project_id AND i.at >= d.deployed_at
        ASOF LEFT JOIN revert_signals AS r
            ON r.project_id = d.project_id AND r.at >= d.deployed_at
    )
SELECT project_id, project_path, environment, deployment_key, sha, deployed_at, next_deployed_at,
    first_failed_deployment_at, first_incident_at, first_revert_at, rollback,
    toBool(first_failed_deployment_at IS NOT NULL) AS failed_deployment,
    toBool(first_incident_at IS NOT NULL) AS incident,
    toBool(first_revert_at IS NOT NULL) AS revert,
    toBool(failed_deployment OR incident OR revert OR rollback) AS failed
FROM signalled
COMMENT 'Change failure (docs/metrics.md) for the production deployments whose window overlaps [from_time, to_time): change_failure_between(from_time = ..., to_time = ...)';
