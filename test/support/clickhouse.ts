// A throwaway embedded ClickHouse for one test file, migrated like production. One process may
// open one data directory, and vitest runs each file in its own process (pool: forks).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'
import { insertRows, type InsertRow } from '../../lib/clickhouse/insert-rows.ts'
import { migrateTarget } from '../../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../../lib/paths.ts'

export interface TestClickHouse {
  target: ClickHouseTarget
  client: ClickHouseClient
  cleanup(): Promise<void>
}

export async function createTestClickHouse(): Promise<TestClickHouse> {
  const dir = mkdtempSync(join(tmpdir(), 'hookhouse-ch-'))
  const target: ClickHouseTarget = process.env.CLICKHOUSE_URL
    ? {
        url: process.env.CLICKHOUSE_URL,
        user: process.env.CLICKHOUSE_USER ?? 'default',
        password: process.env.CLICKHOUSE_PASSWORD ?? '',
        database: `hookhouse_test_${process.pid}`,
        dataDir: dir,
      }
    : { url: undefined, user: 'default', password: '', database: 'hookhouse', dataDir: dir }
  await migrateTarget(target, migrationsDir)
  const client = await openClickHouse(target)
  return {
    target,
    client,
    async cleanup() {
      if (target.url) await client.command({ query: `DROP DATABASE IF EXISTS ${target.database}` })
      await client.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Inserts rows per table as the projector does. */
export async function insertProjected(
  client: ClickHouseClient,
  rows: Map<string, InsertRow[]>,
): Promise<void> {
  for (const [table, values] of rows) {
    await insertRows(client, table, values, { date_time_input_format: 'best_effort' })
  }
}

export async function queryRows<T>(client: ClickHouseClient, sql: string): Promise<T[]> {
  const rs = await client.query({ query: sql, format: 'JSONEachRow' })
  return rs.json<T>()
}
