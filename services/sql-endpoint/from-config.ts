// The endpoint's options from configuration, with the one rule configuration alone cannot state:
// an endpoint reachable beyond this machine must have a password.
import type { ClickHouseTarget } from '../../lib/clickhouse/client-factory.ts'
import { ConfigError, type Config } from '../../lib/config.ts'
import type { Logger } from '../../lib/logger.ts'
import type { SqlEndpointOptions } from './index.ts'

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Undefined when the endpoint is off, or not needed because ClickHouse is a server. */
export function sqlEndpointOptions(
  cfg: Config,
  clickhouse: ClickHouseTarget,
  log: Logger,
): SqlEndpointOptions | undefined {
  const listen = cfg.SQL_LISTEN
  if (listen === null || clickhouse.url !== undefined) return undefined
  if (cfg.SQL_PASSWORD === undefined && !isLoopback(listen.host))
    throw new ConfigError(
      `SQL_LISTEN=${listen.host}:${listen.port} reaches beyond this machine: set SQL_PASSWORD, or listen on 127.0.0.1`,
    )
  return {
    clickhouse,
    host: listen.host,
    port: listen.port,
    auth: { user: cfg.SQL_USER, password: cfg.SQL_PASSWORD },
    limits: {
      maxExecutionSeconds: cfg.SQL_MAX_EXECUTION_TIME,
      maxResultRows: cfg.SQL_MAX_RESULT_ROWS,
      maxResultBytes: cfg.SQL_MAX_RESULT_BYTES,
      maxConcurrentQueries: cfg.SQL_MAX_CONCURRENT_QUERIES,
    },
    log,
  }
}
