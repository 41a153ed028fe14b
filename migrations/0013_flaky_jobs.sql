-- Flaky jobs, same definition (docs/metrics.md), without reading all of `jobs FINAL` for a panel.
--
-- job_runs_by_sha holds the finished runs (failed or success) of every job, ordered by project,
-- sha and job name, so all the runs of one (project, sha, job name) are one short key range. A job
-- ends in one of those statuses at most once (a retry is a new job), and a finished state
-- outranks any other (0003's version rule), so FINAL here keeps the row `jobs FINAL` keeps for
-- every job whose latest state is failed or success. The small index granularity lets a lookup of
-- a few thousand such groups read a few thousand short granules.
CREATE TABLE IF NOT EXISTS job_runs_by_sha
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
SETTINGS index_granularity = 128
COMMENT 'Finished runs (failed or success) of every job, by project, commit and job name (read with FINAL)';

CREATE MATERIALIZED VIEW IF NOT EXISTS job_runs_by_sha_mv TO job_runs_by_sha
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
COMMENT 'Copies every failed or successful run inserted into jobs to job_runs_by_sha';

INSERT INTO job_runs_by_sha
SELECT project_id, project_path, sha, name, job_id, ref, status,
    assumeNotNull(coalesce(finished_at, started_at, created_at)), version
FROM jobs
WHERE status IN ('failed', 'success') AND sha != ''
    AND coalesce(finished_at, started_at, created_at) IS NOT NULL;

-- As in 0007, over job_runs_by_sha.
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
AS SELECT project_id, project_path, name, sha, ref, failed_runs, successful_runs, first_failed_at,
    arrayMin(arrayFilter((t, s) -> s = 'success' AND t > first_failed_at, times, statuses)) AS passed_at
FROM
(
    SELECT project_id, toString(any(project_path)) AS project_path, toString(name) AS name, sha,
        any(ref) AS ref,
        countIf(status = 'failed') AS failed_runs, countIf(status = 'success') AS successful_runs,
        minIf(ran_at, status = 'failed') AS first_failed_at, maxIf(ran_at, status = 'success') AS last_success_at,
        groupArray(ran_at) AS times, groupArray(toString(status)) AS statuses
    FROM job_runs_by_sha FINAL
    GROUP BY project_id, name, sha
)
WHERE failed_runs > 0 AND last_success_at > first_failed_at
COMMENT 'Flaky jobs: the same job name failing and then passing on the same commit, one row per project, job name and commit';

-- The flaky jobs whose first failure may lie in [from_time, to_time) (and some others of the same
-- commits: filter on first_failed_at). Such a job has its first failure and a later success at or
-- after from_time, so the commits are found among the runs from from_time on (jobs_by_time,
-- pruned by its run-time index), and then all the runs of those commits are read from
-- job_runs_by_sha, by key.
CREATE VIEW IF NOT EXISTS flaky_jobs_between
AS SELECT project_id, project_path, name, sha, ref, failed_runs, successful_runs, first_failed_at,
    arrayMin(arrayFilter((t, s) -> s = 'success' AND t > first_failed_at, times, statuses)) AS passed_at
FROM
(
    SELECT project_id, toString(any(project_path)) AS project_path, toString(name) AS name, sha,
        any(ref) AS ref,
        countIf(status = 'failed') AS failed_runs, countIf(status = 'success') AS successful_runs,
        minIf(ran_at, status = 'failed') AS first_failed_at, maxIf(ran_at, status = 'success') AS last_success_at,
        groupArray(ran_at) AS times, groupArray(toString(status)) AS statuses
    FROM job_runs_by_sha FINAL
    WHERE (project_id, sha) IN
    (
        SELECT project_id, sha
        FROM jobs_by_time FINAL
        WHERE status IN ('failed', 'success') AND sha != ''
            AND ran_at >= {from_time:DateTime64(3, 'UTC')}
        GROUP BY project_id, sha, name
        HAVING countIf(status = 'failed') > 0
            AND minIf(ran_at, status = 'failed') < {to_time:DateTime64(3, 'UTC')}
            AND maxIf(ran_at, status = 'success') > minIf(ran_at, status = 'failed')
    )
    GROUP BY project_id, name, sha
)
WHERE failed_runs > 0 AND last_success_at > first_failed_at
COMMENT 'Flaky jobs (docs/metrics.md) whose first failure may lie in [from_time, to_time): flaky_jobs_between(from_time = ..., to_time = ...)';
