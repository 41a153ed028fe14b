// events: every event of the log, one row, with the original body (migrations/0001_events.sql).
import type { Projection } from './types.ts'
import { id, time, timeAt, text } from './values.ts'

export const events: Projection = {
  table: 'events',
  project(e, at) {
    return [
      {
        event_id: e.event_id,
        source: e.source,
        kind: e.kind,
        event_header: text(e.event_header),
        instance: text(e.instance),
        project_id: id(e.project_id),
        project_path: text(e.project_path),
        group_path: text(e.group_path),
        occurred_at: time(e.occurred_at),
        received_at: timeAt(e.received_at),
        // The original bytes: the RowBinary insert writes them as they are.
        payload: e.body,
        kafka_partition: at.partition,
        kafka_offset: at.offset,
      },
    ]
  },
}
