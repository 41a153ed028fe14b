// The event log's lanes: several produce requests in flight at once, each project's events still in
// the order they were appended, also when the broker dies while every lane has work in flight and
// the log switches to its spool and back. Against a real broker (its own, for the outage).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startLocalKafka, type LocalKafka } from '../../lib/kafka/local-broker.ts'
import { ensureTopics } from '../../lib/kafka/topics.ts'
import { EventLog, type Durability } from '../../services/ingest/event-log.ts'
import { Spool } from '../../services/ingest/spool.ts'
import { readTopic } from '../support/kafka.ts'

const silent = pino({ level: 'silent' })
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookhouse-lanes-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Appended {
  key: string
  seq: number
  done: Promise<Durability>
}

/** An event log on a fresh topic that records when each produce request ran. */
async function openLog(brokers: string[], lanes: number) {
  const topic = `lanes-${randomUUID()}`
  await ensureTopics(brokers, [{ topic, partitions: 3 }])
  const spool = await Spool.open(join(dir, randomUUID()), 64 * 1024 * 1024)
  const produced: { start: number; end: number }[] = []
  const log = new EventLog({
    brokers,
    spool,
    log: silent,
    lanes,
    sendTimeoutMs: 1500,
    drainIntervalMs: 200,
    onProduced: (seconds) => {
      const end = performance.now()
      produced.push({ start: end - seconds * 1000, end })
    },
  })
  const appended: Appended[] = []
  const next = new Map<string, number>()
  const append = (key: string) => {
    const seq = next.get(key) ?? 0
    next.set(key, seq + 1)
    const value = Buffer.from(JSON.stringify({ key, seq, pad: 'x'.repeat(500) }))
    appended.push({ key, seq, done: log.append({ topic, key: Buffer.from(key), value }) })
  }
  return { topic, log, produced, appended, append }
}

/** The most produce requests that were in flight at one time. */
function maxInFlight(intervals: { start: number; end: number }[]): number {
  const edges = intervals.flatMap((i) => [
    { at: i.start, d: 1 },
    { at: i.end, d: -1 },
  ])
  edges.sort((a, b) => a.at - b.at || a.d - b.d)
  let now = 0
  let max = 0
  for (const e of edges) max = Math.max(max, (now += e.d))
  return max
}

/** Every acknowledged record is in the log, and each key's first appearances are in append order. */
async function expectInOrder(brokers: string[], topic: string, appended: Appended[]) {
  const outcomes = await Promise.allSettled(appended.map((a) => a.done))
  const acked = appended.filter((_, i) => outcomes[i]?.status === 'fulfilled')
  expect(acked.length).toBe(appended.length)
  const records = await readTopic(brokers, topic, acked.length, 60_000)
  const seen = new Map<string, number[]>()
  for (const r of records) {
    const { key, seq } = JSON.parse(r.value.toString()) as { key: string; seq: number }
    expect(r.key).toBe(key)
    const list = seen.get(key) ?? []
    if (!list.includes(seq)) list.push(seq)
    seen.set(key, list)
  }
  for (const key of new Set(acked.map((a) => a.key))) {
    const sent = acked.filter((a) => a.key === key).map((a) => a.seq)
    expect(seen.get(key), `order of key ${key}`).toEqual(sent)
  }
}

describe('event log lanes', () => {
  it('keeps several produce requests in flight and each key in order', async () => {
    const brokers = inject('kafkaBrokers')
    const keys = Array.from({ length: 16 }, (_, i) => `project-${i}`)
    const results: Record<number, number> = {}
    for (const lanes of [1, 4]) {
      const { topic, log, produced, appended, append } = await openLog(brokers, lanes)
      // Bursts with pauses, so batches are small and requests overlap when they can.
      for (let burst = 0; burst < 40; burst++) {
        for (const key of keys) append(key)
        await new Promise((r) => setImmediate(r))
      }
      await expectInOrder(brokers, topic, appended)
      expect(await Promise.all(appended.map((a) => a.done))).toEqual(appended.map(() => 'kafka'))
      await log.close()
      results[lanes] = maxInFlight(produced)
    }
    expect(results[1]).toBe(1)
    expect(results[4]).toBeGreaterThan(1)
  })

  describe('when the broker dies under load', () => {
    let kafka: LocalKafka
    beforeAll(async () => {
      kafka = await startLocalKafka({ dataDir: join(dir, 'kafka') })
    })
    afterAll(async () => {
      await kafka?.stop()
    })

    it('spools and drains without losing or reordering a key', async () => {
      const { topic, log, appended, append } = await openLog(kafka.brokers, 4)
      const keys = Array.from({ length: 12 }, (_, i) => `project-${i}`)
      let stop = false
      const load = (async () => {
        while (!stop) {
          for (const key of keys) append(key)
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      await new Promise((r) => setTimeout(r, 1000))
      kafka.kill()
      await new Promise((r) => setTimeout(r, 3000))
      await kafka.restart()
      await new Promise((r) => setTimeout(r, 2000))
      stop = true
      await load
      const durabilities = await Promise.all(appended.map((a) => a.done))
      expect(durabilities).toContain('spool')
      expect(durabilities).toContain('kafka')
      expect(await log.drained(60_000)).toBe(true)
      await expectInOrder(kafka.brokers, topic, appended)
      await log.close()
    }, 180_000)
  })
})
