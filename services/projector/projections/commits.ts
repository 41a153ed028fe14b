// commits: one row per (project_id, sha), from branch pushes (tag pushes repeat old commits).
// GitLab pushes carry no push time, so pushed_at is when ingest received the push. The FIRST push
// of a commit must win (lead time runs from a commit's first appearance): the version is
// firstSeenVersion(received_at), greatest for the earliest receipt. A push holds at most 20
// commits (total_commits_count has the real number): the others never reach this table.
import type { Projection } from './types.ts'
import { branchOf, firstLine, firstSeenVersion, id, time, timeAt, text } from './values.ts'

export const commits: Projection = {
  table: 'commits',
  project(e) {
    const p = e.push
    if (!p || e.kind !== 'push' || p.ref.startsWith('refs/tags/')) return []
    return p.commits.map((c) => ({
      project_id: id(e.project_id),
      project_path: text(e.project_path),
      sha: c.id,
      author_name: text(c.author_name),
      author_email: text(c.author_email),
      committed_at: time(c.timestamp),
      message: text(c.message),
      title: c.title ?? firstLine(c.message),
      files_added: c.added.length,
      files_modified: c.modified.length,
      files_removed: c.removed.length,
      branch: branchOf(p.ref),
      pushed_at: timeAt(e.received_at),
      event_id: e.event_id,
      version: firstSeenVersion(e.received_at),
    }))
  },
}
