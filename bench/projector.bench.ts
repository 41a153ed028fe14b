// Projector throughput into embedded ClickHouse, split into its parts, and end-to-end freshness.
//
// Throughput: N unique synthetic events are produced to a fresh topic first; then, side by side
// in one run, (1) decode + fold alone in memory, (2) the kafkajs consumer alone reading and
// committing (no ClickHouse), (3) the real projector, each over the same N events. Comparing (2)
// with (3) says whether Kafka consumption is the bottleneck.
//
// Freshness: the real ingest and projector in this process (as `hookhouse start` runs them); a
// child process posts unique deliveries at a fixed rate; a poller on its own ClickHouse session
// notes when each event's row becomes visible. Freshness = visible - acknowledged (2xx).
import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { Consumer as PlatformaticConsumer, MessagesStreamModes } from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { createCodec } from '../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../lib/avro/types.generated.ts'
import {
  embedded,
  openClickHouse,
  type ClickHouseTarget,
} from '../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../lib/clickhouse/migrations.ts'
import { insertRows } from '../lib/clickhouse/insert-rows.ts'
import { startLocalKafka } from '../lib/kafka/local-broker.ts'
import { ensureTopics } from '../lib/kafka/topics.ts'
import { migrationsDir, schemasDir } from '../lib/paths.ts'
import { loadPanels } from '../services/dashboards/panels.ts'
import { readPanelParams } from '../services/dashboards/params.ts'
import { openReadOnlySession } from '../services/dashboards/read-only-session.ts'
import { runPanel } from '../services/dashboards/run-panel.ts'
import { startIngest } from '../services/ingest/index.ts'
import { openInsertSessions } from '../services/projector/index.ts'
import { createProjectorMetrics } from '../services/projector/metrics.ts'
import { fold, startProjector } from '../services/projector/projector.ts'
import type { Row } from '../services/projector/projections/types.ts'
import { fmt, median, percentile, table, type Benchmark, type BenchContext } from './harness.ts'
import { datasetTarget } from './generate-dataset.ts'
import { syntheticRecord } from './synthetic.ts'
import type { FreshnessAck, FreshnessSpec } from './freshness-load.ts'

export const benchmark: Benchmark = {
  name: 'projector',
  description:
    'projector events/s into embedded ClickHouse (and its parts); freshness at a fixed rate',
  run,
}

const eventCodec = createCodec<Event>(schemasDir, 'event')
const deadLetterCodec = createCodec<DeadLetter>(schemasDir, 'dead_letter')
const silent = pino({ level: 'silent' })

async function run(ctx: BenchContext): Promise<void> {
  const { values: opt } = parseArgs({
    args: ctx.args,
    strict: false,
    options: {
      events: { type: 'string', default: '200000' },
      rate: { type: 'string', default: '1000' },
      'rate-duration': { type: 'string', default: '15' },
      batch: { type: 'string', default: '25000' },
      // Dashboards reading while the freshness phase runs: sessions looping over every panel.
      'read-load': { type: 'string', default: '0' },
    },
  })
  const n = Number(opt.events)
  const rate = Number(opt.rate)
  const rateSeconds = Number(opt['rate-duration'])
  const batchMaxEvents = Number(opt.batch)
  const readLoad = Number(opt['read-load'])

  const dir = mkdtempSync(join(tmpdir(), 'hookhouse-bench-projector-'))
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }))
  let brokers: string[]
  if (process.env.KAFKA_BROKERS) brokers = process.env.KAFKA_BROKERS.split(',')
  else {
    const kafka = await startLocalKafka({ dataDir: join(dir, 'kafka'), log: ctx.log, heapMb: 1024 })
    ctx.defer(() => kafka.stop())
    brokers = kafka.brokers
  }
  const target = datasetTarget(dir)
  await migrateTarget(target, migrationsDir)
  const clickhouse = await openClickHouse(target)
  ctx.defer(() => clickhouse.close())
  // As the service runs it: a batch's tables inserted concurrently.
  const insertSessions = await openInsertSessions(target)
  ctx.defer(async () => {
    for (const session of insertSessions) await session.close()
  })

  // Fill a topic with N unique events, encoded as the ingest would.
  const topic = `bench-projector-${randomUUID()}`
  await ensureTopics(brokers, [
    { topic, partitions: 6 },
    { topic: `${topic}.dlq`, partitions: 1 },
  ])
  const kafka = new Kafka({ brokers, clientId: 'bench', logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const synth = { projects: 50, startMs: Date.UTC(2026, 9, 1), spanMs: 30 * 86_400_000 }
  const encoded: { key: string; value: Buffer }[] = []
  let t = performance.now()
  for (let i = 0; i < n; i++) encoded.push(syntheticRecord(i, synth, eventCodec))
  const normaliseMs = performance.now() - t
  t = performance.now()
  // Kafka refuses a produce request over message.max.bytes (1 MiB by default): small sends.
  for (let i = 0; i < encoded.length; i += 200) {
    await producer.send({ topic, acks: -1, messages: encoded.slice(i, i + 200) })
  }
  const produceMs = performance.now() - t
  await producer.disconnect()
  const bytes = encoded.reduce((s, m) => s + m.value.length, 0)
  ctx.log(
    `${n} events (${fmt.int(bytes / n)} B each) normalised in ${fmt.int(normaliseMs)} ms, produced in ${fmt.int(produceMs)} ms`,
  )

  // (1) decode + fold only.
  t = performance.now()
  let rows = 0
  for (let i = 0; i < encoded.length; i += batchMaxEvents) {
    const slice = encoded
      .slice(i, i + batchMaxEvents)
      .map((m, k) => ({ offset: String(i + k), value: m.value }))
    for (const r of fold(slice, 0, eventCodec).rows.values()) rows += r.length
  }
  const foldMs = performance.now() - t

  // (1b) inserting the same folded rows, alternating, each into a fresh database: the RowBinary
  // scratch-file path insertRows takes, against the JSONEachRow text passthrough (chdb's rawInsert)
  // it replaced.
  const ways = ['JSONEachRow text, rawInsert', 'RowBinary file, insertRows'] as const
  const insertTimes = new Map<(typeof ways)[number], number[]>(ways.map((w) => [w, []]))
  const slice = encoded
    .slice(0, Math.min(encoded.length, 20_000))
    .map((m, k) => ({ offset: String(k), value: m.value }))
  const sliceRows = fold(slice, 0, eventCodec).rows
  // Bytes (an event's body) as text; a replacer would see Buffer's toJSON form instead.
  const asText = (row: Row) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [
          k,
          v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
        ]),
      ),
    )
  for (let round = 0; round < 3; round++) {
    for (const [w, how] of ways.entries()) {
      const db: ClickHouseTarget = { ...target, database: `cmp_${round}_${w}` }
      await migrateTarget(db, migrationsDir)
      const c = await openClickHouse(db)
      const native = embedded.get(c)
      if (!native) throw new Error('the insert comparison needs the embedded engine')
      const t0 = performance.now()
      for (const [table, values] of sliceRows) {
        if (values.length === 0) continue
        const settings = { date_time_input_format: 'best_effort' as const }
        if (w === 1) await insertRows(c, table, values, settings)
        else {
          await native.chdb.rawInsert({
            table: `${db.database}.${table}`,
            values: Buffer.from(values.map(asText).join('\n')),
            format: 'JSONEachRow',
            settings,
          })
        }
      }
      insertTimes.get(how)?.push(performance.now() - t0)
      await c.close()
    }
  }

  // (2) kafkajs consumer alone: fetch, commit, nothing else.
  t = performance.now()
  const consumer = kafka.consumer({
    groupId: `bench-read-${randomUUID()}`,
    // The projector's fetch sizes.
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let read = 0
  await new Promise<void>((done) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        read += batch.messages.length
        const last = batch.messages.at(-1)
        if (last) {
          await consumer.commitOffsets([
            { topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ])
        }
        if (read >= n) done()
      },
    })
  })
  const consumeMs = performance.now() - t
  await consumer.disconnect()

  // (2b) @platformatic/kafka's consumer alone, the same way: a batch is what one fetch brings
  // (its messages arrive one by one; the offsets are committed every 10,000 and at the end).
  t = performance.now()
  const plat = new PlatformaticConsumer({
    groupId: `bench-read-p-${randomUUID()}`,
    clientId: 'bench-read-p',
    bootstrapBrokers: brokers,
    maxBytes: 48 * 1024 * 1024,
    maxWaitTime: 250,
  })
  const stream = await plat.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: false,
  })
  let readP = 0
  const lastP = new Map<number, bigint>()
  const commitP = () =>
    plat.commit({
      offsets: [...lastP].map(([partition, offset]) => ({
        topic,
        partition,
        offset: offset + 1n,
        leaderEpoch: 0,
      })),
    })
  await new Promise<void>((done, fail) => {
    stream.on('data', (m: { partition: number; offset: bigint }) => {
      readP++
      lastP.set(m.partition, m.offset)
      if (readP % 10_000 === 0 || readP === n) {
        stream.pause()
        commitP().then(() => (readP >= n ? done() : stream.resume()), fail)
      }
    })
    stream.on('error', fail)
  })
  const consumePlatformaticMs = performance.now() - t
  await stream.close()
  await plat.close()

  // (3) the real projector.
  t = performance.now()
  const projector = await startProjector({
    brokers,
    topic,
    deadLetterTopic: `${topic}.dlq`,
    groupId: `bench-projector-${randomUUID()}`,
    clickhouse,
    insertSessions,
    eventCodec,
    deadLetterCodec,
    log: silent,
    metrics: createProjectorMetrics(),
    batchMaxEvents,
    batchMaxWaitMs: 250,
  })
  while (projector.folded < n) await new Promise((r) => setTimeout(r, 50))
  const projectMs = performance.now() - t
  await projector.close()

  console.log(
    `\nProjector throughput: ${fmt.int(n)} unique synthetic events, ${fmt.int(rows)} rows over 10 tables, batches of ${batchMaxEvents}`,
  )
  console.log(
    table(
      ['stage', 'ms', 'events/s'],
      [
        ['decode + fold only (in memory)', fmt.int(foldMs), fmt.int((n * 1000) / foldMs)],
        ...ways.map((how) => {
          const ms = median(insertTimes.get(how) ?? [])
          return [
            `insert ${slice.length} events' rows, ${how} (median of 3)`,
            fmt.int(ms),
            fmt.int((slice.length * 1000) / ms),
          ]
        }),
        ['kafkajs consume + commit only', fmt.int(consumeMs), fmt.int((n * 1000) / consumeMs)],
        [
          '@platformatic/kafka consume + commit only',
          fmt.int(consumePlatformaticMs),
          fmt.int((n * 1000) / consumePlatformaticMs),
        ],
        [
          'projector (consume, fold, insert, commit)',
          fmt.int(projectMs),
          fmt.int((n * 1000) / projectMs),
        ],
      ],
    ),
  )

  // Freshness: ingest and projector running, a fixed rate of unique deliveries.
  const freshTopic = `bench-fresh-${randomUUID()}`
  await ensureTopics(brokers, [
    { topic: freshTopic, partitions: 6 },
    { topic: `${freshTopic}.dlq`, partitions: 1 },
  ])
  const ingest = await startIngest({
    brokers,
    topic: freshTopic,
    deadLetterTopic: `${freshTopic}.dlq`,
    auth: { tokens: ['bench-token'], signingSecrets: [], allowUnauthenticated: false },
    host: '127.0.0.1',
    port: 0,
    bodyLimit: 1 << 24,
    spoolDir: join(dir, 'spool'),
    spoolMaxBytes: 1 << 30,
    log: silent,
  })
  ctx.defer(() => ingest.close())
  const live = await startProjector({
    brokers,
    topic: freshTopic,
    deadLetterTopic: `${freshTopic}.dlq`,
    groupId: `bench-fresh-${randomUUID()}`,
    clickhouse,
    insertSessions,
    eventCodec,
    deadLetterCodec,
    log: silent,
    metrics: createProjectorMetrics(),
    batchMaxEvents,
    batchMaxWaitMs: 100,
  })
  ctx.defer(() => live.close())
  const reader = await openClickHouse(target)
  ctx.defer(() => reader.close())

  const acked = new Map<string, number>()
  const visible = new Map<string, number>()
  let polling = true
  const poller = (async () => {
    while (polling) {
      const rs = await reader.query({
        query:
          "SELECT event_id FROM events WHERE received_at >= now64(3) - INTERVAL 10 SECOND AND startsWith(event_id, 'fresh-')",
        format: 'JSONCompactEachRow',
      })
      const now = Date.now()
      for (const [id] of await rs.json<[string]>()) if (!visible.has(id)) visible.set(id, now)
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  const readers =
    readLoad > 0
      ? await panelReadLoad(target, readLoad, new Date(synth.startMs).toISOString())
      : undefined
  const spec: FreshnessSpec = {
    url: ingest.url,
    rate,
    seconds: rateSeconds,
    token: 'bench-token',
    offset: n,
  }
  const child = fork(
    fileURLToPath(new URL('./freshness-load.ts', import.meta.url)),
    [JSON.stringify(spec)],
    {
      execArgv: [],
    },
  )
  ctx.defer(() => child.kill())
  let failed = 0
  await new Promise<void>((done, fail) => {
    child.on('message', (m: FreshnessAck | { done: true }) => {
      if ('done' in m) return done()
      if (m.status >= 200 && m.status < 300) acked.set(m.id, m.at)
      else failed++
    })
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`load exited ${code}`))))
  })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && [...acked.keys()].some((id) => !visible.has(id))) {
    await new Promise((r) => setTimeout(r, 100))
  }
  polling = false
  await poller
  const reads = await readers?.stop()
  const lags = [...acked].flatMap(([id, at]) => {
    const v = visible.get(id)
    return v === undefined ? [] : [Math.max(0, v - at)]
  })
  lags.sort((a, b) => a - b)
  console.log(
    `\nFreshness: ${rate} deliveries/s for ${rateSeconds} s through ingest -> Kafka -> projector -> ClickHouse (poll every 20 ms)`,
  )
  if (reads)
    console.log(
      `while ${readLoad} dashboards sessions ran every panel in a loop: ${fmt.int(reads.queries)} panel queries, ${fmt.int(reads.failed)} failed`,
    )
  console.log(
    table(
      ['acknowledged', 'not 2xx', 'visible', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        [
          fmt.int(acked.size),
          fmt.int(failed),
          fmt.int(lags.length),
          fmt.int(percentile(lags, 50)),
          fmt.int(percentile(lags, 95)),
          fmt.int(percentile(lags, 99)),
          fmt.int(lags.at(-1) ?? Number.NaN),
        ],
      ],
    ),
  )
}

export type { BenchContext }

/**
 * `sessions` dashboards sessions, each running every panel from `from` to now back to back until
 * stopped: several people with the dashboards open, beside the projector.
 */
async function panelReadLoad(target: ClickHouseTarget, sessions: number, from: string) {
  const session = await openReadOnlySession(target, { sessions })
  const panels = loadPanels().map((panel) => {
    const params = readPanelParams(panel, { from, to: 'now' })
    if (!params.ok) throw new Error(`${panel.name}: ${params.error.message}`)
    return { panel, values: params.values }
  })
  let running = true
  let queries = 0
  let failed = 0
  const loops = Array.from({ length: sessions }, async () => {
    while (running) {
      for (const { panel, values } of panels) {
        if (!running) break
        await runPanel(session, panel, values).then(
          () => queries++,
          () => failed++,
        )
      }
    }
  })
  return {
    async stop() {
      running = false
      await Promise.all(loops)
      await session.close()
      return { queries, failed }
    },
  }
}
