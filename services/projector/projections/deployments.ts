// deployments: per (project_id, deployment_key), from two sources recorded side by side:
// - 'deployment_hook': a Deployment Hook; key `deployment:<deployment_id>`, deployed_at is
//   status_changed_at, job_id is the deployable (the job that ran it; null for API deployments).
//   Approval events (status approved/rejected, GitLab Premium) are not deployment states: they stay
//   in `events` only.
// - 'job': the "no Deployment Hook" fallback: a job with an environment (action start or unset)
//   that ran (running, success, failed, canceled), from a Job Hook or a Pipeline Hook's builds;
//   key `job:<job_id>`, deployed_at is finished_at (started_at while running).
// Every environment is recorded, not only production: which environment is production (tier, or
// a configured name) and which source to use are query-time choices of the metrics views.
// Version: statusVersion, as for pipelines and jobs.
import type { Event } from '../../../lib/avro/types.generated.ts'
import { buildsOf } from './jobs.ts'
import type { Projection, Row } from './types.ts'
import { id, time, statusVersion, text } from './values.ts'

const approvalStatuses = new Set(['approved', 'rejected'])
const ranStatuses = new Set(['running', 'success', 'failed', 'canceled'])

function fromHook(e: Event): Row[] {
  const d = e.deployment
  if (!d || d.id === null || !d.status || approvalStatuses.has(d.status)) return []
  const latestMs = d.status_changed_at ?? e.occurred_at ?? e.received_at
  return [
    {
      project_id: id(e.project_id),
      project_path: text(e.project_path),
      deployment_key: `deployment:${d.id}`,
      deployment_id: d.id,
      job_id: d.deployable_id,
      pipeline_id: null,
      environment: text(d.environment),
      environment_tier: text(d.environment_tier),
      status: d.status,
      sha: text(d.sha),
      ref: text(d.ref),
      deployed_at: time(d.status_changed_at),
      source: 'deployment_hook',
      user_username: text(d.user.username),
      event_id: e.event_id,
      version: statusVersion(d.status, latestMs),
    },
  ]
}

function fromJobs(e: Event): Row[] {
  return buildsOf(e).flatMap(({ build: b, ctx }) => {
    const action = b.environment_action
    if (!b.environment_name || (action && action !== 'start')) return []
    if (!b.status || !ranStatuses.has(b.status)) return []
    const deployedAt = b.finished_at ?? b.started_at
    const latestMs = deployedAt ?? b.created_at ?? e.occurred_at ?? e.received_at
    return [
      {
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        deployment_key: `job:${b.id}`,
        deployment_id: null,
        job_id: b.id,
        pipeline_id: ctx.pipelineId,
        environment: b.environment_name,
        environment_tier: text(b.environment_tier),
        status: b.status,
        sha: text(ctx.sha),
        ref: text(ctx.ref),
        deployed_at: time(deployedAt),
        source: 'job',
        user_username: text(e.job?.user.username ?? e.pipeline?.user.username),
        event_id: e.event_id,
        version: statusVersion(b.status, latestMs),
      },
    ]
  })
}

export const deployments: Projection = {
  table: 'deployments',
  project(e) {
    return [...fromHook(e), ...fromJobs(e)]
  },
}
