// The projector: consume the event log, fold each batch into rows per table, insert each table's
// rows in one insert, and commit the Kafka offsets only after ClickHouse acknowledged every insert
// of the batch. A crash anywhere before the commit replays the batch; the tables are
// ReplacingMergeTree keyed so that a replayed row replaces its twin (read with FINAL), and
// identical retries are dropped outright by insert_deduplication_token.
//
// Two stages overlap: while one batch is inserted (on the engine's threads) and committed, the
// next is fetched and folded (on this one). The offsets still move only after the inserts: a batch
// that cannot be inserted or committed rewinds its partitions (seek) to the last committed offset,
// and every batch already folded behind it is dropped and fetched again.
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
    for (const p of projections) rows.get(p.table)?.push(...p.project(event, at))
  }
  return { rows, poison }
}

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
    // Large fetches: one insert per table costs about the same for 1,000 rows as for 10,000.
    maxBytes: 48 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
  })
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning ?? true })
  let folded = 0
  let skipped = 0

  // One after another: an embedded session runs one query at a time anyway.
  const insertAll = async (rows: Map<string, Row[]>, token: string) => {
    for (const [table, values] of rows) {
      if (values.length === 0) continue
      const started = process.hrtime.bigint()
      await insertRows(opts.clickhouse, table, values, {
        date_time_input_format: 'best_effort',
        insert_deduplicate: 1,
        insert_deduplication_token: `${token}:${table}`,
      })
      opts.metrics.insertSeconds.observe({ table }, Number(process.hrtime.bigint() - started) / 1e9)
    }
  }

  interface Slice {
    topic: string
    partition: number
    messages: KafkaMessage[]
    highWatermark: string
    first: bigint
    /** The offset after the slice's last record: what a commit of it stores. */
    next: bigint
  }
  interface Group {
    /** In arrival order; one partition may have several, each starting where the last ended. */
    slices: Slice[]
    /** Rewinds and rejoins since start: a group begun before the latest one is stale. */
    epoch: number
    rows: Map<string, Row[]>
    poison: { slice: Slice; record: FoldResult['poison'][number] }[]
    events: number
    /** submit() calls held back because the group was full, released when it is handed over. */
    handedOver: (() => void)[]
  }

  // Per partition, the first offset not yet committed: where a rewind seeks back to, and where
  // the next group of that partition must begin. Set when a partition's first slice arrives after
  // a (re)join, moved by each commit.
  const uncommitted = new Map<number, bigint>()
  let epoch = 0
  let backoffMs = 0

  const deadLetterPoison = async (slice: Slice, p: FoldResult['poison'][number]) => {
    // An undecodable record cannot be projected, now or on replay: keep it with the reason on
    // the dead-letter topic, and let the group go on.
    opts.log.error(
      { partition: slice.partition, offset: p.offset, reason: p.reason },
      'poison record dead-lettered',
    )
    opts.metrics.poison.inc()
    await producer.send({
      topic: opts.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: `${slice.topic}:${slice.partition}:${p.offset}`,
          value: opts.deadLetterCodec.encode({
            reason: `undecodable record at ${slice.topic}[${slice.partition}]@${p.offset}: ${p.reason}`,
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

  /** Folds a slice into the group on arrival, so folding overlaps the previous group's store. */
  const addSlice = (group: Group, slice: Slice) => {
    const result = fold(slice.messages, slice.partition, opts.eventCodec)
    for (const [table, r] of result.rows) {
      const into = group.rows.get(table)
      if (into) for (const row of r) into.push(row)
      else group.rows.set(table, r)
    }
    for (const record of result.poison) group.poison.push({ slice, record })
    group.slices.push(slice)
    group.events += slice.messages.length
  }

  /** Sends the group's partitions back to their first uncommitted offset, to be fetched again. */
  const rewind = (group: Group) => {
    for (const slice of group.slices) {
      const to = uncommitted.get(slice.partition)
      if (to !== undefined) {
        consumer.seek({ topic: slice.topic, partition: slice.partition, offset: to.toString() })
      }
    }
  }

  /** Where each partition of the group ends; null if a slice does not start where it must. */
  const contiguousEnds = (group: Group): Map<number, bigint> | null => {
    const ends = new Map<number, bigint>()
    for (const s of group.slices) {
      const start = ends.get(s.partition) ?? uncommitted.get(s.partition) ?? s.first
      if (s.first !== start) return null
      ends.set(s.partition, s.next)
    }
    return ends
  }

  const insertAndCommit = async (group: Group, ends: Map<number, bigint>) => {
    for (const { slice, record } of group.poison) await deadLetterPoison(slice, record)
    const ranges = group.slices.map((slice) => ({
      partition: slice.partition,
      first: slice.first.toString(),
      last: (slice.next - 1n).toString(),
    }))
    const token = `${group.slices[0]?.topic}:${[...ranges]
      .sort((a, b) => a.partition - b.partition || Number(BigInt(a.first) - BigInt(b.first)))
      .map((r) => `${r.partition}@${r.first}-${r.last}`)
      .join(',')}`
    await insertAll(group.rows, token)
    for (const r of ranges) await opts.beforeCommit?.(r)
    // Only now, with every insert acknowledged, does the group move past these records.
    await consumer.commitOffsets(
      [...ends].map(([partition, next]) => ({
        topic: opts.topic,
        partition,
        offset: next.toString(),
      })),
    )
  }

  const storeGroup = async (group: Group) => {
    // Begun before a rewind or rejoin, or not starting where its partition's committed offset
    // stands (a slice fetched before a seek took effect): fetch it again, never insert out of
    // order.
    const ends = group.epoch === epoch ? contiguousEnds(group) : null
    if (ends === null) return rewind(group)
    if (backoffMs > 0) await new Promise((r) => setTimeout(r, backoffMs))
    try {
      await insertAndCommit(group, ends)
    } catch (err) {
      backoffMs = Math.min(30_000, Math.max(500, backoffMs * 2))
      opts.log.error(
        { err, partitions: [...ends.keys()], retryInMs: backoffMs },
        'batch not stored; its partitions go back to the last committed offset',
      )
      epoch++
      rewind(group)
      dropFilling()
      return
    }
    backoffMs = 0
    for (const [partition, next] of ends) uncommitted.set(partition, next)
    const poisoned = group.poison.length
    folded += group.events - poisoned
    skipped += poisoned
    opts.metrics.events.inc(group.events - poisoned)
    opts.metrics.batchSize.observe(group.events)
    for (const slice of group.slices) {
      opts.metrics.lag.set(
        { partition: String(slice.partition) },
        Math.max(0, Number(BigInt(slice.highWatermark) - slice.next)),
      )
    }
  }

  // Group commit. kafkajs hands over one partition's batch per eachBatch call, concurrently for
  // the partitions of one fetch; each is folded into the group being filled on arrival. The group
  // is stored when nothing else is being stored: after a short linger when idle (so the slices of
  // one fetch meet in one insert per table), or as soon as the previous group is stored when busy
  // (so a batch grows with the load and freshness stays near one store's time). While a group is
  // stored, the slices of the next fetch fill the next group and wait for its handover: at most
  // one group is stored while one fills.
  let filling: Group | null = null
  let storing = false
  let lingerTimer: NodeJS.Timeout | undefined
  let chain: Promise<void> = Promise.resolve()
  let closing = false

  const startNext = () => {
    clearTimeout(lingerTimer)
    lingerTimer = undefined
    if (storing || filling === null) return
    const group = filling
    filling = null
    storing = true
    for (const release of group.handedOver) release()
    chain = storeGroup(group)
      .catch((err: unknown) => opts.log.error({ err }, 'projector batch failed unexpectedly'))
      .finally(() => {
        storing = false
        startNext()
      })
  }

  /** The group being filled is dropped (rewound): after a failed store, or a rejoin. */
  const dropFilling = () => {
    const group = filling
    filling = null
    if (!group) return
    rewind(group)
    for (const release of group.handedOver) release()
  }

  const submit = (slice: Slice): Promise<void> => {
    // Closing: not stored and not committed, so the next run fetches it again.
    if (closing) return Promise.resolve()
    if (!uncommitted.has(slice.partition)) uncommitted.set(slice.partition, slice.first)
    filling ??= { slices: [], epoch, rows: new Map(), poison: [], events: 0, handedOver: [] }
    const group = filling
    addSlice(group, slice)
    const full = group.events >= opts.batchMaxEvents
    if (!storing && !full) {
      lingerTimer ??= setTimeout(startNext, opts.batchLingerMs ?? 20)
      return Promise.resolve()
    }
    // Held until the group is handed over: kafkajs then fetches once more while a group is
    // stored, not in a tight loop that would take the CPU the store and the ingest need.
    const handedOver = new Promise<void>((r) => group.handedOver.push(r))
    if (full) startNext()
    return handedOver
  }

  // After a (re)join the group hands out partitions from their committed offsets: whatever was
  // folded before belongs to the old assignment.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    uncommitted.clear()
    epoch++
    dropFilling()
  })

  const eachBatch = async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    for (let i = 0; i < batch.messages.length; i += opts.batchMaxEvents) {
      if (!isRunning() || isStale()) return
      const messages = batch.messages.slice(i, i + opts.batchMaxEvents)
      const last = messages.at(-1)
      if (!last || messages[0] === undefined) return
      await submit({
        topic: batch.topic,
        partition: batch.partition,
        messages,
        highWatermark: batch.highWatermark,
        first: BigInt(messages[0].offset),
        next: BigInt(last.offset) + 1n,
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
      // Store what is folded before leaving: stop fetching, then let the chain run dry.
      consumer.pause([{ topic: opts.topic }])
      closing = true
      startNext()
      while (storing) await chain
      await consumer.disconnect()
      await producer.disconnect()
    },
  }
}
