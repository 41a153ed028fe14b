// issues: latest state per (project_id, iid), issues and work items alike (issue_type says which:
// issue, incident, task, ...). Version as for merge requests: updated_at (ms) * 10 + state rank.
import type { Projection } from './types.ts'
import { id, time, text, updatedVersion } from './values.ts'

const stateRanks: Record<string, number> = { opened: 1, reopened: 1, closed: 2 }

export const issues: Projection = {
  table: 'issues',
  project(e) {
    const i = e.issue
    const iid = i?.iid ?? i?.id
    if (!i || iid === null || iid === undefined) return []
    const updatedAt = i.updated_at ?? e.occurred_at ?? e.received_at
    return [
      {
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        iid,
        issue_id: i.id,
        title: text(i.title),
        issue_type: i.issue_type ?? 'issue',
        state: text(i.state),
        labels: i.labels,
        author_id: i.author_id,
        created_at: time(i.created_at),
        updated_at: time(updatedAt),
        closed_at: time(i.closed_at ?? (i.action === 'close' ? updatedAt : null)),
        url: text(i.url),
        version: updatedVersion(updatedAt, stateRanks[i.state ?? ''] ?? 0),
      },
    ]
  },
}
