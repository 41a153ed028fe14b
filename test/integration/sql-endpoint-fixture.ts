// What the SQL endpoint tests share: the embedded engine migrated like production, the seed
// deliveries normalised and projected exactly as the projector does (inserted straight into the
// tables: the projector's own test proves that path), and an endpoint on a free port.
import { pino } from 'pino'
import type { ClickHouseClient } from '../../lib/clickhouse/client-factory.ts'
import {
  startSqlEndpoint,
  type RunningSqlEndpoint,
  type SqlAuth,
  type SqlLimits,
} from '../../services/sql-endpoint/index.ts'
import type { TestClickHouse } from '../support/clickhouse.ts'
import { insertProjectedSeeds } from '../support/projected-seeds.ts'

const receivedAt = Date.UTC(2026, 10, 23, 12, 0, 0)

/** Every seed, normalised and projected as the projector would, one second apart. */
export async function insertSeeds(client: ClickHouseClient): Promise<void> {
  await insertProjectedSeeds(client, receivedAt)
}

export const generousLimits: SqlLimits = {
  maxExecutionSeconds: 60,
  maxResultRows: 10_000_000,
  maxResultBytes: 1024 ** 3,
  maxConcurrentQueries: 3,
}

export function startEndpoint(
  ch: TestClickHouse,
  limits: Partial<SqlLimits> = {},
  auth: SqlAuth = { user: 'default', password: undefined },
): Promise<RunningSqlEndpoint> {
  return startSqlEndpoint({
    clickhouse: ch.target,
    host: '127.0.0.1',
    port: 0,
    auth,
    limits: { ...generousLimits, ...limits },
    log: pino({ level: 'silent' }),
  })
}

export interface HttpAnswer {
  status: number
  headers: Headers
  body: Buffer
  text: string
}

/** One HTTP request as curl would make it, the body read whole. */
export async function http(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const res = await fetch(url, init)
  const body = Buffer.from(await res.arrayBuffer())
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') }
}

/** Row counts of every table of the database, to show a refused query changed nothing. */
export async function tableCounts(client: ClickHouseClient): Promise<Record<string, number>> {
  const rs = await client.query({
    query: `SELECT name, total_rows FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' ORDER BY name`,
    format: 'JSONEachRow',
  })
  const out: Record<string, number> = {}
  for (const r of await rs.json<{ name: string; total_rows: number | string }>())
    out[r.name] = Number(r.total_rows)
  return out
}
