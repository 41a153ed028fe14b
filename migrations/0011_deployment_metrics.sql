-- Faster deployment metrics, same definitions (docs/metrics.md). Until now every DORA panel read
-- all of `jobs FINAL` (to find the pipeline of a Deployment Hook's deploy job) and joined each
-- production deployment with every failure signal of its project; at 10M jobs and 100k deployments
-- the panels ran for seconds to minutes (docs/benchmarks.md).

-- The pipeline of each deploy job a deployment names, kept at insert time from both sides: a jobs
-- insert adds the versions of the jobs some deployment names, a deployments insert adds the
-- versions of the jobs it names that are already there. Every version of such a job lands here,
-- so `FINAL` gives the pipeline_id of the same row `jobs FINAL` would.
CREATE TABLE IF NOT EXISTS deployment_job_pipelines
(
    project_id Int64 COMMENT 'GitLab project id',
    job_id Int64 COMMENT 'A job that a deployment names as its deploy job (deployable_id)',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of that job, as the jobs row says',
    version UInt64 COMMENT 'Version of the jobs row: status rank * 10^13 + latest time in ms'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, job_id)
COMMENT 'The pipeline of every deploy job a deployment names, one row per job (read with FINAL)';

-- In a materialized view, `deployments` / `jobs` inside a subquery of the view on that same table
-- is the inserted block; any other table is the whole table.
CREATE MATERIALIZED VIEW IF NOT EXISTS deployment_job_pipelines_from_jobs TO deployment_job_pipelines
(
    project_id Int64 COMMENT 'GitLab project id',
    job_id Int64 COMMENT 'Deploy job id',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of the job',
    version UInt64 COMMENT 'Version of the jobs row'
)
AS SELECT project_id, job_id, pipeline_id, version
FROM jobs
WHERE (project_id, job_id) IN
    (SELECT project_id, assumeNotNull(job_id) FROM deployments WHERE job_id IS NOT NULL)
COMMENT 'Adds each inserted jobs row of a job some deployment names to deployment_job_pipelines';

CREATE MATERIALIZED VIEW IF NOT EXISTS deployment_job_pipelines_from_deployments TO deployment_job_pipelines
(
    project_id Int64 COMMENT 'GitLab project id',
    job_id Int64 COMMENT 'Deploy job id',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of the job',
    version UInt64 COMMENT 'Version of the jobs row'
)
AS SELECT j.project_id AS project_id, j.job_id AS job_id, j.pipeline_id AS pipeline_id, j.version AS version
FROM deployments AS d
INNER JOIN
(
    SELECT project_id, job_id, pipeline_id, version
    FROM jobs
    WHERE (project_id, job_id) IN
        (SELECT project_id, assumeNotNull(job_id) FROM deployments WHERE job_id IS NOT NULL)
) AS j ON j.project_id = d.project_id AND j.job_id = d.job_id
COMMENT 'Adds the jobs rows of the deploy jobs an inserted deployment names to deployment_job_pipelines';

INSERT INTO deployment_job_pipelines
SELECT project_id, job_id, pipeline_id, version
FROM jobs
WHERE (project_id, job_id) IN
    (SELECT project_id, assumeNotNull(job_id) FROM deployments WHERE job_id IS NOT NULL);

-- As in 0007, with the deploy job's pipeline from deployment_job_pipelines instead of jobs.
CREATE OR REPLACE VIEW production_deployment_attempts
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    deployment_key String COMMENT 'Key of the deployment row in deployments',
    environment String COMMENT 'Environment name',
    status LowCardinality(String) COMMENT 'Deployment or deploy job status: success, failed, running, ...',
    sha String COMMENT 'Commit deployed',
    ref String COMMENT 'Branch or tag deployed',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of the deployment, from its deploy job when the hook names none',
    job_id Nullable(Int64) COMMENT 'Deploy job, when known',
    deployed_at DateTime64(3, 'UTC') COMMENT 'When the attempt happened',
    source LowCardinality(String) COMMENT 'Where it came from: deployment_hook or job'
)
AS SELECT
    d.project_id AS project_id,
    d.project_path AS project_path,
    d.deployment_key AS deployment_key,
    d.environment AS environment,
    d.status AS status,
    d.sha AS sha,
    d.ref AS ref,
    coalesce(d.pipeline_id, j.pipeline_id) AS pipeline_id,
    d.job_id AS job_id,
    assumeNotNull(d.deployed_at) AS deployed_at,
    toString(d.source) AS source
FROM deployments AS d FINAL
LEFT JOIN (SELECT project_id, job_id, pipeline_id FROM deployment_job_pipelines FINAL) AS j
    ON j.project_id = d.project_id AND j.job_id = d.job_id
WHERE d.deployed_at IS NOT NULL
    AND (d.environment_tier IN (SELECT value FROM metric_settings_current WHERE name = 'production_tier')
        OR d.environment IN (SELECT value FROM metric_settings_current WHERE name = 'production_environment'))
    AND (d.source = 'deployment_hook'
        OR d.project_id NOT IN (SELECT project_id FROM deployments WHERE source = 'deployment_hook'))
COMMENT 'Every deployment attempt, any status, to a production environment, from Deployment Hooks when the project sends them, else from deploy jobs';

-- Deployment, as in 0007: the first success per project, environment and pipeline (a deployment
-- with no known pipeline is one of its own), taken with argMin per group instead of sorting every
-- attempt for LIMIT 1 BY.
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
AS SELECT project_id, first.1 AS project_path, environment, first.2 AS sha, first.3 AS pipeline_id,
    first.4 AS deployed_at, first.5 AS source, first.6 AS ref, first.7 AS deployment_key
FROM
(
    SELECT project_id, environment,
        argMin((project_path, sha, pipeline_id, deployed_at, source, ref, deployment_key),
            (deployed_at, deployment_key)) AS first
    FROM production_deployment_attempts
    WHERE status = 'success'
    GROUP BY project_id, environment, if(pipeline_id IS NULL, deployment_key, toString(pipeline_id))
)
COMMENT 'Deployments (docs/metrics.md): successful production deployments, one per environment per pipeline';

-- Change failure, as in 0007, for the production deployments whose failure window (from the
-- deployment to the next one to the same environment) overlaps [from_time, to_time); the
-- change_failure view is this over all time. Same definition, two changes in how it is computed:
-- - the first failed deployment, incident and revert after each deployment come from an ASOF
--   join (the first signal at or after the deployment), not from joining every deployment with
--   every signal of its project and keeping the minimum;
-- - a rollback (the next deployment redeploys a sha deployed earlier, not the same as this one)
--   compares the next deployment's position with the first position of its sha, instead of
--   collecting every earlier sha into an array for each deployment.
-- Signals before the earliest deployment whose window overlaps the range cannot fall in any of
-- those windows, so only later ones are read. That earliest deployment is, over each project and
-- environment, the last one at or before from_time (else the first one), found with one GROUP BY.
CREATE VIEW IF NOT EXISTS change_failure_between
AS WITH
    (
        SELECT min(earliest)
        FROM
        (
            SELECT if(countIf(deployed_at <= {from_time:DateTime64(3, 'UTC')}) > 0,
                    maxIf(deployed_at, deployed_at <= {from_time:DateTime64(3, 'UTC')}),
                    min(deployed_at)) AS earliest
            FROM production_deployments
            GROUP BY project_id, environment
        )
    ) AS signals_since,
    numbered AS
    (
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at,
            row_number() OVER (PARTITION BY project_id, environment ORDER BY deployed_at, deployment_key) AS position
        FROM production_deployments
    ),
    ordered AS
    (
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at, position,
            lagInFrame(sha) OVER w AS previous_sha,
            min(position) OVER (PARTITION BY project_id, environment, sha) AS first_position_of_sha
        FROM numbered
        WINDOW w AS (PARTITION BY project_id, environment ORDER BY position
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    deploys AS
    (
        SELECT project_id, project_path, environment, deployment_key, sha, deployed_at,
            leadInFrame(toNullable(deployed_at)) OVER w AS next_deployed_at,
            leadInFrame(first_position_of_sha < position AND sha != previous_sha) OVER w AS next_is_rollback
        FROM ordered
        WINDOW w AS (PARTITION BY project_id, environment ORDER BY position
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
        SELECT project_id, environment, deployed_at AS at, 1 AS found
        FROM production_deployment_attempts
        WHERE status = 'failed' AND deployed_at >= signals_since
    ),
    incident_signals AS
    (
        SELECT project_id, opened_at AS at, 1 AS found
        FROM incidents
        WHERE opened_at >= signals_since
    ),
    revert_signals AS
    (
        SELECT project_id, assumeNotNull(created_at) AS at, 1 AS found
        FROM merge_request_states FINAL
        WHERE is_revert AND created_at IS NOT NULL AND created_at >= signals_since
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

CREATE OR REPLACE VIEW change_failure
(
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    environment String COMMENT 'Environment name',
    deployment_key String COMMENT 'Key of the deployment row in deployments',
    sha String COMMENT 'Commit deployed',
    deployed_at DateTime64(3, 'UTC') COMMENT 'When it was deployed',
    next_deployed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Next production deployment to the same environment, null for the latest',
    first_failed_deployment_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First failed production deployment before the next deployment',
    first_incident_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First incident opened before the next deployment',
    first_revert_at Nullable(DateTime64(3, 'UTC')) COMMENT 'First revert merge request opened before the next deployment',
    rollback Bool COMMENT 'The next deployment redeployed an earlier commit',
    failed_deployment Bool COMMENT 'A failed production deployment followed',
    incident Bool COMMENT 'An incident followed',
    revert Bool COMMENT 'A revert merge request followed',
    failed Bool COMMENT 'Any of the four: the deployment counts as a change failure'
)
AS SELECT *
FROM change_failure_between(from_time = toDateTime64('1900-01-01 00:00:00', 3, 'UTC'),
    to_time = toDateTime64('2299-12-31 23:59:59', 3, 'UTC'))
COMMENT 'Change failure (docs/metrics.md): each production deployment and whether a failure followed it before the next one';

-- Time to restore, as in 0007, for the failures that may begin in [from_time, to_time) (every
-- incident, and the failed deployments of change_failure_between); time_to_restore is this over
-- all time.
CREATE VIEW IF NOT EXISTS time_to_restore_between
AS SELECT 'incident' AS kind, project_id, project_path, '' AS environment, toString(iid) AS subject,
    opened_at AS failed_at, closed_at AS restored_at,
    dateDiff('millisecond', opened_at, closed_at) / 1000 AS restore_s
FROM incidents
UNION ALL
SELECT 'deployment' AS kind, project_id, project_path, environment, deployment_key AS subject,
    assumeNotNull(arrayMin(arrayFilter(x -> x IS NOT NULL,
        [first_failed_deployment_at, first_revert_at, if(rollback, toNullable(deployed_at), NULL)]))) AS failed_at,
    next_deployed_at AS restored_at,
    dateDiff('millisecond', failed_at, next_deployed_at) / 1000 AS restore_s
FROM change_failure_between(from_time = {from_time:DateTime64(3, 'UTC')}, to_time = {to_time:DateTime64(3, 'UTC')})
WHERE failed_deployment OR revert OR rollback
COMMENT 'Time to restore (docs/metrics.md) for the failures that may begin in [from_time, to_time): time_to_restore_between(from_time = ..., to_time = ...)';

CREATE OR REPLACE VIEW time_to_restore
(
    kind String COMMENT 'incident or deployment',
    project_id Int64 COMMENT 'GitLab project id',
    project_path String COMMENT 'Project path with namespace',
    environment String COMMENT 'Environment name, empty for an incident',
    subject String COMMENT 'Incident iid or deployment key',
    failed_at DateTime64(3, 'UTC') COMMENT 'When the failure began',
    restored_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When it was restored, null while not',
    restore_s Nullable(Float64) COMMENT 'Seconds to restore, null while not restored'
)
AS SELECT *
FROM time_to_restore_between(from_time = toDateTime64('1900-01-01 00:00:00', 3, 'UTC'),
    to_time = toDateTime64('2299-12-31 23:59:59', 3, 'UTC'))
COMMENT 'Time to restore (docs/metrics.md): incidents opened to closed, failed deployments to the next successful one';
