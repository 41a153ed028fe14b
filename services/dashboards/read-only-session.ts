// The dashboards' own ClickHouse sessions, read-only for good.
//
// Embedded engine: sessions of their own (DESIGN.md: the engine runs one session's queries one at a
// time), so a slow panel never stalls the projector's inserts, and several of them, so a fast
// panel does not wait behind a slow one on the same page: each query has a session to itself.
// `SET readonly=1` on a session cannot be lifted: INSERT, `SET readonly=0` and `SETTINGS
// readonly=0` are all refused by the engine. Limits are set first, since a read-only session can
// change no setting afterwards.
//
// Bound parameters, embedded: chdb runs every query that carries `query_params` through one
// process-wide chain (its binding's parameter state is not isolated between connections), so
// with them every panel of every user would wait for the one before it, whatever the session.
// The values are bound with `SET param_name = '...'` on the query's own session instead: still
// data the engine parses as the placeholder's type, never SQL, and a read-only session accepts it.
//
// After the engine stops a query at max_execution_time, the next answer on the same embedded
// session is corrupt: valid JSON followed by stray bytes ("Unexpected non-whitespace character
// after JSON", seen in `npm run bench -- panels` at scale 1 every time a panel before it had
// timed out). So a timed-out session is replaced by a fresh read-only one.
//
// Server: HTTP requests share no session and run at once, so one client serves every query, with
// `readonly=1` sent with each; a read-only ClickHouse user for the dashboards is the stronger
// guard (issue 5, "Access").
import {
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'
import { setQueryParams } from '../../lib/clickhouse/sql-literals.ts'

/** Seconds a panel query may run before the engine stops it. */
export const maxExecutionSeconds = 30

/** Embedded engine sessions the dashboards query at once, by default. */
export const defaultSessions = 3

export interface ReadOnlySessionOptions {
  /** max_execution_time of the sessions, in seconds (default 30). */
  maxExecutionSeconds?: number
  /** Embedded engine: queries that run at once, one session each (default 3). */
  sessions?: number
}

export interface SelectResult<Row> {
  meta: { name: string; type: string }[]
  data: Row[]
}

/** ClickHouse's TIMEOUT_EXCEEDED: the query ran past max_execution_time. */
export function isTimeout(err: unknown): boolean {
  const e = err as { code?: unknown; type?: unknown } | null
  return e?.code === '159' || e?.type === 'TIMEOUT_EXCEEDED'
}

async function openClient(target: ClickHouseTarget, seconds: number): Promise<ClickHouseClient> {
  if (target.url !== undefined) {
    return openClickHouse(target, { settings: { readonly: 1, max_execution_time: seconds } })
  }
  const client = await openClickHouse(target)
  await client.command({ query: `SET max_execution_time = ${seconds}` })
  await client.command({ query: 'SET readonly = 1' })
  return client
}

function positiveInteger(name: string, n: number): number {
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`${name} must be a positive integer, got ${n}`)
  return n
}

export class ReadOnlySession {
  readonly #target: ClickHouseTarget
  readonly #seconds: number
  /** Server: the one shared client. Embedded: the sessions, each lent to one query at a time. */
  readonly #clients: ClickHouseClient[]
  readonly #free: ClickHouseClient[]
  readonly #waiting: ((client: ClickHouseClient) => void)[] = []
  #closed = false
  /** How many times a timed-out embedded session was replaced (for tests and logs). */
  replaced = 0

  private constructor(target: ClickHouseTarget, seconds: number, clients: ClickHouseClient[]) {
    this.#target = target
    this.#seconds = seconds
    this.#clients = clients
    this.#free = [...clients]
  }

  static async open(
    target: ClickHouseTarget,
    opts: ReadOnlySessionOptions = {},
  ): Promise<ReadOnlySession> {
    const seconds = positiveInteger(
      'maxExecutionSeconds',
      opts.maxExecutionSeconds ?? maxExecutionSeconds,
    )
    const count =
      target.url === undefined ? positiveInteger('sessions', opts.sessions ?? defaultSessions) : 1
    const clients: ClickHouseClient[] = []
    try {
      for (let i = 0; i < count; i++) clients.push(await openClient(target, seconds))
    } catch (err) {
      await Promise.all(clients.map((c) => c.close()))
      throw err
    }
    return new ReadOnlySession(target, seconds, clients)
  }

  /** max_execution_time of the sessions, in seconds. */
  get maxExecutionSeconds(): number {
    return this.#seconds
  }

  get #embedded(): boolean {
    return this.#target.url === undefined
  }

  /**
   * Runs `fn` with a client: embedded, a session no other call uses until `fn` settles (waiting
   * for one to be free); if the engine stopped a query at max_execution_time, the session is
   * replaced.
   */
  async run<T>(fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('the read-only session is closed')
    const shared = this.#clients[0]
    if (!this.#embedded && shared) return fn(shared)
    let client = await this.#acquire()
    try {
      return await fn(client)
    } catch (err) {
      // The caller gets the timeout; a failure to open the new session keeps the old one.
      if (isTimeout(err)) client = await this.#replace(client).catch(() => client)
      throw err
    } finally {
      this.#release(client)
    }
  }

  /** One SELECT with its `{name:Type}` placeholders bound to `params`: its columns and rows. */
  select<Row = Record<string, unknown>>(
    query: string,
    params: Readonly<Record<string, string>>,
  ): Promise<SelectResult<Row>> {
    return this.run(async (client) => {
      const bound = Object.keys(params).length > 0
      if (this.#embedded && bound) await client.command({ query: setQueryParams(params) })
      const rs = await client.query({
        query,
        format: 'JSON',
        query_params: this.#embedded ? undefined : params,
      })
      const body = await rs.json<Row>()
      return { meta: body.meta ?? [], data: body.data }
    })
  }

  #acquire(): Promise<ClickHouseClient> {
    const client = this.#free.pop()
    if (client) return Promise.resolve(client)
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #release(client: ClickHouseClient): void {
    const next = this.#waiting.shift()
    if (next) next(client)
    else this.#free.push(client)
  }

  async #replace(timedOut: ClickHouseClient): Promise<ClickHouseClient> {
    if (this.#closed) return timedOut
    const fresh = await openClient(this.#target, this.#seconds)
    this.#clients[this.#clients.indexOf(timedOut)] = fresh
    this.replaced++
    await timedOut.close().catch(() => undefined)
    return fresh
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all(this.#clients.map((c) => c.close()))
  }
}

export function openReadOnlySession(
  target: ClickHouseTarget,
  opts: ReadOnlySessionOptions = {},
): Promise<ReadOnlySession> {
  return ReadOnlySession.open(target, opts)
}
