// merge_requests: latest state per (project_id, mr_iid). Version: updated_at (ms) * 10 + state
// rank, so out-of-order events fold to the latest update, and at the same instant merged beats
// closed beats opened. A merge seen before its open still ends merged (its updated_at is later).
// merged_at is the payload's, or updated_at of a `merge` action; a later update event whose
// payload lacks merged_at replaces the row without it, so exact merge times are read from
// merge_request_events (min(at) where action = 'merge').
import type { Projection } from './types.ts'
import { id, time, text, updatedVersion } from './values.ts'

const stateRanks: Record<string, number> = { opened: 1, reopened: 1, closed: 2, merged: 3 }

export const mergeRequests: Projection = {
  table: 'merge_requests',
  project(e) {
    const m = e.merge_request
    const iid = m?.iid ?? m?.id
    if (!m || iid === null || iid === undefined) return []
    const updatedAt = m.updated_at ?? e.occurred_at ?? e.received_at
    return [
      {
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        mr_iid: iid,
        mr_id: m.id,
        title: text(m.title),
        state: text(m.state),
        author_id: m.author_id,
        source_branch: text(m.source_branch),
        target_branch: text(m.target_branch),
        source_project_id: m.source_project_id,
        created_at: time(m.created_at),
        updated_at: time(updatedAt),
        merged_at: time(m.merged_at ?? (m.action === 'merge' ? updatedAt : null)),
        closed_at: time(m.closed_at ?? (m.action === 'close' ? updatedAt : null)),
        merge_commit_sha: text(m.merge_commit_sha),
        url: text(m.url),
        draft: m.draft ?? false,
        labels: m.labels,
        version: updatedVersion(updatedAt, stateRanks[m.state ?? ''] ?? 0),
      },
    ]
  },
}
