// The projector: consume the event log, fold each batch into rows per table, insert each table's
// rows in one insert, and commit the Kafka offsets only after ClickHouse acknowledged every insert
// of the batch. A crash anywhere before the commit replays the batch; the tables are
// ReplacingMergeTree keyed so that a replayed row replaces its twin (read with FINAL), and
// identical retries are dropped outright by insert_deduplication_token.
import {
  Kafka,
  logLevel,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type Producer,
} from 'kafkajs'
import type { ClickHouseClient } from '../../lib/clickhouse/client-factory.ts'
import { insertRows } from '../../lib/clickhouse/insert-rows.ts'
import type { Codec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import type { Logger } from '../../lib/logger.ts'
import { kafkajsLogCreator } from '../../lib/kafka/kafkajs-log.ts'
import { projections } from './projections/index.ts'
import type { Row } from './projections/types.ts'
import type { ProjectorMetrics } from './metrics.ts'

export interface ProjectorOptions {
  brokers: string[]
  topic: string
  deadLetterTopic: string
  groupId: string
  clickhouse: ClickHouseClient
  /**
   * More sessions on the same ClickHouse, so a batch's tables are inserted concurrently. An
   * embedded session runs one query at a time, and a small batch's store is mostly each insert's
   * fixed cost: three sessions stored 1,000 events' rows in 247 ms against 404 ms on one
   * (docs/benchmarks.md, "Projector throughput, session 3").
   */
  insertSessions?: ClickHouseClient[]
  eventCodec: Codec<Event>
  deadLetterCodec: Codec<DeadLetter>
  log: Logger
  metrics: ProjectorMetrics
  /** Most events folded into one insert per table. */
  batchMaxEvents: number
  /** Longest the broker holds a fetch to fill a batch: the floor of freshness at low traffic. */
  batchMaxWaitMs: number
  /** How long slices of other partitions may join a batch before it is folded (default 20). */
  batchLingerMs?: number
  /** How long the group waits for a silent member before giving its partitions away. */
  sessionTimeoutMs?: number
  fromBeginning?: boolean
  /** Fault injection for tests: runs after the inserts of a batch, before its offset commit. */
  beforeCommit?: (slice: { partition: number; first: string; last: string }) => Promise<void>
}

/** A group's rows, its poison records (with their partitions) and its number of records. */
interface FoldedGroup {
  rows: Map<string, Row[]>
  poison: (FoldResult['poison'][number] & { partition: number })[]
  events: number
}

export interface RunningProjector {
  /** Events folded since start. */
  readonly folded: number
  /** Poison records dead-lettered since start. */
  readonly skipped: number
  close(): Promise<void>
}

export interface FoldResult {
  rows: Map<string, Row[]>
  poison: { offset: string; reason: string; value: Buffer }[]
}

/** Decodes and folds one slice of a partition into rows per table. Pure but for the codec. */
export function fold(
  messages: { offset: string; value: Buffer | null }[],
  partition: number,
  codec: Codec<Event>,
): FoldResult {
  const rows = new Map<string, Row[]>(projections.map((p) => [p.table, []]))
  // Each projection's output array, looked up once per slice rather than once per event.
  const outputs = projections.map((p) => ({ project: p.project, into: rows.get(p.table) ?? [] }))
  const poison: FoldResult['poison'] = []
  for (const m of messages) {
    let event: Event
    try {
      if (!m.value) throw new Error('empty record')
      event = codec.decode(m.value)
    } catch (err) {
      poison.push({
        offset: m.offset,
        reason: (err as Error).message,
        value: m.value ?? Buffer.alloc(0),
      })
      continue
    }
    const at = { partition, offset: m.offset }
    for (const { project, into } of outputs) {
      for (const row of project(event, at)) into.push(row)
    }
  }
  return { rows, poison }
}

/** Events folded between two yields to the event loop. */
const FOLD_CHUNK = 1000

export async function startProjector(opts: ProjectorOptions): Promise<RunningProjector> {
  const kafka = new Kafka({
    brokers: opts.brokers,
    clientId: 'hookhouse-projector',
    logLevel: logLevel.INFO,
    logCreator: kafkajsLogCreator(opts.log),
  })
  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    maxWaitTimeInMs: opts.batchMaxWaitMs,
    // A lagging consumer gets several groups' worth per fetch (the broker caps a response at its
    // fetch.max.bytes, 55 MiB by default), so it stores full groups, one folded while the previous
    // one is stored. kafkajs's default of 10 MiB a fetch held groups near 3,800 synthetic events
    // (2.6 KB each) whatever batchMaxEvents said, and every store pays a fixed cost per table. A
    // caught-up consumer fetches what is there, so this changes nothing for freshness.
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
  })
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning ?? true })
  let folded = 0
  let skipped = 0

  // Each session takes the next table as it frees up, largest first; the batch is stored when
  // every insert is acknowledged (a failed one fails the batch, whose retry the tokens make
  // idempotent for the tables already inserted).
  const sessions = [opts.clickhouse, ...(opts.insertSessions ?? [])]
  const insertAll = async (rows: Map<string, Row[]>, token: string) => {
    const queue = [...rows]
      .filter(([, values]) => values.length > 0)
      .sort((a, b) => b[1].length - a[1].length)
    await Promise.all(
      sessions.map(async (session) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [table, values] = next
          const started = process.hrtime.bigint()
          await insertRows(session, table, values, {
            date_time_input_format: 'best_effort',
            insert_deduplicate: 1,
            insert_deduplication_token: `${token}:${table}`,
            // Rows of one insert are not collapsed by key on the way in: every read of these
            // tables folds versions (FINAL, argMax, GROUP BY) anyway, and the collapse was ~4% of
            // the engine's CPU per batch (docs/benchmarks.md, "Projector, session 4").
            optimize_on_insert: 0,
          })
          opts.metrics.insertSeconds.observe(
            { table },
            Number(process.hrtime.bigint() - started) / 1e9,
          )
        }
      }),
    )
  }

  // Group commit: kafkajs hands over one partition's batch per eachBatch call, concurrently for
  // the partitions of one fetch. Slices that arrive within a short linger are folded together,
  // so a fetch over six partitions costs one insert per table, not six; every call resolves only
  // after the shared inserts and the commit of its offsets.
  interface Slice {
    topic: string
    partition: number
    messages: KafkaMessage[]
    highWatermark: string
  }
  interface Pending {
    slice: Slice
    done: () => void
    fail: (err: Error) => void
  }
  let pending: Pending[] = []
  let pendingEvents = 0
  let lingerTimer: NodeJS.Timeout | undefined
  let chain: Promise<void> = Promise.resolve()
  let foldChain: Promise<void> = Promise.resolve()
  let storedBeforeLast: Promise<void> = Promise.resolve()

  const deadLetterPoison = async (topic: string, p: FoldedGroup['poison'][number]) => {
    // An undecodable record cannot be projected, now or on replay: keep it with the reason on
    // the dead-letter topic, and let the group go on.
    opts.log.error(
      { partition: p.partition, offset: p.offset, reason: p.reason },
      'poison record dead-lettered',
    )
    opts.metrics.poison.inc()
    await producer.send({
      topic: opts.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: `${topic}:${p.partition}:${p.offset}`,
          value: opts.deadLetterCodec.encode({
            reason: `undecodable record at ${topic}[${p.partition}]@${p.offset}: ${p.reason}`,
            code: 'HH_POISON',
            received_at: Date.now(),
            source: null,
            event_id: null,
            headers: {},
            body: p.value,
          }),
        },
      ],
    })
  }

  /**
   * Decodes and folds a group, a chunk at a time with a yield between chunks, so a group folded
   * while the previous one is stored does not hold up that store's next insert for long.
   */
  const foldGroup = async (group: Pending[]): Promise<FoldedGroup> => {
    const rows = new Map<string, Row[]>()
    const poison: FoldedGroup['poison'] = []
    let events = 0
    for (const { slice } of group) {
      for (let i = 0; i < slice.messages.length; i += FOLD_CHUNK) {
        if (events > 0) await new Promise((r) => setImmediate(r))
        const chunk = slice.messages.slice(i, i + FOLD_CHUNK)
        const result = fold(chunk, slice.partition, opts.eventCodec)
        for (const [table, r] of result.rows) {
          const into = rows.get(table)
          if (into) for (const row of r) into.push(row)
          else rows.set(table, r)
        }
        for (const p of result.poison) poison.push({ ...p, partition: slice.partition })
        events += chunk.length
      }
    }
    return { rows, poison, events }
  }

  const storeGroup = async (group: Pending[], folding: Promise<FoldedGroup>) => {
    try {
      const { rows, poison, events } = await folding
      for (const p of poison) await deadLetterPoison(group[0]?.slice.topic ?? opts.topic, p)
      const poisoned = poison.length
      // Each slice's last offset: its range, the offset its commit stores, and its lag.
      const slices = group.map(({ slice }) => ({
        slice,
        last: BigInt(slice.messages.at(-1)?.offset ?? '-1'),
      }))
      const ranges = slices.map(({ slice, last }) => ({
        partition: slice.partition,
        first: slice.messages[0]?.offset ?? '',
        last: String(last),
      }))
      const token = `${group[0]?.slice.topic}:${[...ranges]
        .sort((a, b) => a.partition - b.partition)
        .map((r) => `${r.partition}@${r.first}-${r.last}`)
        .join(',')}`
      await insertAll(rows, token)
      for (const r of ranges) await opts.beforeCommit?.(r)
      // Only now, with every insert acknowledged, does the group move past these records.
      await consumer.commitOffsets(
        slices.map(({ slice, last }) => ({
          topic: slice.topic,
          partition: slice.partition,
          offset: String(last + 1n),
        })),
      )
      folded += events - poisoned
      skipped += poisoned
      opts.metrics.events.inc(events - poisoned)
      opts.metrics.batchSize.observe(events)
      for (const { slice, last } of slices) {
        opts.metrics.lag.set(
          { partition: String(slice.partition) },
          Math.max(0, Number(BigInt(slice.highWatermark) - last - 1n)),
        )
      }
      for (const p of group) p.done()
    } catch (err) {
      for (const p of group) p.fail(err as Error)
    }
  }

  const flush = () => {
    clearTimeout(lingerTimer)
    lingerTimer = undefined
    const group = pending
    pending = []
    pendingEvents = 0
    if (group.length === 0) return
    // Two stages. Folds run one after another, each starting once the previous group is folded
    // and the one before that stored (so at most two groups' rows are held); stores run one after
    // another, in order. A caught-up consumer has one group per fetch: folded, then stored, as
    // before. A lagging one has several per fetch, and folds the next group on this thread while
    // the engine stores the previous one on its own. A partition is in at most one group in
    // flight (eachBatch submits its next slice only once the last one is stored), so a failed
    // store never lets a later group commit past records it did not store.
    const folding = Promise.all([foldChain, storedBeforeLast]).then(() => foldGroup(group))
    foldChain = folding.then(
      () => {},
      () => {},
    )
    storedBeforeLast = chain
    chain = chain.then(() => storeGroup(group, folding))
  }

  const submit = (slice: Slice) =>
    new Promise<void>((done, fail) => {
      pending.push({ slice, done, fail })
      pendingEvents += slice.messages.length
      if (pendingEvents >= opts.batchMaxEvents) flush()
      else lingerTimer ??= setTimeout(flush, opts.batchLingerMs ?? 20)
    })

  const eachBatch = async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    for (let i = 0; i < batch.messages.length; i += opts.batchMaxEvents) {
      if (!isRunning() || isStale()) return
      await submit({
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages.slice(i, i + opts.batchMaxEvents),
        highWatermark: batch.highWatermark,
      })
      await heartbeat()
    }
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    // Every partition this member holds, so one fetch's batches meet in one group commit.
    partitionsConsumedConcurrently: 64,
    eachBatch,
  })
  return {
    get folded() {
      return folded
    },
    get skipped() {
      return skipped
    },
    async close() {
      await consumer.disconnect()
      await producer.disconnect()
    },
  }
}
