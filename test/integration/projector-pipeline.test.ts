// A lagging projector (the log filled before it starts) folds the next group while the previous
// one is stored, inserting each group's tables on three sessions at once, and still stores and
// commits every partition's records in order, each exactly once: a store that fails once loses
// nothing and lets no later group commit past it. Real broker, embedded engine.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createCodec, type Codec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import { ensureTopics } from '../../lib/kafka/topics.ts'
import { schemasDir } from '../../lib/paths.ts'
import { syntheticRecord } from '../../bench/synthetic.ts'
import { openInsertSessions } from '../../services/projector/index.ts'
import { createProjectorMetrics } from '../../services/projector/metrics.ts'
import { startProjector } from '../../services/projector/projector.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { until } from '../support/until.ts'

const EVENTS = 1200
const PARTITIONS = 3
const codec = createCodec<Event>(schemasDir, 'event')
let ch: TestClickHouse
let topic: string

beforeAll(async () => {
  ch = await createTestClickHouse()
  topic = `pipeline-${randomUUID()}`
  const brokers = inject('kafkaBrokers')
  await ensureTopics(brokers, [
    { topic, partitions: PARTITIONS },
    { topic: `${topic}.dlq`, partitions: 1 },
  ])
  const producer = new Kafka({
    brokers,
    clientId: 'pipeline-fill',
    logLevel: logLevel.NOTHING,
  }).producer()
  await producer.connect()
  const synth = { projects: 9, startMs: Date.UTC(2026, 9, 1), spanMs: 86_400_000 }
  const messages = Array.from({ length: EVENTS }, (_, i) => syntheticRecord(i, synth, codec))
  for (let i = 0; i < messages.length; i += 200) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 200) })
  }
  await producer.disconnect()
}, 60_000)
afterAll(async () => {
  await ch?.cleanup()
})

interface Range {
  partition: number
  first: bigint
  last: bigint
}

describe('a projector that lags behind the log', () => {
  it('folds ahead of the store, never commits past an unstored group, and loses nothing to a failed store', async () => {
    // Records decoded so far, read when a group is about to commit: more than that group's own
    // records means the next group was folded while this one was stored.
    let decoded = 0
    const counting: Codec<Event> = {
      ...codec,
      decode(buf) {
        decoded++
        return codec.decode(buf)
      },
    }
    const committed: Range[] = []
    const aheadAtCommit: number[] = []
    let calls = 0
    let failed: Range | undefined
    const groupId = `pipeline-${randomUUID()}`
    // Three sessions, as the service runs it: a group's tables are inserted concurrently.
    const insertSessions = await openInsertSessions(ch.target)
    const projector = await startProjector({
      brokers: inject('kafkaBrokers'),
      topic,
      deadLetterTopic: `${topic}.dlq`,
      groupId,
      clickhouse: ch.client,
      insertSessions,
      eventCodec: counting,
      deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
      log: pino({ level: 'silent' }),
      metrics: createProjectorMetrics(),
      batchMaxEvents: 100,
      batchMaxWaitMs: 100,
      beforeCommit: async (r) => {
        const range = { partition: r.partition, first: BigInt(r.first), last: BigInt(r.last) }
        // A store fails once, after its inserts: its group must come back, whole.
        if (++calls === 3) {
          failed = range
          throw new Error('injected failure of one store')
        }
        if (calls < 3) {
          // Before the failure, every record was decoded once: decoded beyond what is stored
          // (this range included) is what was folded ahead.
          const storedSoFar = committed.reduce((n, c) => n + Number(c.last - c.first + 1n), 0)
          aheadAtCommit.push(decoded - storedSoFar - Number(range.last - range.first + 1n))
        }
        committed.push(range)
      },
    })
    try {
      await until(`${EVENTS} events folded`, () => projector.folded >= EVENTS, 90_000, 50)
    } finally {
      await projector.close()
      for (const session of insertSessions) await session.close()
    }

    // Folded ahead: while groups were stored, the next group had already been decoded.
    expect(Math.max(...aheadAtCommit)).toBeGreaterThanOrEqual(100)
    // The failed group came back and was stored from the same first offset.
    expect(failed).toBeDefined()
    expect(
      committed.some((c) => c.partition === failed?.partition && c.first === failed.first),
    ).toBe(true)
    // Per partition, in the order stores reached their commit, no range starts past the end of
    // what was stored before it: no group ever went ahead of an unstored one. (A group whose
    // store failed is stored again from its first offset, so a range may repeat.)
    const ends = new Map<number, bigint>()
    for (const r of committed) {
      expect(r.first).toBeLessThanOrEqual(ends.get(r.partition) ?? 0n)
      const end = r.last + 1n
      if (end > (ends.get(r.partition) ?? 0n)) ends.set(r.partition, end)
    }
    expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(EVENTS))
    // The group's committed offsets are the ends of the partitions.
    const admin = new Kafka({
      brokers: inject('kafkaBrokers'),
      clientId: 'pipeline-check',
      logLevel: logLevel.NOTHING,
    }).admin()
    await admin.connect()
    try {
      const high = await admin.fetchTopicOffsets(topic)
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
      for (const h of high) {
        const c = offsets?.partitions.find((p) => p.partition === h.partition)
        expect(c?.offset).toBe(h.high)
      }
    } finally {
      await admin.disconnect()
    }
    const rs = await ch.client.query({
      query: 'SELECT count() AS n, uniqExact(event_id) AS ids FROM events FINAL',
      format: 'JSONEachRow',
    })
    expect(await rs.json()).toEqual([{ n: EVENTS, ids: EVENTS }])
  }, 120_000)
})
