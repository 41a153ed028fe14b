// A real Apache Kafka broker for `npm start` and the tests, on any machine with Java 17+ and
// Maven: the official jars from Maven Central (scripts/local-kafka/pom.xml), cached outside git,
// started as one KRaft broker+controller on 127.0.0.1.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { randomUUID } from 'node:crypto'

const run = promisify(execFile)
import { repoRoot } from '../paths.ts'
const pomFile = join(repoRoot, 'scripts', 'local-kafka', 'pom.xml')

/** The broker version pinned in the pom; read when first needed, not when this module loads. */
export function kafkaVersion(): string {
  return /<kafka\.version>([^<]+)</.exec(readFileSync(pomFile, 'utf8'))?.[1] ?? ''
}

export function kafkaCacheDir(): string {
  const base =
    process.env.HOOKHOUSE_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hookhouse')
  return join(base, `kafka-${kafkaVersion()}`)
}

type Log = (line: string) => void

/** Fetches the broker jars with Maven once; later calls return the cached folder at once. */
export async function ensureKafkaJars(log: Log = () => {}): Promise<string> {
  const dir = kafkaCacheDir()
  const libs = join(dir, 'libs')
  if (existsSync(join(dir, 'complete'))) return libs
  log(`fetching Apache Kafka ${kafkaVersion()} from Maven Central into ${dir} (once)`)
  const tmp = join(dir, `libs.${process.pid}.tmp`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pomFile,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${tmp}`,
        '-DincludeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    )
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string }
    if (e.code === 'ENOENT') {
      throw new Error(
        'Maven (mvn) is not installed: the local Kafka needs Java 17+ and Maven, or set KAFKA_BROKERS',
        { cause: err },
      )
    }
    throw new Error(`fetching the Kafka jars failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    })
  }
  rmSync(libs, { recursive: true, force: true })
  renameSync(tmp, libs)
  writeFileSync(join(dir, 'complete'), `${new Date().toISOString()}\n`)
  return libs
}

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((ok, fail) => {
      const srv = createServer()
      srv.unref()
      srv.once('error', fail)
      srv.listen({ port, host: '127.0.0.1' }, () => {
        const addr = srv.address()
        const p = typeof addr === 'object' && addr ? addr.port : port
        srv.close(() => ok(p))
      })
    })
  if (preferred !== undefined) {
    try {
      return await tryListen(preferred)
    } catch {
      // taken: fall through to any free port
    }
  }
  return tryListen(0)
}

export interface LocalKafkaOptions {
  /** Holds server.properties, the KRaft log dirs and broker.log. Kept across runs. */
  dataDir: string
  /** Broker port to use when free; otherwise any free port. */
  preferredPort?: number
  log?: Log
  /** How long to wait for the broker to answer. */
  startTimeoutMs?: number
  heapMb?: number
}

export interface LocalKafka {
  brokers: string[]
  port: number
  logFile: string
  stop(): Promise<void>
  /** For fault tests: kills the JVM at once, like a crash. */
  kill(): void
  /** Restarts a stopped or killed broker on the same port and data. */
  restart(): Promise<void>
  /**
   * Resolves with the broker's exit code when it exits, keeping this process alive until then
   * (the broker is otherwise unref'd, so that tests and `start` exit when their work is done).
   */
  untilExit(): Promise<number | null>
}

// The JVM runs under a small shell that watches its own stdin, a pipe from this process: when
// this process dies in any way (even SIGKILL) the pipe closes and the shell stops the broker,
// so no orphan JVM outlives us.
const supervisor = `
exec 3<&0
"$@" </dev/null & pid=$!
echo $pid > "$PIDFILE"
( while read -r _; do :; done; kill -TERM $pid 2>/dev/null ) <&3 &
watcher=$!
wait $pid; code=$?
kill $watcher 2>/dev/null
exit $code
`

export async function startLocalKafka(opts: LocalKafkaOptions): Promise<LocalKafka> {
  const log = opts.log ?? (() => {})
  const libs = await ensureKafkaJars(log)
  const dataDir = resolve(opts.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const port = await freePort(opts.preferredPort)
  const controllerPort = await freePort()
  const logDir = join(dataDir, 'kraft-logs')
  const propsFile = join(dataDir, 'server.properties')
  const logFile = join(dataDir, 'broker.log')
  const pidFile = join(dataDir, 'broker.pid')
  writeFileSync(
    propsFile,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${logDir}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      'log.flush.interval.messages=9223372036854775807',
      '',
    ].join('\n'),
  )
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
  const classpath = `${libs}/*`
  const jvm = [
    `-Xms${opts.heapMb ?? 256}m`,
    `-Xmx${opts.heapMb ?? 512}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
  ]
  if (!existsSync(join(logDir, 'meta.properties'))) {
    log(`formatting KRaft storage in ${logDir}`)
    try {
      await run(java, [
        ...jvm,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        kafkaClusterId(),
        '-c',
        propsFile,
      ])
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string }
      if (e.code === 'ENOENT')
        throw new Error(
          'java is not installed: the local Kafka needs Java 17+, or set KAFKA_BROKERS',
          { cause: err },
        )
      throw new Error(`formatting Kafka storage failed: ${e.stderr ?? e.message}`, { cause: err })
    }
  }

  let child: ChildProcess | undefined
  let exited: Promise<number | null> = Promise.resolve(null)

  const launch = async () => {
    const { openSync, closeSync } = await import('node:fs')
    const out = openSync(logFile, 'a')
    child = spawn(
      'sh',
      ['-c', supervisor, 'kafka', java, ...jvm, '-cp', classpath, 'kafka.Kafka', propsFile],
      {
        stdio: ['pipe', out, out],
        env: { ...process.env, PIDFILE: pidFile },
      },
    )
    closeSync(out)
    const c = child
    exited = new Promise((ok) => c.once('exit', (code) => ok(code)))
    // Keep our end of the pipe open but do not let it hold the event loop.
    ;(c.stdin as unknown as { unref?: () => void }).unref?.()
    c.unref()
    await waitUntilAnswering(port, exited, logFile, opts.startTimeoutMs ?? 90_000)
    log(`Kafka ${kafkaVersion()} listening on 127.0.0.1:${port} (log: ${logFile})`)
  }

  const kill = () => {
    const pid = readPid(pidFile)
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }

  const stop = async () => {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    c.stdin?.end()
    const timer = setTimeout(() => kill(), 15_000)
    await exited
    clearTimeout(timer)
  }

  // Last resort when this process exits without calling stop().
  process.once('exit', kill)
  await launch()
  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    logFile,
    stop,
    kill,
    async restart() {
      await stop()
      await launch()
    },
    async untilExit() {
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null
      c.ref()
      try {
        return await exited
      } finally {
        c.unref()
      }
    },
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as kafka-storage makes. */
/**
 * A cluster id as Kafka writes them: a UUID in base64url. One in 64 of those starts with '-',
 * which the storage tool's argument parser reads as an option (an intermittent "expected one
 * argument" failure); Kafka's own Uuid.randomUuid() redraws those, and so does this.
 */
export function kafkaClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

async function waitUntilAnswering(
  port: number,
  exited: Promise<number | null>,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let dead = false
  void exited.then(() => (dead = true))
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the Kafka broker exited during start-up; its log:\n${tail(logFile)}`)
    if (await answersApiVersions(port)) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(
    `the Kafka broker did not answer within ${timeoutMs} ms; its log:\n${tail(logFile)}`,
  )
}

/** Sends a Kafka ApiVersions request (v0) and waits for any well-formed response. */
function answersApiVersions(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = new Socket()
    const done = (v: boolean) => {
      s.destroy()
      ok(v)
    }
    s.setTimeout(1000, () => done(false))
    s.once('error', () => done(false))
    s.connect(port, '127.0.0.1', () => {
      const clientId = Buffer.from('hookhouse')
      const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length)
      body.writeInt16BE(18, 0) // ApiVersions
      body.writeInt16BE(0, 2) // version 0
      body.writeInt32BE(1, 4) // correlation id
      body.writeInt16BE(clientId.length, 8)
      clientId.copy(body, 10)
      const size = Buffer.alloc(4)
      size.writeInt32BE(body.length)
      s.write(Buffer.concat([size, body]))
    })
    let got = Buffer.alloc(0)
    s.on('data', (d) => {
      got = Buffer.concat([got, d])
      if (got.length >= 10) done(got.readInt32BE(4) === 1 && got.readInt16BE(8) === 0)
    })
  })
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
