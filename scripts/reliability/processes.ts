// The services as real child processes, the way an operator runs them: `hookhouse ingest` and
// `hookhouse projector` (after `hookhouse migrate`), each its own Node process with its own pid, so
// a fault run can SIGKILL one for real. Output goes to a log file per process; peak memory is read
// from /proc/<pid>/status (VmHWM: the resident high-water mark of the process).
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { freePort } from '../../lib/kafka/local-broker.ts'
import { repoRoot } from '../../lib/paths.ts'

const cli = join(repoRoot, 'bin', 'hookhouse.ts')

/** Every child still running, so a harness that fails or is interrupted leaves none behind. */
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

/** Peak resident memory per role (ingest, projector, kafka), over every process of that role. */
export class PeakMemory {
  readonly #peakKb = new Map<string, number>()
  readonly #pids = new Map<number, string>()
  readonly #timer: NodeJS.Timeout

  constructor(intervalMs = 1000) {
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
  }

  watch(pid: number, role: string): void {
    this.#pids.set(pid, role)
    this.sample()
  }

  /** Takes a last sample of the pid (VmHWM covers its whole life so far), then forgets it. */
  unwatch(pid: number): void {
    this.sample()
    this.#pids.delete(pid)
  }

  sample(): void {
    for (const [pid, role] of this.#pids) {
      const kb = readStatusKb(pid, 'VmHWM') ?? readStatusKb(pid, 'VmRSS')
      if (kb !== undefined && kb > (this.#peakKb.get(role) ?? 0)) this.#peakKb.set(role, kb)
    }
  }

  /** Current resident memory of the live processes of a role, MB. */
  currentMb(role: string): number {
    let kb = 0
    for (const [pid, r] of this.#pids) if (r === role) kb += readStatusKb(pid, 'VmRSS') ?? 0
    return kb / 1024
  }

  peakMb(role: string): number | undefined {
    const kb = this.#peakKb.get(role)
    return kb === undefined ? undefined : kb / 1024
  }

  roles(): string[] {
    return [...this.#peakKb.keys()]
  }

  close(): void {
    clearInterval(this.#timer)
  }
}

function readStatusKb(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    )
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

export interface ServiceProcess {
  name: string
  role: 'ingest' | 'projector'
  pid: number
  /** The line the service printed once up (for the ingest: its URL). */
  readyLine: string
  /** Every stdout line up to and including the ready line (start-up log lines). */
  startupLines: string[]
  logFile: string
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  running(): boolean
  /** True once the process has exited without being told to (a crash). */
  exitedOnItsOwn(): boolean
  /** SIGTERM (a clean stop: the projector leaves its group), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL: a crash, nothing flushed, no goodbye to the consumer group. */
  kill(): Promise<void>
}

interface SpawnOptions {
  name: string
  role: ServiceProcess['role']
  command: string
  env: Record<string, string>
  logDir: string
  memory: PeakMemory
  /** A stdout line that says the service is up. */
  ready: RegExp
  startTimeoutMs?: number
}

/** Settings the harness decides; anything else comes from this process's environment. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: 'info', ...env }
}

async function spawnService(opts: SpawnOptions): Promise<ServiceProcess> {
  mkdirSync(opts.logDir, { recursive: true })
  const logFile = join(opts.logDir, `${opts.name}.log`)
  const out = createWriteStream(logFile, { flags: 'a' })
  const child = spawn(process.execPath, [cli, opts.command], {
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  const pid = child.pid
  if (pid === undefined) throw new Error(`${opts.name}: the process did not start`)
  opts.memory.watch(pid, opts.role)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
    child.once('exit', (code, signal) => {
      live.delete(child)
      opts.memory.unwatch(pid)
      ok({ code, signal })
    }),
  )
  child.stderr?.pipe(out, { end: false })
  const stdout = child.stdout
  if (!stdout) throw new Error(`${opts.name}: no stdout pipe`)
  const startupLines: string[] = []
  let up = false
  const readyLine = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`${opts.name} did not start within ${opts.startTimeoutMs ?? 60_000} ms`))
    }, opts.startTimeoutMs ?? 60_000)
    createInterface({ input: stdout }).on('line', (line) => {
      out.write(`${line}\n`)
      if (up) return
      startupLines.push(line)
      if (opts.ready.test(line)) {
        up = true
        clearTimeout(timer)
        ok(line)
      }
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      fail(
        new Error(
          `${opts.name} exited during start-up (${signal ?? `code ${code}`}); its log:\n${tail(logFile)}`,
        ),
      )
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null
  let signalled = false
  return {
    name: opts.name,
    role: opts.role,
    pid,
    readyLine,
    startupLines,
    logFile,
    exited,
    running,
    exitedOnItsOwn: () => !running() && !signalled,
    async stop(graceMs = 30_000) {
      if (!running()) return
      opts.memory.sample()
      signalled = true
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
    async kill() {
      if (!running()) return
      opts.memory.sample()
      signalled = true
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** Runs a hookhouse command to its end (e.g. `migrate`); fails with its output if it fails. */
export async function runCommand(
  command: string,
  env: Record<string, string>,
  logFile: string,
): Promise<void> {
  const child = spawn(process.execPath, [cli, command], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  const out = createWriteStream(logFile, { flags: 'a' })
  child.stdout?.pipe(out, { end: false })
  child.stderr?.pipe(out, { end: false })
  const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)))
  live.delete(child)
  if (code !== 0) throw new Error(`hookhouse ${command} exited ${code}; see ${logFile}`)
}

export interface KafkaSettings {
  brokers: string[]
  topic: string
  deadLetterTopic: string
  partitions: number
}

export interface IngestProcessOptions {
  name: string
  kafka: KafkaSettings
  /** HOOKHOUSE_DATA_DIR of this ingest: its spool lives in `<dataDir>/spool`. */
  dataDir: string
  /** A fixed port, so a restarted ingest answers at the same URL. */
  port: number
  token: string
  spoolMaxBytes?: number
  logDir: string
  memory: PeakMemory
}

export async function startIngestProcess(opts: IngestProcessOptions): Promise<ServiceProcess> {
  return spawnService({
    name: opts.name,
    role: 'ingest',
    command: 'ingest',
    ready: /^ingest: http/,
    logDir: opts.logDir,
    memory: opts.memory,
    env: {
      ...kafkaEnv(opts.kafka),
      HOOKHOUSE_DATA_DIR: opts.dataDir,
      HOST: '127.0.0.1',
      INGEST_PORT: String(opts.port),
      WEBHOOK_TOKENS: opts.token,
      WEBHOOK_SIGNING_SECRETS: '',
      WEBHOOK_ALLOW_UNAUTHENTICATED: 'false',
      ...(opts.spoolMaxBytes !== undefined ? { SPOOL_MAX_BYTES: String(opts.spoolMaxBytes) } : {}),
    },
  })
}

/** Where a projector writes: the embedded engine in its data dir, or a ClickHouse server. */
export interface ProjectorStore {
  /** HOOKHOUSE_DATA_DIR: the embedded engine's data lives in `<dataDir>/clickhouse`. */
  dataDir: string
  /** CLICKHOUSE_URL; undefined for the embedded engine. */
  url: string | undefined
  database: string
}

export interface ProjectorProcessOptions {
  name: string
  kafka: KafkaSettings
  group: string
  store: ProjectorStore
  logDir: string
  memory: PeakMemory
  batchMaxEvents?: number
}

function storeEnv(store: ProjectorStore): Record<string, string> {
  return {
    HOOKHOUSE_DATA_DIR: store.dataDir,
    CLICKHOUSE_DATABASE: store.database,
    // An empty CLICKHOUSE_URL reads as unset: the embedded engine.
    CLICKHOUSE_URL: store.url ?? '',
  }
}

/** Migrates the projector's store (`hookhouse migrate`), then starts `hookhouse projector`. */
export async function startProjectorProcess(
  opts: ProjectorProcessOptions,
): Promise<ServiceProcess> {
  mkdirSync(opts.logDir, { recursive: true })
  await runCommand('migrate', storeEnv(opts.store), join(opts.logDir, `${opts.name}.migrate.log`))
  return spawnService({
    name: opts.name,
    role: 'projector',
    command: 'projector',
    ready: /^projector: /,
    logDir: opts.logDir,
    memory: opts.memory,
    env: {
      ...kafkaEnv(opts.kafka),
      ...storeEnv(opts.store),
      PROJECTOR_GROUP_ID: opts.group,
      // `hookhouse projector` also serves the SQL endpoint over its embedded engine; several on one
      // machine need a port each (the default, 8123, takes one).
      SQL_LISTEN: `127.0.0.1:${await freePort()}`,
      ...(opts.batchMaxEvents ? { PROJECTOR_BATCH_MAX_EVENTS: String(opts.batchMaxEvents) } : {}),
    },
  })
}

function kafkaEnv(k: KafkaSettings): Record<string, string> {
  return {
    KAFKA_BROKERS: k.brokers.join(','),
    KAFKA_TOPIC: k.topic,
    KAFKA_DLQ_TOPIC: k.deadLetterTopic,
    KAFKA_PARTITIONS: String(k.partitions),
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
