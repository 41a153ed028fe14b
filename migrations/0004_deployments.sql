-- Deployments from two sources, side by side: Deployment Hooks (source deployment_hook, key
-- deployment:<id>) and jobs with an environment that ran (source job, key job:<job_id>), the
-- fallback for projects that send no Deployment Hooks. Choosing between them, and which
-- environment is production, is left to the metrics views. Same version rule as pipelines and jobs.
CREATE TABLE IF NOT EXISTS deployments
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    deployment_key String COMMENT 'deployment:<deployment_id> for a Deployment Hook, job:<job_id> for a deploy job',
    deployment_id Nullable(Int64) COMMENT 'GitLab deployment id, null when derived from a job',
    job_id Nullable(Int64) COMMENT 'The job that deployed (deployable_id), null for API deployments',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of the deploy job, when known (a Deployment Hook does not say)',
    environment String COMMENT 'Environment name',
    environment_tier LowCardinality(String) COMMENT 'Deployment tier (production, staging, ...), when sent',
    status LowCardinality(String) COMMENT 'Latest known status: created, blocked, running, success, failed, canceled',
    sha String COMMENT 'Deployed commit',
    ref String COMMENT 'Deployed branch or tag, when sent',
    deployed_at Nullable(DateTime64(3, 'UTC')) COMMENT 'status_changed_at of a Deployment Hook, finished_at (else started_at) of a job',
    source LowCardinality(String) COMMENT 'deployment_hook or job',
    user_username String COMMENT 'Who deployed',
    event_id String COMMENT 'Event id of the delivery this state came from',
    version UInt64 COMMENT 'Status rank * 10^13 + time in ms: a finished state beats a later running one'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, deployment_key)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Deployments from Deployment Hooks and from deploy jobs, latest state per key (read with FINAL)';
