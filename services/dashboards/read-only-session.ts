// The dashboards' own ClickHouse session, read-only for good.
//
// Embedded engine: one session per role (DESIGN.md: the engine runs one session's queries one at a
// time), so a slow panel never stalls the projector's inserts. `SET readonly=1` on that session
// cannot be lifted: INSERT, `SET readonly=0` and `SETTINGS readonly=0` are all refused by the
// engine. Limits are set first, since a read-only session can change no setting afterwards.
//
// After the engine stops a query at max_execution_time, the next answer on the same embedded
// session is corrupt: valid JSON followed by stray bytes ("Unexpected non-whitespace character
// after JSON", seen in `npm run bench -- panels` at scale 1 every time a panel before it had
// timed out). So a timed-out session is retired: later queries go to a fresh read-only session,
// and the old one is closed once the queries already on it have settled.
//
// Server: HTTP requests share no session, so `readonly=1` goes with every query; a read-only
// ClickHouse user for the dashboards is the stronger guard (issue 5, "Access").
import {
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'

/** Seconds a panel query may run before the engine stops it. */
export const maxExecutionSeconds = 30

export interface ReadOnlySessionOptions {
  /** max_execution_time of the session, in seconds (default 30). */
  maxExecutionSeconds?: number
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

interface Lease {
  client: ClickHouseClient
  inFlight: number
  retired: boolean
}

export class ReadOnlySession {
  readonly #target: ClickHouseTarget
  readonly #seconds: number
  #current: Lease
  #opening: Promise<Lease> | undefined
  #closed = false
  /** How many times a timed-out embedded session was replaced (for tests and logs). */
  replaced = 0

  private constructor(target: ClickHouseTarget, seconds: number, client: ClickHouseClient) {
    this.#target = target
    this.#seconds = seconds
    this.#current = { client, inFlight: 0, retired: false }
  }

  static async open(
    target: ClickHouseTarget,
    opts: ReadOnlySessionOptions = {},
  ): Promise<ReadOnlySession> {
    const seconds = opts.maxExecutionSeconds ?? maxExecutionSeconds
    if (!(Number.isInteger(seconds) && seconds > 0))
      throw new Error(`maxExecutionSeconds must be a positive integer, got ${seconds}`)
    return new ReadOnlySession(target, seconds, await openClient(target, seconds))
  }

  /** max_execution_time of the session, in seconds. */
  get maxExecutionSeconds(): number {
    return this.#seconds
  }

  /** The client queries go to now (a timeout replaces it). */
  get client(): ClickHouseClient {
    return this.#current.client
  }

  /** Runs `fn` on the session; if the engine stopped it at max_execution_time, retires the session. */
  async run<T>(fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    if (this.#opening) await this.#opening
    if (this.#closed) throw new Error('the read-only session is closed')
    const lease = this.#current
    lease.inFlight++
    try {
      return await fn(lease.client)
    } catch (err) {
      // The caller gets the timeout; a failure to open the new session leaves the old one in use.
      if (isTimeout(err) && this.#target.url === undefined)
        await this.#replace(lease).catch(() => undefined)
      throw err
    } finally {
      lease.inFlight--
      if (lease.retired && lease.inFlight === 0) await lease.client.close()
    }
  }

  async #replace(timedOut: Lease): Promise<void> {
    if (timedOut.retired || this.#closed) return
    timedOut.retired = true
    this.#opening = openClient(this.#target, this.#seconds).then((client) => ({
      client,
      inFlight: 0,
      retired: false,
    }))
    try {
      this.#current = await this.#opening
      this.replaced++
    } catch (err) {
      timedOut.retired = false
      throw err
    } finally {
      this.#opening = undefined
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#opening) await this.#opening.catch(() => undefined)
    await this.#current.client.close()
  }
}

export function openReadOnlySession(
  target: ClickHouseTarget,
  opts: ReadOnlySessionOptions = {},
): Promise<ReadOnlySession> {
  return ReadOnlySession.open(target, opts)
}
