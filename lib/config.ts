// Every environment variable hookhouse reads, in one table: its default, what it expects and
// how it is parsed. `--help`, the README's configuration table and start-up validation all come
// from here, so a variable is documented exactly once.
import { resolve } from 'node:path'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

interface Setting<T> {
  description: string
  /** What a valid value looks like, quoted in the error when the value is wrong. */
  expects: string
  default: string | undefined
  parse: (raw: string) => T
  secret?: boolean
}

const text = (raw: string): string => raw

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)

function integer(min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new Error('not an integer')
    const n = Number(raw)
    if (n < min || n > max) throw new Error(`out of range ${min}..${max}`)
    return n
  }
}

const port = integer(0, 65535)

function boolean(raw: string): boolean {
  const v = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false
  throw new Error('not a boolean')
}

function httpUrl(raw: string): string {
  const u = new URL(raw)
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)')
  return raw
}

function brokers(raw: string): string[] {
  const all = list(raw)
  for (const b of all) if (!/^[^\s:]+:\d+$/.test(b)) throw new Error(`"${b}" is not host:port`)
  if (all.length === 0) throw new Error('empty')
  return all
}

function logLevel(raw: string): string {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
  if (!levels.includes(raw)) throw new Error('unknown level')
  return raw
}

function identifier(raw: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) throw new Error('not an identifier')
  return raw
}

export interface ListenAddress {
  host: string
  port: number
}

/** `host:port` (`[::1]:8123` for IPv6), or `off`: null. */
function listenAddress(raw: string): ListenAddress | null {
  const v = raw.trim()
  if (v.toLowerCase() === 'off') return null
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(v)
  if (!m) throw new Error('not host:port or off')
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: port(m[2] ?? '') }
}

export const settings = {
  HOOKHOUSE_DATA_DIR: {
    description: 'Folder for local state: embedded ClickHouse, the ingest spool, the local Kafka.',
    expects: 'a directory path',
    default: './data',
    parse: (raw: string) => resolve(raw),
  },
  HOST: {
    description: 'Address the HTTP listeners bind to.',
    expects: 'an IP address or host name',
    default: '127.0.0.1',
    parse: text,
  },
  INGEST_PORT: {
    description: 'Port of the webhook ingest (`POST /webhooks`). 0 picks a free port.',
    expects: 'a port number 0-65535',
    default: '8080',
    parse: port,
  },
  DASHBOARDS_PORT: {
    description: 'Port of the dashboards web UI and JSON API. 0 picks a free port.',
    expects: 'a port number 0-65535',
    default: '8081',
    parse: port,
  },
  DASHBOARDS_SESSIONS: {
    description:
      'Embedded engine: panel queries the dashboards run at once, each on a read-only session of its own, so a fast panel does not wait behind a slow one.',
    expects: 'an integer 1-16',
    default: '3',
    parse: integer(1, 16),
  },
  DASHBOARDS_TOKEN: {
    description:
      'Protects the dashboards and their API: a bearer token, or the password of Basic credentials. Unset: open.',
    expects: 'a token',
    default: undefined,
    parse: text,
    secret: true,
  },
  KAFKA_BROKERS: {
    description:
      'Kafka bootstrap brokers. Unset: `hookhouse start` runs a local single-node broker.',
    expects: 'a comma-separated list of host:port',
    default: undefined,
    parse: brokers,
  },
  KAFKA_TOPIC: {
    description: 'Topic of the event log (the source of truth).',
    expects: 'a Kafka topic name',
    default: 'hookhouse.events',
    parse: text,
  },
  KAFKA_DLQ_TOPIC: {
    description: 'Dead-letter topic: raw bytes of deliveries that could not be used, with why.',
    expects: 'a Kafka topic name',
    default: 'hookhouse.dead-letters',
    parse: text,
  },
  KAFKA_PARTITIONS: {
    description: 'Partitions of the event topic when hookhouse creates it (keyed by project id).',
    expects: 'an integer 1-1000',
    default: '6',
    parse: integer(1, 1000),
  },
  PROJECTOR_GROUP_ID: {
    description:
      'Kafka consumer group of the projector; replicas in one group share the partitions.',
    expects: 'a Kafka group id',
    default: 'hookhouse-projector',
    parse: text,
  },
  PROJECTOR_BATCH_MAX_EVENTS: {
    description: 'Most events folded into one insert per table.',
    expects: 'an integer 1-1000000',
    // Only a lagging projector fills a batch (at 1,000 events/s one fetch holds a few hundred);
    // every insert pays a fixed cost per table and materialized view, and batches of 25,000
    // took 20% less CPU per event than 10,000 (docs/benchmarks.md, "Projector, session 4").
    default: '25000',
    parse: integer(1, 1_000_000),
  },
  PROJECTOR_BATCH_MAX_WAIT_MS: {
    description: 'Longest the broker holds a fetch to fill a batch: the floor of freshness.',
    expects: 'an integer number of milliseconds 1-60000',
    default: '250',
    parse: integer(1, 60_000),
  },
  CLICKHOUSE_URL: {
    description: 'ClickHouse server HTTP URL. Unset: the embedded engine (chdb) in the data dir.',
    expects: 'an http(s) URL such as http://localhost:8123',
    default: undefined,
    parse: httpUrl,
  },
  CLICKHOUSE_USER: {
    description: 'ClickHouse server user (server mode only).',
    expects: 'a user name',
    default: 'default',
    parse: text,
  },
  CLICKHOUSE_PASSWORD: {
    description: 'ClickHouse server password (server mode only).',
    expects: 'a password',
    default: '',
    parse: text,
    secret: true,
  },
  CLICKHOUSE_DATABASE: {
    description: 'Database that holds the hookhouse tables; created by `hookhouse migrate`.',
    expects: 'a ClickHouse identifier',
    default: 'hookhouse',
    parse: identifier,
  },
  CLICKHOUSE_CLUSTER: {
    description: 'Cluster name: migrations then run `ON CLUSTER` with Replicated engines.',
    expects: 'a ClickHouse cluster name',
    default: undefined,
    parse: identifier,
  },
  WEBHOOK_TOKENS: {
    description:
      'Accepted webhook secrets (X-Gitlab-Token, or the password of Basic credentials). Several may be valid at once, for rotation.',
    expects: 'a comma-separated list of tokens',
    default: undefined,
    parse: list,
    secret: true,
  },
  WEBHOOK_SIGNING_SECRETS: {
    description: 'Standard Webhooks signing secrets; when set, `webhook-signature` is verified.',
    expects: 'a comma-separated list of whsec_... secrets',
    default: undefined,
    parse: list,
    secret: true,
  },
  WEBHOOK_ALLOW_UNAUTHENTICATED: {
    description: 'Accept deliveries without any token. Off by default; for trusted networks only.',
    expects: 'true or false',
    default: 'false',
    parse: boolean,
  },
  INGEST_BODY_LIMIT: {
    description: 'Largest webhook body accepted, in bytes.',
    expects: 'an integer number of bytes 1024-1073741824',
    default: String(25 * 1024 * 1024),
    parse: integer(1024, 1024 * 1024 * 1024),
  },
  SPOOL_MAX_BYTES: {
    description: 'Disk budget of the ingest spool used while Kafka is unreachable.',
    expects: 'an integer number of bytes',
    default: String(1024 * 1024 * 1024),
    parse: integer(0, Number.MAX_SAFE_INTEGER),
  },
  INGEST_PRODUCE_LANES: {
    description:
      'Produce requests the ingest keeps in flight to Kafka at once (one idempotent producer each; a project always uses the same one, so its order is kept).',
    expects: 'an integer 1-16',
    default: '1',
    parse: integer(1, 16),
  },
  SQL_LISTEN: {
    description:
      'Address of the read-only SQL endpoint (ClickHouse HTTP interface over the embedded engine), or off.',
    expects: 'host:port or off',
    default: '127.0.0.1:8123',
    parse: listenAddress,
  },
  SQL_USER: {
    description: 'User name the SQL endpoint accepts.',
    expects: 'a user name',
    default: 'default',
    parse: text,
  },
  SQL_PASSWORD: {
    description:
      'Password the SQL endpoint requires. Unset: none, allowed only while the endpoint listens on a loopback address.',
    expects: 'a password',
    default: undefined,
    parse: text,
    secret: true,
  },
  SQL_MAX_EXECUTION_TIME: {
    description: 'Seconds a query on the SQL endpoint may run (max_execution_time).',
    expects: 'an integer number of seconds 1-86400',
    default: '60',
    parse: integer(1, 86_400),
  },
  SQL_MAX_RESULT_ROWS: {
    description: 'Rows a result of the SQL endpoint may have (max_result_rows).',
    expects: 'an integer 1-1000000000000',
    default: '10000000',
    parse: integer(1, 1_000_000_000_000),
  },
  SQL_MAX_RESULT_BYTES: {
    description: 'Bytes a result of the SQL endpoint may have, uncompressed (max_result_bytes).',
    expects: 'an integer number of bytes 1024-1099511627776',
    default: String(1024 * 1024 * 1024),
    parse: integer(1024, 1024 ** 4),
  },
  SQL_MAX_CONCURRENT_QUERIES: {
    description: 'Queries the SQL endpoint runs at once, each on its own read-only session.',
    expects: 'an integer 1-64',
    default: '4',
    parse: integer(1, 64),
  },
  LOG_LEVEL: {
    description: 'Log level.',
    expects: 'fatal, error, warn, info, debug, trace or silent',
    default: 'info',
    parse: logLevel,
  },
} satisfies Record<string, Setting<unknown>>

type Settings = typeof settings
export type SettingName = keyof Settings
export type Config = {
  [K in SettingName]: Settings[K]['default'] extends string
    ? ReturnType<Settings[K]['parse']>
    : ReturnType<Settings[K]['parse']> | undefined
}

/**
 * Reads and validates every setting. All wrong values are reported together, each naming the
 * variable and what it expects; a secret's value is never echoed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [name, s] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const raw = env[name] ?? s.default
    if (raw === undefined || (raw === '' && s.default === undefined)) {
      out[name] = undefined
      continue
    }
    try {
      out[name] = s.parse(raw)
    } catch (err) {
      const shown = s.secret ? '(hidden)' : JSON.stringify(raw)
      const why = err instanceof Error ? err.message : String(err)
      problems.push(`${name}=${shown} is invalid (${why}): expected ${s.expects}`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'))
  return out as Config
}

/** The configuration table, for `--help` and the README. */
export function describeSettings(names: readonly SettingName[] = allSettingNames()): string {
  const width = Math.max(...names.map((n) => n.length))
  return names
    .map((n) => {
      const s: Setting<unknown> = settings[n]
      const def =
        s.default === undefined ? '' : ` (default: ${s.default === '' ? '""' : s.default})`
      return `  ${n.padEnd(width)}  ${s.description}${def}`
    })
    .join('\n')
}

export function allSettingNames(): SettingName[] {
  return Object.keys(settings) as SettingName[]
}
