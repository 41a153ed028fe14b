// How `hookhouse start` and `hookhouse projector` start the SQL endpoint: an address already in
// use (a ClickHouse server on 8123, a second projector on this machine) is a warning and a line in
// the banner, and the endpoint runs when the address is free.
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { loadConfig } from '../../lib/config.ts'
import { describeSqlEndpoint, prepareSqlEndpoint } from '../../cli/sql-endpoint.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'

let ch: TestClickHouse
let taken: Server
let takenPort: number

beforeAll(async () => {
  ch = await createTestClickHouse()
  taken = createServer()
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
  takenPort = (taken.address() as { port: number }).port
})

afterAll(async () => {
  await new Promise((r) => taken.close(r))
  await ch?.cleanup()
})

describe('prepareSqlEndpoint', () => {
  it('reports an address in use instead of failing the process', async () => {
    const cfg = loadConfig({ SQL_LISTEN: `127.0.0.1:${takenPort}` })
    const lines: string[] = []
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) })
    const sql = await prepareSqlEndpoint(cfg, ch.target, log)()
    expect(sql).toEqual({ state: 'address in use', listen: `127.0.0.1:${takenPort}` })
    expect(describeSqlEndpoint(sql)).toContain(`127.0.0.1:${takenPort} is in use`)
    expect(lines.join('')).toContain('SQL endpoint not started')
  })

  it('starts the endpoint on a free address, and says off when turned off', async () => {
    const log = pino({ level: 'silent' })
    const sql = await prepareSqlEndpoint(
      loadConfig({ SQL_LISTEN: '127.0.0.1:0' }),
      ch.target,
      log,
    )()
    expect(sql.state).toBe('running')
    if (sql.state !== 'running') return
    try {
      const res = await fetch(`${sql.endpoint.url}ping`)
      expect(await res.text()).toBe('Ok.\n')
    } finally {
      await sql.endpoint.close()
    }
    const off = await prepareSqlEndpoint(loadConfig({ SQL_LISTEN: 'off' }), ch.target, log)()
    expect(describeSqlEndpoint(off)).toBe('off (SQL_LISTEN=off)')
  })
})
