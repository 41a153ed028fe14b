// The dashboards' own ClickHouse session, read-only for good.
//
// Embedded engine: one session per role (DESIGN.md: the engine runs one session's queries one at a
// time), so a slow panel never stalls the projector's inserts. `SET readonly=1` on that session
// cannot be lifted: INSERT, `SET readonly=0` and `SETTINGS readonly=0` are all refused by the
// engine. Limits are set first, since a read-only session can change no setting afterwards.
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

export async function openReadOnlySession(target: ClickHouseTarget): Promise<ClickHouseClient> {
  if (target.url !== undefined) {
    return openClickHouse(target, {
      settings: { readonly: 1, max_execution_time: maxExecutionSeconds },
    })
  }
  const client = await openClickHouse(target)
  await client.command({ query: `SET max_execution_time = ${maxExecutionSeconds}` })
  await client.command({ query: 'SET readonly = 1' })
  return client
}
