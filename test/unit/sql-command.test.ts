// `hookhouse sql` and the endpoint's configuration: arguments, where queries go, the prompt's
// statement reader, the --tables listing, and the password rule beyond loopback.
import { describe, expect, it } from 'vitest'
import {
  describeTables,
  parseSqlArgs,
  sqlTarget,
  statementCollector,
} from '../../cli/commands/sql.ts'
import type { ClickHouseTarget } from '../../lib/clickhouse/client-factory.ts'
import { ConfigError, loadConfig } from '../../lib/config.ts'
import { pino } from 'pino'
import { isLoopback, sqlEndpointOptions } from '../../services/sql-endpoint/from-config.ts'

const embeddedTarget: ClickHouseTarget = {
  url: undefined,
  user: 'default',
  password: '',
  database: 'hookhouse',
  dataDir: '/tmp/x',
}
const log = pino({ level: 'silent' })

describe('SQL_LISTEN and the endpoint options', () => {
  it('parses host:port, [v6]:port and off', () => {
    expect(loadConfig({}).SQL_LISTEN).toEqual({ host: '127.0.0.1', port: 8123 })
    expect(loadConfig({ SQL_LISTEN: '[::1]:9000' }).SQL_LISTEN).toEqual({ host: '::1', port: 9000 })
    expect(loadConfig({ SQL_LISTEN: 'off' }).SQL_LISTEN).toBeNull()
    expect(() => loadConfig({ SQL_LISTEN: '8123' })).toThrow(/SQL_LISTEN="8123" is invalid/)
  })

  it('requires a password beyond loopback, and is off with a ClickHouse server', () => {
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0')).toBe(true)
    expect(() =>
      sqlEndpointOptions(loadConfig({ SQL_LISTEN: '0.0.0.0:8123' }), embeddedTarget, log),
    ).toThrow(ConfigError)
    expect(
      sqlEndpointOptions(
        loadConfig({ SQL_LISTEN: '0.0.0.0:8123', SQL_PASSWORD: 'p' }),
        embeddedTarget,
        log,
      )?.auth,
    ).toEqual({ user: 'default', password: 'p' })
    expect(
      sqlEndpointOptions(loadConfig({ SQL_LISTEN: 'off' }), embeddedTarget, log),
    ).toBeUndefined()
    expect(
      sqlEndpointOptions(loadConfig({}), { ...embeddedTarget, url: 'http://ch:8123' }, log),
    ).toBeUndefined()
    expect(
      sqlEndpointOptions(loadConfig({ SQL_MAX_CONCURRENT_QUERIES: '2' }), embeddedTarget, log)
        ?.limits.maxConcurrentQueries,
    ).toBe(2)
  })
})

describe('hookhouse sql', () => {
  it('takes the query as one argument or a file, not both', () => {
    expect(parseSqlArgs(['SELECT 1', '--format', 'CSV'])).toMatchObject({
      query: 'SELECT 1',
      format: 'CSV',
    })
    expect(parseSqlArgs(['--tables'])).toMatchObject({ tables: true, query: undefined })
    expect(() => parseSqlArgs(['SELECT', '1'])).toThrow(/one argument/)
    expect(() => parseSqlArgs(['SELECT 1', '-f', 'q.sql'])).toThrow(/not both/)
  })

  it('goes to the server when CLICKHOUSE_URL is set, else to the endpoint', () => {
    expect(sqlTarget(loadConfig({ SQL_PASSWORD: 'p' }))).toMatchObject({
      url: 'http://127.0.0.1:8123/',
      user: 'default',
      password: 'p',
    })
    expect(
      sqlTarget(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'r' })),
    ).toMatchObject({ url: 'http://ch:8123', user: 'r', database: 'hookhouse' })
    expect(() => sqlTarget(loadConfig({ SQL_LISTEN: 'off' }))).toThrow(/SQL_LISTEN is off/)
    expect(sqlTarget(loadConfig({}), 'http://other:8123/').url).toBe('http://other:8123/')
  })

  it('gathers prompt lines into a statement until ; or an empty line', () => {
    const collect = statementCollector()
    expect(collect('SELECT')).toBeUndefined()
    expect(collect('  1;')).toBe('SELECT\n  1')
    expect(collect('')).toBeUndefined()
    expect(collect('SELECT 2')).toBeUndefined()
    expect(collect('')).toBe('SELECT 2')
  })

  it('lists tables with their comments and columns aligned', () => {
    expect(
      describeTables([
        { table: 'a', table_comment: 'Table A', name: 'id', type: 'Int64', comment: 'The id' },
        { table: 'a', table_comment: 'Table A', name: 'long_name', type: 'String', comment: '' },
        { table: 'b', table_comment: '', name: 'x', type: 'UInt8', comment: 'X' },
      ]),
    ).toBe(
      'a  -- Table A\n  id         Int64   -- The id\n  long_name  String\n\nb\n  x  UInt8  -- X\n',
    )
  })
})
