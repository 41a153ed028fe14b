// jobs: latest known state per (project_id, job_id), from the builds of Pipeline Hooks and from
// Job Hooks (and the legacy Build Hook). Same version rule as pipelines (statusVersion): a job
// whose 'success' arrived before its 'running' still ends as success. duration_s is the payload's
// duration, else finished_at - started_at, else null; queued_s only from the payload.
import type { Build, Event } from '../../../lib/avro/types.generated.ts'
import type { Projection, Row } from './types.ts'
import { id, time, secondsBetween, statusVersion, text } from './values.ts'

export interface JobContext {
  pipelineId: number | null
  ref: string | null
  sha: string | null
}

/** Every build an event carries, with the pipeline context it came with. */
export function buildsOf(e: Event): { build: Build; ctx: JobContext }[] {
  if (e.pipeline) {
    const p = e.pipeline
    const ctx = { pipelineId: p.id, ref: p.ref, sha: p.sha }
    return p.builds.map((build) => ({ build, ctx }))
  }
  if (e.job) {
    const j = e.job
    return [{ build: j.build, ctx: { pipelineId: j.pipeline_id, ref: j.ref, sha: j.sha } }]
  }
  return []
}

export function jobDuration(b: Build): number | null {
  return b.duration ?? secondsBetween(b.started_at, b.finished_at)
}

function jobRow(e: Event, b: Build, ctx: JobContext): Row {
  const latestMs = b.finished_at ?? b.started_at ?? b.created_at ?? e.occurred_at ?? e.received_at
  return {
    project_id: id(e.project_id),
    project_path: text(e.project_path),
    job_id: b.id,
    pipeline_id: ctx.pipelineId,
    name: text(b.name),
    stage: text(b.stage),
    status: text(b.status),
    failure_reason: text(b.failure_reason),
    runner_id: b.runner_id,
    runner_description: text(b.runner_description),
    created_at: time(b.created_at),
    started_at: time(b.started_at),
    finished_at: time(b.finished_at),
    duration_s: jobDuration(b),
    queued_s: b.queued_duration,
    allow_failure: b.allow_failure ?? false,
    manual: b.manual ?? false,
    environment: text(b.environment_name),
    environment_tier: text(b.environment_tier),
    environment_action: text(b.environment_action),
    ref: text(ctx.ref),
    sha: text(ctx.sha),
    event_id: e.event_id,
    version: statusVersion(b.status, latestMs),
  }
}

export const jobs: Projection = {
  table: 'jobs',
  project(e) {
    return buildsOf(e).map(({ build, ctx }) => jobRow(e, build, ctx))
  },
}
