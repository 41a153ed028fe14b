// merge_request_events: every transition of a merge request, one row per (event, action), so a
// redelivered event folds into its twin. From Merge Request Hooks (their action; '' when the
// sender names none, as GitLab 6 does) and from Note Hooks on a merge request: `comment` for a
// person's note, `system_note` for one GitLab wrote. `at` is updated_at for merge request events
// and created_at for notes.
import type { Event } from '../../../lib/avro/types.generated.ts'
import type { Projection, Row } from './types.ts'
import { id, time, timeAt, text } from './values.ts'

function fromMergeRequest(e: Event): Row[] {
  const m = e.merge_request
  const iid = m?.iid ?? m?.id
  if (!m || iid === null || iid === undefined) return []
  return [
    {
      event_id: e.event_id,
      project_id: id(e.project_id),
      mr_iid: iid,
      action: text(m.action),
      actor_id: m.actor.id,
      actor_username: text(m.actor.username),
      actor_name: text(m.actor.name),
      at: time(m.updated_at ?? e.occurred_at) ?? timeAt(e.received_at),
      note_id: null,
    },
  ]
}

function fromNote(e: Event): Row[] {
  const n = e.note
  if (!n || n.noteable_type !== 'MergeRequest' || n.merge_request_iid === null) return []
  return [
    {
      event_id: e.event_id,
      project_id: id(e.project_id),
      mr_iid: n.merge_request_iid,
      action: n.system ? 'system_note' : 'comment',
      actor_id: n.author_id ?? n.actor.id,
      actor_username: text(n.actor.username),
      actor_name: text(n.actor.name),
      at: time(n.created_at ?? e.occurred_at) ?? timeAt(e.received_at),
      note_id: n.id,
    },
  ]
}

export const mergeRequestEvents: Projection = {
  table: 'merge_request_events',
  project(e) {
    return [...fromMergeRequest(e), ...fromNote(e)]
  },
}
