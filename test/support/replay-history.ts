// What the insert-time tests share: replaying one history of events in a given order of batches
// into the projection tables, the old view of an earlier migration under a new name as the
// reference, and a panel's rows for a range.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { rng } from '../../bench/synthetic.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { derivedTables } from '../../lib/clickhouse/derived-tables.ts'
import { splitStatements } from '../../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../../lib/paths.ts'
import { loadPanels } from '../../services/dashboards/panels.ts'
import { readPanelParams } from '../../services/dashboards/params.ts'
import { projections } from '../../services/projector/projections/index.ts'
import { insertProjected } from './clickhouse.ts'
import { fold } from './dora-story.ts'

/** Empties the projection and view-fed tables, then inserts each batch as the projector would. */
export async function replayInto(client: ClickHouseClient, batches: Event[][]): Promise<void> {
  for (const t of [...projections.map((p) => p.table), ...derivedTables])
    await client.command({ query: `TRUNCATE TABLE IF EXISTS ${t}` })
  for (const batch of batches) await insertProjected(client, fold(batch))
}

/**
 * Creates, under a new head, the statement of a migration that starts with `head`: an earlier
 * definition of a view, as the reference a newer one must equal.
 */
export async function viewFromMigration(
  client: ClickHouseClient,
  file: string,
  head: string,
  newHead: string,
): Promise<void> {
  const statement = splitStatements(readFileSync(join(migrationsDir, file), 'utf8')).find((s) =>
    s.startsWith(head),
  )
  if (!statement) throw new Error(`${file} has no statement starting ${JSON.stringify(head)}`)
  await client.command({ query: statement.replace(head, newHead) })
}

/** The rows of a panel for [from, to) with no project or group filter. */
export async function panelRows(
  client: ClickHouseClient,
  name: string,
  from: number,
  to: number,
  now: number,
): Promise<Record<string, unknown>[]> {
  const panel = loadPanels().find((p) => p.name === name)
  if (!panel) throw new Error(`no ${name} panel`)
  const iso = (ms: number) => new Date(ms).toISOString()
  const params = readPanelParams(panel, { from: iso(from), to: iso(to) }, now)
  if (!params.ok) throw new Error(`bad params for ${name}`)
  const rs = await client.query({
    query: panel.sql,
    format: 'JSONEachRow',
    query_params: params.values,
  })
  return rs.json()
}

/** The items in a seeded random order (Fisher-Yates), the same on every run. */
export function shuffled<X>(items: X[], seed: number): X[] {
  const random = rng(seed)
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j] as X, out[i] as X]
  }
  return out
}

export const inBatches = <X>(items: X[], size: number): X[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(size * i, size * i + size),
  )
