// Kafka dies mid-stream (kill -9): the ingest keeps answering, from its spool (202), and every
// event it acknowledged reaches the topic once the broker is back, in order per project. The
// ingest restarted with a full spool drains it too. Uses a broker of its own to kill.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCodec } from '../../lib/avro/codec.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { startLocalKafka, type LocalKafka } from '../../lib/kafka/local-broker.ts'
import { schemasDir } from '../../lib/paths.ts'
import { readTopic } from '../support/kafka.ts'
import { seed } from '../support/seeds.ts'
import { startTestIngest } from '../support/ingest.ts'

const codec = createCodec<Event>(schemasDir, 'event')
let kafka: LocalKafka
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookhouse-outage-'))
  kafka = await startLocalKafka({ dataDir: join(dir, 'kafka') })
})
afterAll(async () => {
  await kafka?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** A push of project 7 whose body carries a sequence number, so order can be checked. */
function push(n: number): string {
  const body = JSON.parse(seed('gitlab-11/push').body) as Record<string, unknown>
  return JSON.stringify({
    ...body,
    project_id: 7,
    project: { ...(body.project as object), id: 7 },
    after: `seq-${n}`,
  })
}

describe('a Kafka outage', () => {
  it('loses no acknowledged event, and keeps one project in order', async () => {
    const spoolDir = join(dir, 'spool')
    let ingest = await startTestIngest(kafka.brokers, {}, { spoolDir })
    const topic = ingest.topic
    const acked: { n: number; id: string; status: number }[] = []
    const send = async (n: number) => {
      const started = Date.now()
      const res = await ingest.post(push(n), { 'x-gitlab-event': 'Push Hook' })
      expect(Date.now() - started, 'answered within GitLab 10 s timeout').toBeLessThan(10_000)
      expect([200, 202]).toContain(res.status)
      acked.push({ n, id: (res.json as { id: string }).id, status: res.status })
    }

    for (let n = 0; n < 10; n++) await send(n)
    expect(acked.every((a) => a.status === 200)).toBe(true)

    kafka.kill()
    for (let n = 10; n < 30; n++) await send(n)
    expect(acked.filter((a) => a.status === 202).length).toBeGreaterThan(0)
    const ready = await fetch(ingest.url.replace('/webhooks', '/readyz'))
    expect(await ready.json()).toMatchObject({
      kafka: 'unreachable',
      spool: { depth: expect.any(Number) },
    })

    // The ingest stops with events still in its spool; a new one on the same spool takes over.
    await ingest.stop()
    await kafka.restart()
    ingest = await startTestIngest(kafka.brokers, {}, { spoolDir, topic })
    for (let n = 30; n < 35; n++) await send(n)
    expect(await ingest.eventLog.drained(60_000)).toBe(true)
    await ingest.stop()

    const records = await readTopic(kafka.brokers, topic, acked.length, 60_000)
    const events = records.map((r) => codec.decode(r.value))
    const ids = new Set(events.map((e) => e.event_id))
    for (const a of acked) expect(ids.has(a.id), `event ${a.n} (${a.status})`).toBe(true)
    // Same key, same partition: the log order of first appearances is the order they were sent.
    const seqs = events.map((e) => Number(JSON.parse(e.body.toString()).after.slice(4)))
    const firstSeen = seqs.filter((s, i) => seqs.indexOf(s) === i)
    expect(firstSeen).toEqual(acked.map((a) => a.n))
  })
})
