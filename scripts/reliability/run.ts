// One reliability run: a working directory, a Kafka (a local broker this run owns and may kill,
// or the brokers it is given), the service processes it starts, their peak memory, and the
// checks at the end: the log against the answers, the tables against a fresh projection.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalKafka, freePort, type LocalKafka } from '../../lib/kafka/local-broker.ts'
import { ensureTopics, hookhouseTopics } from '../../lib/kafka/topics.ts'
import { loadConfig } from '../../lib/config.ts'
import { checkDelivery, readLog, type DeliveryCheck } from './log-check.ts'
import { KafkaWatch } from './kafka-watch.ts'
import {
  PeakMemory,
  startIngestProcess,
  startProjectorProcess,
  type KafkaSettings,
  type ProjectorStore,
  type ServiceProcess,
} from './processes.ts'
import { isAccepted, eventIdOf, type LoadResult } from './sender.ts'
import { compareTables, inspectStore, readIds } from './tables.ts'

export const token = 'reliability-token'

export interface RunOptions {
  name: string
  log: (line: string) => void
  /** Use these brokers; else KAFKA_BROKERS; else a local broker this run starts (and may kill). */
  brokers?: string[]
  /** Keep the working directory (logs, stores) after the run. */
  keep?: boolean
}

export class Run {
  readonly id = randomUUID().slice(0, 8)
  readonly dir: string
  readonly log: (line: string) => void
  readonly memory = new PeakMemory()
  readonly brokers: string[]
  readonly watch: KafkaWatch
  readonly #kafka: LocalKafka | undefined
  readonly #keep: boolean
  readonly #services = new Set<ServiceProcess>()

  private constructor(
    opts: RunOptions,
    dir: string,
    brokers: string[],
    kafka: LocalKafka | undefined,
  ) {
    this.dir = dir
    this.log = opts.log
    this.brokers = brokers
    this.#kafka = kafka
    this.#keep = opts.keep ?? false
    this.watch = new KafkaWatch(brokers)
    this.#watchBroker()
  }

  static async start(opts: RunOptions): Promise<Run> {
    const dir = mkdtempSync(join(tmpdir(), `hookhouse-${opts.name}-`))
    const given = opts.brokers ?? process.env.KAFKA_BROKERS?.split(',')
    if (given) return new Run(opts, dir, given, undefined)
    const kafka = await startLocalKafka({ dataDir: join(dir, 'kafka'), log: opts.log })
    return new Run(opts, dir, kafka.brokers, kafka)
  }

  /** The broker, when this run owns it: a fault run kills and restarts it. */
  get kafka(): LocalKafka | undefined {
    return this.#kafka
  }

  async restartBroker(): Promise<void> {
    await this.#kafka?.restart()
    this.#watchBroker()
  }

  #watchBroker(): void {
    if (!this.#kafka) return
    try {
      const pid = Number(readFileSync(join(this.dir, 'kafka', 'broker.pid'), 'utf8').trim())
      if (pid > 0) this.memory.watch(pid, 'kafka')
    } catch {
      // no pid file: no memory figure for the broker
    }
  }

  /** A fresh event topic with the partitions and size limit `hookhouse` gives its own. */
  async topic(name: string, partitions = 6): Promise<KafkaSettings> {
    const topic = `hookhouse-${name}-${this.id}`
    const settings: KafkaSettings = {
      brokers: this.brokers,
      topic,
      deadLetterTopic: `${topic}.dead-letters`,
      partitions,
    }
    // The body limit the ingest processes will read from the same environment.
    const cfg = loadConfig(process.env)
    const specs = hookhouseTopics({
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: settings.deadLetterTopic,
      KAFKA_PARTITIONS: partitions,
      INGEST_BODY_LIMIT: cfg.INGEST_BODY_LIMIT,
    })
    await ensureTopics(this.brokers, specs)
    return settings
  }

  /**
   * Where projector `name` writes. Embedded engine: a data directory of its own, since one process
   * holds one directory. With CLICKHOUSE_URL: one database on that server, shared by every
   * projector of the run, as replicas share a server in production.
   */
  store(name: string): ProjectorStore {
    const url = process.env.CLICKHOUSE_URL || undefined
    return url
      ? { dataDir: join(this.dir, 'stores', 'server'), url, database: `hh_rel_${this.id}` }
      : { dataDir: join(this.dir, 'stores', name), url: undefined, database: 'hookhouse' }
  }

  async ingest(
    name: string,
    kafka: KafkaSettings,
    opts: { port?: number; spoolMaxBytes?: number; dataDir?: string } = {},
  ): Promise<ServiceProcess & { url: string; port: number; dataDir: string }> {
    const port = opts.port ?? (await freePort())
    const dataDir = opts.dataDir ?? join(this.dir, 'ingest', name)
    const p = await startIngestProcess({
      name,
      kafka,
      dataDir,
      port,
      token,
      logDir: join(this.dir, 'logs'),
      memory: this.memory,
      ...(opts.spoolMaxBytes !== undefined ? { spoolMaxBytes: opts.spoolMaxBytes } : {}),
    })
    this.#services.add(p)
    return { ...p, url: `http://127.0.0.1:${port}/webhooks`, port, dataDir }
  }

  async projector(
    name: string,
    kafka: KafkaSettings,
    group: string,
    store: ProjectorStore,
  ): Promise<ServiceProcess> {
    const p = await startProjectorProcess({
      name,
      kafka,
      group,
      store,
      logDir: join(this.dir, 'logs'),
      memory: this.memory,
    })
    this.#services.add(p)
    return p
  }

  /** Waits until the ingest's spool is empty and it produces to Kafka directly again. */
  async spoolDrained(ingestUrl: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const r = await readiness(ingestUrl)
      if (r && r.kafka === 'ok' && r.spool.depth === 0) return
      await new Promise((res) => setTimeout(res, 250))
    }
    throw new Error(`the spool of ${ingestUrl} did not drain within ${timeoutMs} ms`)
  }

  /**
   * The end-of-run checks. The projectors must be stopped (each owns its data directory).
   * `stores` are those the run's projectors wrote to.
   */
  async verify(
    kafka: KafkaSettings,
    loads: LoadResult[],
    stores: ProjectorStore[],
    opts: { brokerDied: boolean },
  ): Promise<Verdict> {
    const started = performance.now()
    const log = await readLog(this.brokers, kafka.topic)
    const delivery = checkDelivery(loads, log)
    const databases = [...new Set(stores.filter((s) => s.url).map((s) => s.database))]
    const embedded = stores.filter((s) => !s.url)
    const exportDirs = embedded.map((_, i) => join(this.dir, 'exports', `${i}`))
    const inspected = await Promise.all(embedded.map((s, i) => inspectStore(s, exportDirs[i])))
    const projectorRows = inspected.map((r) => r.counts.events ?? 0)
    const server = stores.find((s) => s.url)
    const workspace: ProjectorStore = server
      ? { ...server, database: `${server.database}_check` }
      : { dataDir: join(this.dir, 'stores', 'check'), url: undefined, database: 'check' }
    const tables = await compareTables({
      brokers: this.brokers,
      topic: kafka.topic,
      workspace,
      exportDirs,
      databases,
      outDir: join(this.dir, 'check'),
      timeoutMs: 600_000,
    })
    const projectedIds = readIds(tables.idsFile)
    let projected = 0
    let lost = 0
    const notProjected: string[] = []
    for (const load of loads) {
      for (let i = 0; i < load.sent; i++) {
        if (!isAccepted(load.status[i] ?? 0)) continue
        const id = eventIdOf(load.runId, i)
        if (projectedIds.has(id)) projected++
        else if (notProjected.length < 20) notProjected.push(id)
        if (!projectedIds.has(id) || !log.events.has(id)) lost++
      }
    }
    const crashed = [...this.#services].filter((p) => p.exitedOnItsOwn())
    const failures: string[] = crashed.map(
      (p) => `${p.name} (pid ${p.pid}) exited on its own; its log: ${p.logFile}`,
    )
    if (delivery.lost > 0)
      failures.push(
        `${delivery.lost} accepted events not in the log: ${delivery.lostIds.join(', ')}`,
      )
    // At-least-once into Kafka: a broker that dies with a produce in flight may have written it
    // without answering; the ingest then spools and re-sends it, and the log holds it twice (one
    // id, folded into one row). Without a broker failure, the idempotent producer allows none.
    if (delivery.duplicated > 0 && !opts.brokerDied)
      failures.push(
        `${delivery.duplicated} accepted events are in the log more than once with no broker failure: ${delivery.duplicatedIds.join(', ')}`,
      )
    if (delivery.refusedStored > 0)
      failures.push(`${delivery.refusedStored} events answered 503 are in the log`)
    if (delivery.orderViolations > 0)
      failures.push(`${delivery.orderViolations} events out of order within their partition`)
    if (projected < delivery.accepted)
      failures.push(
        `${delivery.accepted - projected} accepted events not in the events table: ${notProjected.join(', ')}`,
      )
    if (tables.eventRows !== tables.eventIds)
      failures.push(
        `the events table holds ${tables.eventRows - tables.eventIds} rows more than event ids`,
      )
    if (tables.differing.length > 0)
      failures.push(
        `tables differing from a fresh projection of the log: ${tables.differing
          .map(
            (t) =>
              `${t} (${tables.observed[t]?.rows} vs ${tables.reference[t]?.rows} rows) ${JSON.stringify(tables.samples[t])}`,
          )
          .join('; ')}`,
      )
    return {
      delivery,
      logRecords: log.records,
      logIds: log.events.size,
      projected,
      lost,
      crashes: crashed.length,
      clickhouseDuplicates: tables.eventRows - tables.eventIds,
      tablesCompared: Object.keys(tables.observed).length,
      tablesDiffering: tables.differing,
      tableRows: Object.fromEntries(Object.entries(tables.observed).map(([t, f]) => [t, f.rows])),
      projectorEventRows: projectorRows,
      referenceSeconds: tables.referenceSeconds,
      verifySeconds: (performance.now() - started) / 1000,
      failures,
    }
  }

  /** Stops whatever is still running; removes the working directory unless kept. */
  async close(): Promise<void> {
    for (const s of this.#services) await s.kill().catch(() => {})
    await this.watch.close()
    await this.#kafka?.stop()
    this.memory.close()
    if (!this.#keep) rmSync(this.dir, { recursive: true, force: true })
  }
}

export interface Verdict {
  delivery: DeliveryCheck
  logRecords: number
  logIds: number
  /** Accepted events found in the events table. */
  projected: number
  /** Accepted events missing from the log or from the events table: must be 0. */
  lost: number
  /** Ingest or projector processes that exited without being told to: must be 0. */
  crashes: number
  /** Rows of the events table (FINAL) beyond one per event id: must be 0 (duplicated in effect). */
  clickhouseDuplicates: number
  tablesCompared: number
  tablesDiffering: string[]
  tableRows: Record<string, number>
  /** Events-table rows of each embedded projector store (their sum exceeds the total when a
   *  partition moved between projectors mid-batch). */
  projectorEventRows: number[]
  referenceSeconds: number
  verifySeconds: number
  failures: string[]
}

export interface Readiness {
  ready: boolean
  kafka: string
  spool: { depth: number; bytes: number; maxBytes: number }
}

export async function readiness(ingestUrl: string): Promise<Readiness | undefined> {
  try {
    const res = await fetch(ingestUrl.replace(/\/webhooks$/, '/readyz'), {
      signal: AbortSignal.timeout(2000),
    })
    return (await res.json()) as Readiness
  } catch {
    return undefined
  }
}
