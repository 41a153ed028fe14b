// Starts the SQL endpoint: ClickHouse's HTTP interface over the embedded engine, read-only, on
// its own listener. Started by the process that owns the embedded engine (`hookhouse start`);
// with a ClickHouse server (CLICKHOUSE_URL) users connect to the server instead.
import type { AddressInfo } from 'node:net'
import type { ClickHouseTarget } from '../../lib/clickhouse/client-factory.ts'
import type { Logger } from '../../lib/logger.ts'
import { createSqlServer, type SqlAuth } from './server.ts'
import { openSessionPool, type SqlLimits } from './session-pool.ts'

export type { SqlLimits } from './session-pool.ts'
export type { SqlAuth } from './server.ts'

export interface SqlEndpointOptions {
  clickhouse: ClickHouseTarget
  host: string
  port: number
  auth: SqlAuth
  limits: SqlLimits
  log: Logger
}

export interface RunningSqlEndpoint {
  url: string
  close(): Promise<void>
}

export async function startSqlEndpoint(opts: SqlEndpointOptions): Promise<RunningSqlEndpoint> {
  if (opts.clickhouse.url !== undefined)
    throw new Error(
      'the SQL endpoint serves the embedded engine; with CLICKHOUSE_URL use the server',
    )
  const pool = await openSessionPool(opts.clickhouse, opts.limits)
  const server = createSqlServer({
    pool,
    auth: opts.auth,
    database: opts.clickhouse.database,
    log: opts.log,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await pool.close()
    throw err
  }
  const { port } = server.address() as AddressInfo
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  return {
    url: `http://${host}:${port}/`,
    async close() {
      server.closeIdleConnections()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Streams still running are cut: their sessions are released as the sockets close.
        setTimeout(() => server.closeAllConnections(), 2000).unref()
      })
      await pool.close()
    },
  }
}
