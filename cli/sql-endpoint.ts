// The SQL endpoint as the processes that own the embedded engine start it (`start`, `projector`):
// optional, so an address already in use (a ClickHouse server on 8123, a second projector on this
// machine) is a warning, never the reason the pipeline does not run.
import type { ClickHouseTarget } from '../lib/clickhouse/client-factory.ts'
import type { Config } from '../lib/config.ts'
import type { Logger } from '../lib/logger.ts'
import { sqlEndpointOptions } from '../services/sql-endpoint/from-config.ts'
import { startSqlEndpoint, type RunningSqlEndpoint } from '../services/sql-endpoint/index.ts'

export type SqlEndpointStart =
  | { state: 'running'; endpoint: RunningSqlEndpoint }
  | { state: 'not needed' | 'off' }
  | { state: 'address in use'; listen: string }

/** Checks the configuration first (throws ConfigError), so call it before starting the rest. */
export function prepareSqlEndpoint(
  cfg: Config,
  target: ClickHouseTarget,
  log: Logger,
): () => Promise<SqlEndpointStart> {
  const options = sqlEndpointOptions(cfg, target, log)
  return async () => {
    if (!options) return { state: target.url !== undefined ? 'not needed' : 'off' }
    try {
      return { state: 'running', endpoint: await startSqlEndpoint(options) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
      const listen = `${options.host}:${options.port}`
      log.warn({ listen }, 'SQL endpoint not started: the address is in use')
      return { state: 'address in use', listen }
    }
  }
}

/** One line for the start-up banner. */
export function describeSqlEndpoint(s: SqlEndpointStart): string {
  switch (s.state) {
    case 'running':
      return `${s.endpoint.url} (read-only; \`hookhouse sql\`, docs/querying.md)`
    case 'not needed':
      return 'use the ClickHouse server'
    case 'off':
      return 'off (SQL_LISTEN=off)'
    case 'address in use':
      return `not started: ${s.listen} is in use (set SQL_LISTEN to another host:port, or off)`
  }
}
