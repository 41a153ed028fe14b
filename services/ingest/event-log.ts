// The durable append behind every 2xx: an idempotent Kafka producer with acks=all, and the local
// spool when Kafka does not answer in time. Appends are batched (whatever arrives while one
// produce request is in flight goes in the next), one request at a time, so order is kept.
// While the spool holds anything, new events go there too, behind it, and a drainer moves them
// to Kafka in order once it answers again.
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
  /** A spooled record Kafka will never take (too large): called, then skipped. */
  onUndeliverable?: (record: SpoolRecord, reason: string) => void
  onProduced?: (seconds: number, count: number) => void
}

interface Waiting {
  record: SpoolRecord
  resolve: (d: Durability) => void
  reject: (err: Error) => void
}

export class EventLog {
  readonly #producer: Producer<Buffer, Buffer, string, string>
  readonly #spool: Spool
  readonly #log: Logger
  readonly #sendTimeoutMs: number
  readonly #maxBatch: number
  readonly #maxBatchBytes: number
  readonly #onUndeliverable: EventLogOptions['onUndeliverable']
  readonly #onProduced: EventLogOptions['onProduced']
  #queue: Waiting[] = []
  #flushing = false
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
    this.#producer = new Producer({
      clientId: 'hookhouse-ingest',
      bootstrapBrokers: opts.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      retries: 3,
      retryDelay: 200,
      connectTimeout: 2000,
      requestTimeout: 5000,
      autocreateTopics: false,
    })
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
    if (this.#spooling) return this.#spool.append([record]).then(() => 'spool' as const)
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject })
      if (!this.#flushing) void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    this.#flushing = true
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#batchLength(this.#queue.map((w) => w.record)))
      if (this.#spooling) {
        await this.#toSpool(batch)
        continue
      }
      const started = process.hrtime.bigint()
      try {
        await this.#send(batch.map((w) => w.record))
        this.#kafkaOk = true
        this.#onProduced?.(Number(process.hrtime.bigint() - started) / 1e9, batch.length)
        for (const w of batch) w.resolve('kafka')
      } catch (err) {
        if (isTooLarge(err)) {
          await this.#sendOneByOne(batch)
          continue
        }
        this.#kafkaOk = false
        this.#spooling = true
        this.#log.warn(
          { err: (err as Error).message },
          'Kafka did not acknowledge in time: spooling',
        )
        await this.#toSpool(batch)
      }
    }
    this.#flushing = false
  }

  /** How many of the first records fit one produce request (always at least one). */
  #batchLength(records: SpoolRecord[]): number {
    let bytes = 0
    let n = 0
    for (const r of records) {
      bytes += r.value.length + (r.key?.length ?? 0) + 64
      if (n > 0 && (bytes > this.#maxBatchBytes || n >= this.#maxBatch)) break
      n++
    }
    return n
  }

  /** After a size refusal: each record alone, so only the one too large is refused. */
  async #sendOneByOne(batch: Waiting[]): Promise<void> {
    for (const w of batch) {
      try {
        await this.#send([w.record])
        w.resolve('kafka')
      } catch (err) {
        if (isTooLarge(err)) {
          w.reject(
            new RecordTooLargeError(
              `the event (${w.record.value.length} bytes encoded) is over the max.message.bytes of topic ${w.record.topic}`,
            ),
          )
        } else {
          this.#kafkaOk = false
          this.#spooling = true
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

  #send(records: SpoolRecord[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.#sendTimeoutMs} ms`)),
        this.#sendTimeoutMs,
      )
    })
    const send = this.#producer.send({
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
        const n = this.#batchLength(peeked.records)
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
          await this.#send(records)
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
      if (!this.#spooling && this.#queue.length === 0) return true
      await this.#drain()
      await new Promise((r) => setTimeout(r, 100))
    }
    return false
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#drainTimer)
    while (this.#flushing) await new Promise((r) => setTimeout(r, 10))
    await this.#producer.close(true).catch(() => {})
    await this.#spool.close()
  }
}
