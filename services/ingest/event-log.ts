// The durable append behind every 2xx: idempotent Kafka producers with acks=all, and the local
// spool when Kafka does not answer in time. Records are spread over lanes by key, each lane with
// its own idempotent producer (which allows one request in flight) and its own batch queue:
// whatever arrives while a lane's request is in flight goes in its next one. One key always takes
// the same lane, so a project's events keep their order. One lane is the default: more lanes put
// several requests in flight, which shortens the wait behind a slow (remote) broker but splits
// the same events into smaller requests, each with a fixed CPU cost (docs/benchmarks.md). While the spool holds anything, every lane appends there instead, behind it,
// and a drainer moves the spool to Kafka in order once it answers again.
import { crc32 } from 'node:zlib'
import { ProduceAcks, Producer } from '@platformatic/kafka'
import type { Logger } from '../../lib/logger.ts'
import { SpoolFullError, type Spool, type SpoolRecord } from './spool.ts'

export type Durability = 'kafka' | 'spool'

/** Kafka refused the record for its size (the topic's max.message.bytes): retrying cannot help. */
export class RecordTooLargeError extends Error {
  override name = 'RecordTooLargeError'
}

function isTooLarge(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const e = err as {
    message?: string
    apiId?: string
    apiCode?: number
    errors?: unknown[]
    cause?: unknown
  }
  if (e.apiId === 'MESSAGE_TOO_LARGE' || e.apiCode === 10) return true
  if (typeof e.message === 'string' && /too large|max message size/i.test(e.message)) return true
  return (e.errors ?? []).some(isTooLarge) || isTooLarge(e.cause)
}

export interface EventLogOptions {
  brokers: string[]
  spool: Spool
  log: Logger
  /** How long a produce may take before the batch goes to the spool instead. */
  sendTimeoutMs?: number
  maxBatch?: number
  /** Bytes per produce request; Kafka refuses a request over the topic's max.message.bytes. */
  maxBatchBytes?: number
  drainIntervalMs?: number
  /** Produce requests in flight at once, one per lane (default 1). */
  lanes?: number
  /** A spooled record Kafka will never take (too large): called, then skipped. */
  onUndeliverable?: (record: SpoolRecord, reason: string) => void
  onProduced?: (seconds: number, count: number) => void
}

interface Waiting {
  record: SpoolRecord
  resolve: (d: Durability) => void
  reject: (err: Error) => void
}

type KafkaProducer = Producer<Buffer, Buffer, string, string>

interface Lane {
  producer: KafkaProducer
  queue: Waiting[]
  flushing: boolean
}

export class EventLog {
  readonly #lanes: Lane[]
  readonly #spool: Spool
  readonly #log: Logger
  readonly #sendTimeoutMs: number
  readonly #maxBatch: number
  readonly #maxBatchBytes: number
  readonly #onUndeliverable: EventLogOptions['onUndeliverable']
  readonly #onProduced: EventLogOptions['onProduced']
  #spooling: boolean
  #kafkaOk = true
  #drainTimer: NodeJS.Timeout
  #draining = false
  #closed = false

  constructor(opts: EventLogOptions) {
    this.#spool = opts.spool
    this.#log = opts.log
    this.#sendTimeoutMs = opts.sendTimeoutMs ?? 3000
    this.#maxBatch = opts.maxBatch ?? 1000
    this.#maxBatchBytes = opts.maxBatchBytes ?? 900 * 1024
    this.#onUndeliverable = opts.onUndeliverable
    this.#onProduced = opts.onProduced
    this.#spooling = opts.spool.depth > 0
    const lanes = opts.lanes ?? 1
    if (!Number.isInteger(lanes) || lanes < 1)
      throw new RangeError(`lanes must be 1 or more, got ${lanes}`)
    this.#lanes = Array.from({ length: lanes }, (_, i) => ({
      producer: createProducer(opts.brokers, i),
      queue: [],
      flushing: false,
    }))
    this.#drainTimer = setInterval(() => void this.#drain(), opts.drainIntervalMs ?? 1000)
    this.#drainTimer.unref()
  }

  get spoolDepth(): number {
    return this.#spool.depth
  }

  get spoolBytes(): number {
    return this.#spool.bytes
  }

  get spoolMaxBytes(): number {
    return this.#spool.maxBytes
  }

  /** True when the last produce succeeded and nothing waits in the spool. */
  get kafkaHealthy(): boolean {
    return this.#kafkaOk && !this.#spooling
  }

  /** Resolves once the record is durable: acknowledged by Kafka, or fsync'd in the spool. */
  append(record: SpoolRecord): Promise<Durability> {
    if (this.#closed) return Promise.reject(new Error('the event log is closed'))
    const lane = this.#laneOf(record.key)
    // Spooling and nothing of this lane ahead of it: straight to the spool. Otherwise behind the
    // lane's queue, which the lane spools in order if the spool is still in use when it gets there.
    if (this.#spooling && !lane.flushing)
      return this.#spool.append([record]).then(() => 'spool' as const)
    return new Promise((resolve, reject) => {
      lane.queue.push({ record, resolve, reject })
      if (!lane.flushing) void this.#flush(lane)
    })
  }

  /** One key, one lane: the order of a project's events is the order of its lane. */
  #laneOf(key: Buffer | null): Lane {
    const lanes = this.#lanes
    const lane = lanes.length === 1 || key === null ? lanes[0] : lanes[crc32(key) % lanes.length]
    return lane as Lane
  }

  async #flush(lane: Lane): Promise<void> {
    lane.flushing = true
    while (lane.queue.length > 0) {
      const batch = lane.queue.splice(
        0,
        this.#batchLength(lane.queue, (w) => w.record),
      )
      if (this.#spooling) {
        await this.#toSpool(batch)
        continue
      }
      const started = process.hrtime.bigint()
      try {
        await this.#send(
          lane.producer,
          batch.map((w) => w.record),
        )
        this.#kafkaOk = true
        this.#onProduced?.(Number(process.hrtime.bigint() - started) / 1e9, batch.length)
        for (const w of batch) w.resolve('kafka')
      } catch (err) {
        if (isTooLarge(err)) {
          await this.#sendOneByOne(lane, batch)
          continue
        }
        this.#startSpooling(err)
        await this.#toSpool(batch)
      }
    }
    lane.flushing = false
  }

  #startSpooling(err: unknown): void {
    this.#kafkaOk = false
    if (this.#spooling) return
    this.#spooling = true
    this.#log.warn({ err: (err as Error).message }, 'Kafka did not acknowledge in time: spooling')
  }

  /** How many of the first items fit one produce request (always at least one). */
  #batchLength<T>(items: readonly T[], recordOf: (item: T) => SpoolRecord): number {
    let bytes = 0
    let n = 0
    for (const item of items) {
      const r = recordOf(item)
      bytes += r.value.length + (r.key?.length ?? 0) + 64
      if (n > 0 && (bytes > this.#maxBatchBytes || n >= this.#maxBatch)) break
      n++
    }
    return n
  }

  /** After a size refusal: each record alone, so only the one too large is refused. */
  async #sendOneByOne(lane: Lane, batch: Waiting[]): Promise<void> {
    for (const w of batch) {
      if (this.#spooling) {
        await this.#toSpool([w])
        continue
      }
      try {
        await this.#send(lane.producer, [w.record])
        w.resolve('kafka')
      } catch (err) {
        if (isTooLarge(err)) {
          w.reject(
            new RecordTooLargeError(
              `the event (${w.record.value.length} bytes encoded) is over the max.message.bytes of topic ${w.record.topic}`,
            ),
          )
        } else {
          this.#startSpooling(err)
          await this.#toSpool([w])
        }
      }
    }
  }

  async #toSpool(batch: Waiting[]): Promise<void> {
    try {
      await this.#spool.append(batch.map((w) => w.record))
      for (const w of batch) w.resolve('spool')
    } catch (err) {
      // A full spool refuses the whole batch: none of it is acknowledged, so nothing is lost.
      for (const w of batch) w.reject(err instanceof SpoolFullError ? err : (err as Error))
    }
  }

  #send(producer: KafkaProducer, records: SpoolRecord[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.#sendTimeoutMs} ms`)),
        this.#sendTimeoutMs,
      )
    })
    const send = producer.send({
      messages: records.map((r) => ({ topic: r.topic, key: r.key ?? undefined, value: r.value })),
    })
    // A send that times out may still land later: then the event is in the log twice, with one
    // id, which the projector folds into one (at-least-once into Kafka, exactly-once in effect).
    send.catch(() => {})
    return Promise.race([send.then(() => undefined), timeout]).finally(() => clearTimeout(timer))
  }

  async #drain(): Promise<void> {
    if (this.#draining || this.#closed || !this.#spooling) return
    this.#draining = true
    try {
      for (;;) {
        const peeked = await this.#spool.peek(this.#maxBatch)
        const n = this.#batchLength(peeked.records, (r) => r)
        const records = peeked.records.slice(0, n)
        const next = n === peeked.records.length ? peeked.next : await this.#spool.positionAfter(n)
        if (records.length === 0) {
          // Everything spooled is in Kafka: new events may go straight there again. Checked with
          // no await between the test and the switch, so no append slips in between.
          if (this.#spool.depth === 0 && this.#spool.idle) {
            this.#spooling = false
            this.#log.info('spool drained: producing to Kafka directly again')
          }
          return
        }
        try {
          // One lane drains: the spool is one ordered sequence.
          await this.#send((this.#lanes[0] as Lane).producer, records)
        } catch (err) {
          const only = records[0]
          if (!(records.length === 1 && only && isTooLarge(err))) throw err
          // Spooled while Kafka was down, refused for its size now: it can never be delivered.
          this.#log.error(
            { topic: only.topic, bytes: only.value.length },
            'spooled record over the topic size limit: skipped',
          )
          this.#onUndeliverable?.(only, `over the max.message.bytes of topic ${only.topic}`)
        }
        this.#kafkaOk = true
        await this.#spool.commit(next, records.length)
      }
    } catch (err) {
      this.#kafkaOk = false
      this.#log.debug({ err: (err as Error).message }, 'spool drain: Kafka still unreachable')
    } finally {
      this.#draining = false
    }
  }

  /** Waits for the spool to empty (tests, shutdown); false on timeout. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.#spooling && this.#lanes.every((l) => l.queue.length === 0)) return true
      await this.#drain()
      await new Promise((r) => setTimeout(r, 100))
    }
    return false
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#drainTimer)
    while (this.#lanes.some((l) => l.flushing)) await new Promise((r) => setTimeout(r, 10))
    await Promise.all(this.#lanes.map((l) => l.producer.close(true).catch(() => {})))
    await this.#spool.close()
  }
}

function createProducer(brokers: string[], lane: number): KafkaProducer {
  return new Producer({
    clientId: `hookhouse-ingest-${lane}`,
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: 3,
    retryDelay: 200,
    connectTimeout: 2000,
    requestTimeout: 5000,
    autocreateTopics: false,
  })
}
