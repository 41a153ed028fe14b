// A projector in a process of its own, for tests that kill it for real (kill -9). It folds the
// topic into the embedded ClickHouse at HOOKHOUSE_TEST_CH_DIR, prints `folded N` lines as it
// goes, and once its group has committed every offset of the topic prints `snapshot <json>`
// (numbers a user would read off the tables) and exits.
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import { openClickHouse } from '../../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../../lib/clickhouse/migrations.ts'
import { migrationsDir, schemasDir } from '../../lib/paths.ts'
import { openInsertSessions } from '../../services/projector/index.ts'
import { createProjectorMetrics } from '../../services/projector/metrics.ts'
import { startProjector } from '../../services/projector/projector.ts'

const env = (name: string) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required`)
  return v
}
const brokers = env('KAFKA_BROKERS').split(',')
const topic = env('HOOKHOUSE_TEST_TOPIC')
const groupId = env('HOOKHOUSE_TEST_GROUP')
const target = {
  url: undefined,
  user: 'default',
  password: '',
  database: 'hookhouse',
  dataDir: env('HOOKHOUSE_TEST_CH_DIR'),
}
await migrateTarget(target, migrationsDir)
const clickhouse = await openClickHouse(target)
// Three sessions, as services/projector/index.ts runs it, so a kill lands mid concurrent inserts.
const insertSessions = await openInsertSessions(target)
const projector = await startProjector({
  brokers,
  topic,
  deadLetterTopic: `${topic}.dlq`,
  groupId,
  clickhouse,
  insertSessions,
  eventCodec: createCodec<Event>(schemasDir, 'event'),
  deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
  log: pino({ level: process.env.HOOKHOUSE_TEST_LOG ?? 'silent' }, process.stderr),
  metrics: createProjectorMetrics(),
  batchMaxEvents: Number(process.env.HOOKHOUSE_TEST_BATCH ?? 100),
  batchMaxWaitMs: 50,
  batchLingerMs: 5,
  // A killed member's partitions move on after this, not after the default 30 s.
  sessionTimeoutMs: 6000,
})
const admin = new Kafka({
  brokers,
  clientId: 'projector-process',
  logLevel: logLevel.NOTHING,
}).admin()
await admin.connect()
for (;;) {
  process.stdout.write(`folded ${projector.folded}\n`)
  let done = false
  try {
    const high = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    done = high.every((h) => {
      const c = committed?.partitions.find((p) => p.partition === h.partition)
      return c !== undefined && BigInt(c.offset === '-1' ? h.low : c.offset) >= BigInt(h.high)
    })
  } catch {
    // the group coordinator is still loading: ask again
  }
  if (done) break
  await new Promise((r) => setTimeout(r, 100))
}
await projector.close()
await admin.disconnect()
const one = async (query: string) =>
  (
    await (await clickhouse.query({ query, format: 'JSONEachRow' })).json<Record<string, unknown>>()
  )[0]
const snapshot = {
  events: await one(
    'SELECT count() AS n, uniqExact(event_id) AS ids, sum(length(payload)) AS bytes FROM events FINAL',
  ),
  commits: await one(
    'SELECT count() AS n, uniqExact(author_email) AS authors, toString(min(pushed_at)) AS first FROM commits FINAL',
  ),
  pushes: await one('SELECT count() AS n, sum(commit_count) AS commits FROM pushes FINAL'),
  pipelines: await one(
    "SELECT count() AS n, sum(duration_s) AS seconds, countIf(status = 'success') AS ok FROM pipelines FINAL",
  ),
  jobs: await one(
    "SELECT count() AS n, sum(duration_s) AS seconds, countIf(status = 'failed') AS failed FROM jobs FINAL",
  ),
  mrs: await one(
    'SELECT count() AS n, arraySort(groupUniqArray(state)) AS states FROM merge_requests FINAL',
  ),
  mrEvents: await one('SELECT count() AS n FROM merge_request_events FINAL'),
}
for (const session of insertSessions) await session.close()
await clickhouse.close()
process.stdout.write(`snapshot ${JSON.stringify(snapshot)}\n`)
process.exit(0)
