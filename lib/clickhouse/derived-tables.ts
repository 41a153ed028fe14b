// Tables the migrations keep filled from the projection tables by materialized views (the
// dashboards' time-ordered copies and aggregates, migrations 0007 and 0009-0015). They hold
// nothing the projection tables do not, so `hookhouse replay` empties them together with the
// projection tables and the views fill them again as the log is replayed. A unit test keeps this
// list equal to the targets of the migrations' materialized views.
export const derivedTables = [
  'commits_daily',
  'project_paths',
  'commits_by_time',
  'pipelines_by_time',
  'jobs_by_time',
  'merge_request_states',
  'merge_request_events_by_time',
  'deployment_job_pipelines',
  'branch_arrivals',
  'deployed_commit_arrivals',
  'job_runs_by_sha',
  'flaky_job_runs',
  'flaky_job_groups',
  'merge_request_cycle_facts',
  'merge_request_cycle_facts_by_merge',
  'merge_request_merge_times',
  'branch_commit_pushes',
  'merge_request_refs',
  'branch_arrivals_by_time',
  'merge_request_cycle_merged_facts',
] as const
