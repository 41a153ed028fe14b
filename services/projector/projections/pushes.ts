// pushes: one row per push or tag push event. A retried delivery has the same event_id but a new
// received_at: the first receipt wins, as for commits.
import type { Projection } from './types.ts'
import { branchOf, firstSeenVersion, id, timeAt, text } from './values.ts'

export const pushes: Projection = {
  table: 'pushes',
  project(e) {
    const p = e.push
    if (!p) return []
    return [
      {
        event_id: e.event_id,
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        ref: p.ref,
        branch: branchOf(p.ref),
        is_tag: e.kind === 'tag_push' || p.ref.startsWith('refs/tags/'),
        before: text(p.before),
        after: text(p.after),
        user_name: text(p.user.name),
        user_username: text(p.user.username),
        commit_count: p.total_commits_count,
        pushed_at: timeAt(e.received_at),
        version: firstSeenVersion(e.received_at),
      },
    ]
  },
}
