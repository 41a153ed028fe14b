// Inserting rows, the fast way each backend allows. A server gets @clickhouse/client's insert.
// The embedded engine gets the rows as one JSONEachRow buffer handed to its native parser
// zero-copy (chdb's rawInsert): its client.insert path turns the rows into a string and splices
// them into the SQL text, three copies of the batch, measured several times slower on the events
// table (docs/benchmarks.md).
import type { ClickHouseClient } from '@clickhouse/client'
import { embedded } from './client-factory.ts'

export type InsertSettings = Record<string, string | number>

export async function insertRows(
  client: ClickHouseClient,
  table: string,
  rows: readonly Record<string, unknown>[],
  settings: InsertSettings = {},
): Promise<void> {
  if (rows.length === 0) return
  const native = embedded.get(client)
  if (!native) {
    await client.insert({
      table,
      values: rows as Record<string, unknown>[],
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    })
    return
  }
  const body = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'))
  await native.chdb.rawInsert({
    table: `${native.database}.${table}`,
    values: body,
    format: 'JSONEachRow',
    settings,
  })
}
