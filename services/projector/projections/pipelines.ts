// pipelines: latest known state per (project_id, pipeline_id). Version: statusVersion (values.ts),
// status rank first, then the pipeline's latest own time, so a late 'running' never overwrites
// 'success'. The Pipeline Hook has no started_at: it is the earliest started_at of its builds,
// null when none started.
import type { Projection } from './types.ts'
import { id, time, statusVersion, text } from './values.ts'

export const pipelines: Projection = {
  table: 'pipelines',
  project(e) {
    const p = e.pipeline
    if (!p) return []
    const starts = p.builds.flatMap((b) => (b.started_at === null ? [] : [b.started_at]))
    const startedAt = starts.length > 0 ? Math.min(...starts) : null
    const latestMs = p.finished_at ?? startedAt ?? p.created_at ?? e.occurred_at ?? e.received_at
    return [
      {
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        pipeline_id: p.id,
        pipeline_iid: p.iid,
        ref: text(p.ref),
        is_tag: p.tag ?? false,
        sha: text(p.sha),
        before_sha: text(p.before_sha),
        source: text(p.source),
        status: text(p.status),
        created_at: time(p.created_at),
        started_at: time(startedAt),
        finished_at: time(p.finished_at),
        duration_s: p.duration,
        queued_s: p.queued_duration,
        user_username: text(p.user.username),
        event_id: e.event_id,
        version: statusVersion(p.status, latestMs),
      },
    ]
  },
}
