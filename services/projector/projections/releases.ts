// releases: latest state per (project_id, tag). A Release Hook has no updated_at, so the version
// is received_at: the latest delivery wins (create, update, then delete).
import type { Projection } from './types.ts'
import { id, time, text } from './values.ts'

export const releases: Projection = {
  table: 'releases',
  project(e) {
    const r = e.release
    if (!r || !r.tag) return []
    return [
      {
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        tag: r.tag,
        release_id: r.id,
        name: text(r.name),
        action: text(r.action),
        created_at: time(r.created_at),
        released_at: time(r.released_at),
        sha: text(r.sha),
        url: text(r.url),
        version: e.received_at,
      },
    ]
  },
}
