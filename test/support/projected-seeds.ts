// The seed deliveries normalised as the ingest does, folded through every projection and inserted
// as the projector inserts (insertRows), one second apart: for tests that need filled tables
// without Kafka. The projector's own test proves the Kafka path to the same rows.
import type { ClickHouseClient } from '../../lib/clickhouse/client-factory.ts'
import { insertRows } from '../../lib/clickhouse/insert-rows.ts'
import { readDelivery } from '../../services/ingest/delivery.ts'
import { normalise } from '../../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { projections } from '../../services/projector/projections/index.ts'
import { seeds } from './seeds.ts'

export async function insertProjectedSeeds(
  client: ClickHouseClient,
  receivedAt: number,
): Promise<void> {
  const events = seeds.map((s, i) => {
    const body = Buffer.from(s.body)
    const parsed = parseWebhookBody(body)
    if (!parsed.ok) throw parsed.error
    return normalise({
      delivery: readDelivery(s.headers),
      body,
      json: parsed.value,
      receivedAt: receivedAt + i * 1000,
    })
  })
  for (const p of projections) {
    const rows = events.flatMap((e, i) => p.project(e, { partition: 0, offset: String(i) }))
    await insertRows(client, p.table, rows, { date_time_input_format: 'best_effort' })
  }
}
