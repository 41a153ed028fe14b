// The one seam between embedded and server ClickHouse. `CLICKHOUSE_URL` set: @clickhouse/client
// over HTTP. Unset: the embedded engine (chdb) plugged into the same client, so callers never
// know which they have.
//
// The embedded engine runs one query at a time per session (DESIGN.md: a SELECT 1 waited 2.4 s
// behind a slow query on the same session, 5 ms on a second one), so each role asks for its own
// client: the projector's writes, the dashboards' reads and user SQL never queue behind each
// other.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client'
import { createChdbConnection, type ChdbExtension } from 'chdb/connection'

export type { ClickHouseClient }

export interface ClickHouseTarget {
  /** Server URL; undefined means the embedded engine. */
  url: string | undefined
  user: string
  password: string
  database: string
  /** Embedded engine data directory (one per process). */
  dataDir: string
}

export function clickhouseTargetFromConfig(cfg: {
  CLICKHOUSE_URL: string | undefined
  CLICKHOUSE_USER: string
  CLICKHOUSE_PASSWORD: string
  CLICKHOUSE_DATABASE: string
  HOOKHOUSE_DATA_DIR: string
}): ClickHouseTarget {
  return {
    url: cfg.CLICKHOUSE_URL,
    user: cfg.CLICKHOUSE_USER,
    password: cfg.CLICKHOUSE_PASSWORD,
    database: cfg.CLICKHOUSE_DATABASE,
    dataDir: join(cfg.HOOKHOUSE_DATA_DIR, 'clickhouse'),
  }
}

export interface ClientOptions {
  /** Use the target database (false for the bootstrap client that creates it). */
  useDatabase?: boolean
  /** Settings sent with every query of this client. */
  settings?: Record<string, string | number>
}

/**
 * A new client, on its own session when embedded. The embedded connection ignores the client's
 * `database` option, so the session is pointed at the database with `USE` (it lasts for the
 * session and no other session sees it).
 */
export async function openClickHouse(
  target: ClickHouseTarget,
  options: ClientOptions = {},
): Promise<ClickHouseClient> {
  const database = options.useDatabase === false ? undefined : target.database
  // A server quotes 64-bit integers in JSON by default and the embedded engine does not; one
  // answer for both: numbers (counts and GitLab ids fit 2^53; cast with toString where not).
  const settings = {
    output_format_json_quote_64bit_integers: 0,
    ...options.settings,
  } as ClickHouseSettings
  if (target.url !== undefined) {
    return createClient({
      url: target.url,
      username: target.user,
      password: target.password,
      database,
      clickhouse_settings: settings,
      request_timeout: 60_000,
    })
  }
  mkdirSync(target.dataDir, { recursive: true })
  const connection = createChdbConnection({ path: target.dataDir })
  const client = createClient({
    connection: connection as unknown as ClientConnection,
    clickhouse_settings: settings,
  })
  if (database !== undefined) {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
    await client.command({ query: `USE ${database}` })
  }
  embedded.set(client, { chdb: connection.chdb, database: database ?? 'default' })
  return client
}

/** The embedded engine's native side of a client, for the insert fast path. */
export const embedded = new WeakMap<ClickHouseClient, { chdb: ChdbExtension; database: string }>()

// chdb types its Connection against @clickhouse/client-common, which @clickhouse/client vendors
// under another path: the same interface, two declarations, so the compiler needs telling.
type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection']

export function describeTarget(target: ClickHouseTarget): string {
  return target.url === undefined
    ? `embedded ClickHouse in ${target.dataDir}`
    : `ClickHouse server ${redactUrl(target.url)}`
}

function redactUrl(raw: string): string {
  const u = new URL(raw)
  if (u.password) u.password = '***'
  return u.toString()
}
