// The endpoint's own engine sessions, read-only for good, at most one query each.
//
// The embedded engine runs one session's queries one at a time (DESIGN.md), so user SQL never
// shares a session with the projector or the dashboards: a slow ad-hoc query cannot delay
// freshness. Each session is set up once, in this order, because a readonly=1 session can change
// no setting afterwards: the limits (max_execution_time, max_result_rows/bytes with
// result_overflow_mode=throw), then `SET readonly = 1`, which nothing can lift. The pool holds
// as many sessions as queries may run at once; a request finding none free is refused at once,
// as the server refuses one over max_concurrent_queries.
import {
  embedded,
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'
import { quoteIdentifier, quoteString } from '../../lib/clickhouse/sql-literals.ts'
import { errors, fromEngineError } from './errors.ts'

export interface SqlLimits {
  /** Seconds a query may run (max_execution_time). */
  maxExecutionSeconds: number
  /** Rows a result may have (max_result_rows, result_overflow_mode=throw). */
  maxResultRows: number
  /** Bytes a result may have, uncompressed (max_result_bytes). */
  maxResultBytes: number
  /** Queries running at once: the number of sessions. */
  maxConcurrentQueries: number
}

/** The native side of the endpoint's session, as the client factory exposes it. */
type Native = NonNullable<ReturnType<typeof embedded.get>>['chdb']

export interface ReadOnlySession {
  readonly client: ClickHouseClient
  readonly native: Native
  /** The database the session is on (`USE`), or undefined once a user's USE may have moved it. */
  database: string | undefined
  /** Every setting's value on this session, as system.settings shows it. */
  readonly settings: ReadonlyMap<string, string>
}

export interface SessionPool {
  /** A free session, or the server's TOO_MANY_SIMULTANEOUS_QUERIES error. */
  acquire(): ReadOnlySession
  release(session: ReadOnlySession): void
  readonly timezone: string
  readonly version: string
  readonly busy: number
  close(): Promise<void>
}

async function openSession(target: ClickHouseTarget, limits: SqlLimits): Promise<ReadOnlySession> {
  const client = await openClickHouse(target)
  const native = embedded.get(client)?.chdb
  if (!native) throw new Error('the SQL endpoint serves the embedded engine only')
  // Read before the limits: a result of ~1700 settings could exceed a small max_result_rows.
  const rows = (
    await native.queryAsync('SELECT name, value FROM system.settings', {
      format: 'JSONCompactEachRow',
    })
  ).text()
  const settings = new Map<string, string>()
  for (const line of rows.split('\n')) {
    if (!line) continue
    const [name, value] = JSON.parse(line) as [string, string]
    settings.set(name, value)
  }
  const session: [string, string][] = [
    // chdb turns async_insert on by default, a server has it off, and the ClickHouse JDBC driver
    // sends async_insert=0 with every query: the server's value lets that through unchanged
    // (inserts are refused anyway).
    ['async_insert', '0'],
    ['max_execution_time', String(limits.maxExecutionSeconds)],
    ['max_result_rows', String(limits.maxResultRows)],
    ['max_result_bytes', String(limits.maxResultBytes)],
    ['result_overflow_mode', 'throw'],
    ['readonly', '1'],
  ]
  for (const [name, value] of session) {
    await client.command({ query: `SET ${name} = ${quoteString(value)}` })
    settings.set(name, value)
  }
  return { client, native, database: target.database, settings }
}

export async function openSessionPool(
  target: ClickHouseTarget,
  limits: SqlLimits,
): Promise<SessionPool> {
  const all: ReadOnlySession[] = []
  try {
    for (let k = 0; k < limits.maxConcurrentQueries; k++)
      all.push(await openSession(target, limits))
  } catch (err) {
    await Promise.all(all.map((s) => s.client.close()))
    throw err
  }
  const first = all[0]
  if (!first) throw new Error('the SQL endpoint needs at least one session')
  const about = (
    await first.native.queryAsync('SELECT timezone(), version()', { format: 'TabSeparated' })
  )
    .text()
    .trim()
    .split('\t')
  const free = [...all]
  return {
    acquire() {
      const s = free.pop()
      if (!s) throw errors.tooManyQueries(limits.maxConcurrentQueries)
      return s
    },
    release(s) {
      free.push(s)
    },
    timezone: about[0] ?? 'UTC',
    version: about[1] ?? '',
    get busy() {
      return all.length - free.length
    },
    async close() {
      await Promise.all(all.map((s) => s.client.close()))
    },
  }
}

/** Points the session at `database` for this request, with the engine's error if it is unknown. */
export async function useDatabase(session: ReadOnlySession, database: string): Promise<void> {
  if (session.database === database) return
  session.database = undefined
  try {
    await session.native.queryAsync(`USE ${quoteIdentifier(database)}`, { format: 'TabSeparated' })
  } catch (err) {
    throw fromEngineError(err)
  }
  session.database = database
}
