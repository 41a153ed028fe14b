-- CI: pipelines and jobs, latest known state per id.
-- Version rule (status rank first, then time): version = rank * 10^13 + time in ms, where rank is
-- 1 for waiting states (created, pending, preparing, scheduled, manual, waiting_for_resource),
-- 2 for running, 3 for finished (success, failed, canceled, skipped), 0 for anything else, and time
-- is the object's latest own time (finished_at, else started_at, else created_at). So a late
-- 'running' never overwrites 'success', a job finished before its 'running' event arrived still ends
-- finished, and a retried pipeline (same id) keeps its old result until the retry finishes.
CREATE TABLE IF NOT EXISTS pipelines
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    pipeline_id Int64 COMMENT 'Pipeline id',
    pipeline_iid Nullable(Int64) COMMENT 'Pipeline iid within the project, when sent',
    ref String COMMENT 'Branch or tag the pipeline ran for',
    is_tag Bool COMMENT 'True when ref is a tag',
    sha String COMMENT 'Commit the pipeline ran for',
    before_sha String COMMENT 'Previous commit of the ref',
    source LowCardinality(String) COMMENT 'What started the pipeline: push, web, schedule, merge_request_event, ...',
    status LowCardinality(String) COMMENT 'Latest known status',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the pipeline was created',
    started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'Earliest started_at of its jobs, null when none is known to have started',
    finished_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the pipeline finished',
    duration_s Nullable(Float64) COMMENT 'Running time in seconds as GitLab reports it, null when unknown',
    queued_s Nullable(Float64) COMMENT 'Queued time in seconds as GitLab reports it, null when unknown',
    user_username String COMMENT 'Who triggered the pipeline',
    event_id String COMMENT 'Event id of the delivery this state came from',
    version UInt64 COMMENT 'Status rank * 10^13 + latest time in ms: a finished state beats a later running one'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, pipeline_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'CI pipelines, latest known state per project and pipeline id (read with FINAL)';

CREATE TABLE IF NOT EXISTS jobs
(
    project_id Int64 COMMENT 'GitLab project id, 0 when the payload names none',
    project_path String COMMENT 'Project path with namespace',
    job_id Int64 COMMENT 'Job (build) id',
    pipeline_id Nullable(Int64) COMMENT 'Pipeline of the job (a Job Hook names it as commit.id)',
    name String COMMENT 'Job name',
    stage String COMMENT 'Stage name',
    status LowCardinality(String) COMMENT 'Latest known status',
    failure_reason String COMMENT 'Failure reason as sent (GitLab sends unknown_failure for jobs that did not fail)',
    runner_id Nullable(Int64) COMMENT 'Runner that ran the job',
    runner_description String COMMENT 'Description of that runner',
    created_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job was created',
    started_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job started',
    finished_at Nullable(DateTime64(3, 'UTC')) COMMENT 'When the job finished',
    duration_s Nullable(Float64) COMMENT 'Seconds: the payload duration, else finished_at - started_at, else null',
    queued_s Nullable(Float64) COMMENT 'Seconds queued as GitLab reports it, null when unknown',
    allow_failure Bool COMMENT 'True when the job may fail without failing the pipeline',
    manual Bool COMMENT 'True for a manual job',
    environment String COMMENT 'Environment the job deploys to, empty when none',
    environment_tier LowCardinality(String) COMMENT 'Deployment tier of that environment (production, staging, ...), when sent',
    environment_action LowCardinality(String) COMMENT 'start, prepare, stop, verify or access, when sent',
    ref String COMMENT 'Branch or tag',
    sha String COMMENT 'Commit the job ran for',
    event_id String COMMENT 'Event id of the delivery this state came from',
    version UInt64 COMMENT 'Status rank * 10^13 + latest time in ms: a finished state beats a later running one'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, job_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'CI jobs from Pipeline Hook builds and Job Hooks, latest known state per project and job id (read with FINAL)';
