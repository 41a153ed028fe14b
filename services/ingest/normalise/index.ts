// From an accepted delivery to the Event record of the log: envelope, original bytes, and the
// typed record of its kind. Pure: no I/O, so every seed payload is tested without a server.
import type { Event } from '../../../lib/avro/types.generated.ts'
import { eventId, type DeliveryInfo } from '../delivery.ts'
import { obj, time, type Json } from './fields.ts'
import { detectKind } from './kinds.ts'
import { projectOf } from './project.ts'
import {
  toDeployment,
  toIssue,
  toJob,
  toMergeRequest,
  toNote,
  toPipeline,
  toPush,
  toRelease,
  type Built,
} from './records.ts'

export interface NormaliseInput {
  delivery: DeliveryInfo
  body: Buffer
  json: Json
  receivedAt: number
}

type Typed = Pick<
  Event,
  'push' | 'merge_request' | 'note' | 'pipeline' | 'job' | 'deployment' | 'release' | 'issue'
>

const noTyped: Typed = {
  push: null,
  merge_request: null,
  note: null,
  pipeline: null,
  job: null,
  deployment: null,
  release: null,
  issue: null,
}

function typedRecord(kind: string, json: Json): { typed: Typed; problems: string[] } {
  const one = <K extends keyof Typed>(field: K, built: Built<NonNullable<Typed[K]>>) => ({
    typed: { ...noTyped, [field]: built.record },
    problems: built.problems,
  })
  switch (kind) {
    case 'push':
    case 'tag_push':
      return one('push', toPush(json))
    case 'merge_request':
      return one('merge_request', toMergeRequest(json))
    case 'note':
      return one('note', toNote(json))
    case 'pipeline':
      return one('pipeline', toPipeline(json))
    case 'job':
      return one('job', toJob(json))
    case 'deployment':
      return one('deployment', toDeployment(json))
    case 'release':
      return one('release', toRelease(json))
    case 'issue':
      return one('issue', toIssue(json))
    default:
      return { typed: noTyped, problems: [] }
  }
}

/** When the change happened, as the payload says; null when it does not say. */
function occurredAt(kind: string, json: Json, typed: Typed): number | null {
  const a = obj(json.object_attributes)
  switch (kind) {
    case 'pipeline':
      return typed.pipeline?.finished_at ?? typed.pipeline?.created_at ?? null
    case 'job': {
      const b = typed.job?.build
      return b?.finished_at ?? b?.started_at ?? b?.created_at ?? null
    }
    case 'deployment':
      return typed.deployment?.status_changed_at ?? null
    case 'release':
      return typed.release?.released_at ?? typed.release?.created_at ?? null
    case 'note':
      return typed.note?.created_at ?? null
    default:
      return time(a?.updated_at) ?? time(a?.created_at) ?? null
  }
}

export function normalise(input: NormaliseInput): Event {
  const { delivery: d, json } = input
  const kind = detectKind(json, d.eventHeader)
  const project = projectOf(json, kind)
  const { typed, problems } = typedRecord(kind, json)
  if (kind === 'unknown')
    problems.push('unknown event kind: no object_kind, event_name or known event header')
  return {
    event_id: eventId(d, input.body),
    source: d.source,
    kind,
    event_header: d.eventHeader,
    instance: d.instance,
    webhook_uuid: d.webhookUuid,
    event_uuid: d.eventUuid,
    idempotency_key: d.idempotencyKey,
    user_agent: d.userAgent,
    headers: d.kept,
    project_id: project.id,
    project_path: project.path,
    group_path: project.group,
    received_at: input.receivedAt,
    occurred_at: occurredAt(kind, json, typed),
    body: input.body,
    ...typed,
    problems,
  }
}
