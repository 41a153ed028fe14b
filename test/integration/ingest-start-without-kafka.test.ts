// `hookhouse ingest` started while Kafka is down: it listens at once and spools what it accepts
// (GitLab's 10 s timeout does not wait for Kafka), creates its topics once a broker answers, and
// drains the spool into them.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCodec } from '../../lib/avro/codec.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { freePort, startLocalKafka, type LocalKafka } from '../../lib/kafka/local-broker.ts'
import { schemasDir } from '../../lib/paths.ts'
import {
  PeakMemory,
  startIngestProcess,
  type ServiceProcess,
} from '../../scripts/reliability/processes.ts'
import { readTopic } from '../support/kafka.ts'
import { seed } from '../support/seeds.ts'
import { until } from '../support/until.ts'

let dir: string
let kafka: LocalKafka | undefined
let ingest: ServiceProcess | undefined

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookhouse-no-kafka-'))
})
afterAll(async () => {
  await ingest?.stop()
  await kafka?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('hookhouse ingest without Kafka at start', () => {
  it('answers from its spool, then creates its topics and drains into them', async () => {
    const brokerPort = await freePort()
    const topic = `events-${randomUUID()}`
    const token = 'start-without-kafka'
    ingest = await startIngestProcess({
      name: 'ingest',
      kafka: {
        brokers: [`127.0.0.1:${brokerPort}`],
        topic,
        deadLetterTopic: `${topic}.dlq`,
        partitions: 3,
      },
      dataDir: join(dir, 'ingest'),
      port: await freePort(),
      token,
      logDir: dir,
      memory: new PeakMemory(),
    })
    const url = ingest.readyLine.replace(/^ingest: /, '')
    const push = seed('gitlab-11/push')
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...push.headers, 'content-type': 'application/json', 'x-gitlab-token': token },
      body: push.body,
    })
    expect(res.status).toBe(202)
    const { id } = (await res.json()) as { id: string }

    kafka = await startLocalKafka({ dataDir: join(dir, 'kafka'), preferredPort: brokerPort })
    expect(kafka.port).toBe(brokerPort)
    const readyz = url.replace('/webhooks', '/readyz')
    let state: unknown
    await until(
      'the ingest to reach Kafka',
      async () => {
        state = await (await fetch(readyz)).json()
        return (state as { kafka: string }).kafka === 'ok'
      },
      60_000,
      500,
    )
    expect(state).toMatchObject({ kafka: 'ok', spool: { depth: 0 } })
    const [record] = await readTopic(kafka.brokers, topic, 1)
    const event = createCodec<Event>(schemasDir, 'event').decode(record?.value ?? Buffer.alloc(0))
    expect(event.event_id).toBe(id)
    expect(event.kind).toBe('push')
  }, 180_000)
})
