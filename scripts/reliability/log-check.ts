// Reads the event log back, whole, and holds it against what the senders were told: every
// accepted event (200 or 202) in the log exactly once, and in order within its partition (the
// topic is keyed by project, so this is "order per project").
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { createCodec } from '../../lib/avro/codec.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { eventIdOf, isAccepted, type LoadResult } from './sender.ts'

export interface LoggedEvent {
  /** Records holding this event id. */
  copies: number
  partition: number
  /** Offset of its first copy. */
  offset: number
}

export interface LogContents {
  records: number
  events: Map<string, LoggedEvent>
}

const codec = createCodec<Event>(schemasDir, 'event')

/** Every record of `topic` up to its end when called, by event id. */
export async function readLog(
  brokers: string[],
  topic: string,
  timeoutMs = 120_000,
): Promise<LogContents> {
  const kafka = new Kafka({ brokers, clientId: 'hookhouse-log-check', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const remaining = new Map(
    ends
      .filter((e) => BigInt(e.high) > BigInt(e.low))
      .map((e) => [e.partition, BigInt(e.high) - 1n]),
  )
  const events = new Map<string, LoggedEvent>()
  let records = 0
  if (remaining.size === 0) return { records, events }
  const consumer = kafka.consumer({
    groupId: `hookhouse-log-check-${randomUUID()}`,
    maxBytesPerPartition: 8 * 1024 * 1024,
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`read ${records} records of ${topic}, not the whole log`)),
        timeoutMs,
      )
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const last = remaining.get(batch.partition)
          for (const m of batch.messages) {
            if (last === undefined || BigInt(m.offset) > last) break
            records++
            const id = m.value ? codec.decode(m.value).event_id : `(empty record ${m.offset})`
            const seen = events.get(id)
            if (seen) seen.copies++
            else events.set(id, { copies: 1, partition: batch.partition, offset: Number(m.offset) })
          }
          const at = batch.messages.at(-1)
          if (last !== undefined && at && BigInt(at.offset) >= last) {
            remaining.delete(batch.partition)
            if (remaining.size === 0) {
              clearTimeout(timer)
              done()
            }
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return { records, events }
}

export interface DeliveryCheck {
  accepted: number
  /** Accepted and in the log. */
  stored: number
  /** Accepted and not in the log: must be 0. */
  lost: number
  /** Accepted events whose id the log holds more than once: must be 0. */
  duplicated: number
  /** Records of the log that repeat an id, whatever their answer was. */
  extraCopies: number
  /** Not accepted (503, no answer) yet in the log: allowed (e.g. killed before answering). */
  unacknowledgedStored: number
  /** 503 answers whose event is in the log: must be 0 (a full spool refuses before storing). */
  refusedStored: number
  /** Pairs in one partition where an event answered before another was sent comes after it. */
  orderViolations: number
  lostIds: string[]
  /** A few of the duplicated ids, with the answer each got. */
  duplicatedIds: string[]
}

/**
 * Order: if A's answer (2xx) came back before B was sent and both landed in one partition, A must
 * come first (by first copy). Checked for every pair at once: B's offset must exceed the highest
 * offset of the events of its partition answered before B left.
 */
export function checkDelivery(loads: LoadResult[], log: LogContents): DeliveryCheck {
  const c: DeliveryCheck = {
    accepted: 0,
    stored: 0,
    lost: 0,
    duplicated: 0,
    extraCopies: 0,
    unacknowledgedStored: 0,
    refusedStored: 0,
    orderViolations: 0,
    lostIds: [],
    duplicatedIds: [],
  }
  for (const e of log.events.values()) c.extraCopies += e.copies - 1
  const byPartition = new Map<number, { sentAt: number; doneAt: number; offset: number }[]>()
  for (const load of loads) {
    for (let i = 0; i < load.sent; i++) {
      const id = eventIdOf(load.runId, i)
      const logged = log.events.get(id)
      const s = load.status[i] ?? 0
      if (!isAccepted(s)) {
        if (logged) c.unacknowledgedStored++
        if (logged && s === 503) c.refusedStored++
        continue
      }
      c.accepted++
      if (!logged) {
        c.lost++
        if (c.lostIds.length < 20) c.lostIds.push(id)
        continue
      }
      c.stored++
      if (logged.copies > 1) {
        c.duplicated++
        if (c.duplicatedIds.length < 20) c.duplicatedIds.push(`${id} (${s})`)
      }
      const list = byPartition.get(logged.partition) ?? []
      list.push({
        sentAt: load.sentAt[i] ?? 0,
        doneAt: load.doneAt[i] ?? 0,
        offset: logged.offset,
      })
      byPartition.set(logged.partition, list)
    }
  }
  for (const list of byPartition.values()) {
    const bySent = [...list].sort((a, b) => a.sentAt - b.sentAt)
    const byDone = [...list].sort((a, b) => a.doneAt - b.doneAt)
    let k = 0
    let highestAnswered = -1
    for (const b of bySent) {
      while (k < byDone.length && (byDone[k]?.doneAt ?? Infinity) < b.sentAt) {
        highestAnswered = Math.max(highestAnswered, byDone[k]?.offset ?? -1)
        k++
      }
      if (b.offset < highestAnswered) c.orderViolations++
    }
  }
  return c
}
