// Child process of scripts/reliability/tables.ts: the only place the fault harness opens
// ClickHouse. One process may hold one embedded data directory (DESIGN.md), and every projector of
// a run has its own, so each look at a projector's tables is a process of its own:
//
// inspect SPEC  rows per projection table of one store, read with FINAL; with `outDir`, also every
//               table's FINAL rows as a Native file, to be loaded by `compare`.
// compare SPEC  in a fresh workspace: loads what the projectors wrote into database `observed`
//               (the exported files, or the databases of a ClickHouse server), projects the whole
//               log once more into database `reference` with the real projector and a new consumer
//               group, and compares every table of the two, row by row through a hash.
//
// Prints one line `result <json>` on stdout.
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { randomUUID } from 'node:crypto'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import {
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../../lib/clickhouse/migrations.ts'
import { migrationsDir, schemasDir } from '../../lib/paths.ts'
import { createProjectorMetrics } from '../../services/projector/metrics.ts'
import { projections } from '../../services/projector/projections/index.ts'
import { startProjector } from '../../services/projector/projector.ts'
import type { ProjectorStore } from './processes.ts'
import { KafkaWatch } from './kafka-watch.ts'
import type {
  CompareResult,
  CompareSpec,
  InspectResult,
  InspectSpec,
  TableFingerprint,
} from './tables.ts'

const tables = projections.map((p) => p.table)

function targetOf(store: ProjectorStore, database = store.database): ClickHouseTarget {
  return {
    url: store.url,
    user: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
    database,
    dataDir: join(store.dataDir, 'clickhouse'),
  }
}

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>()
}

/**
 * Columns a table is compared on: all of them but `kafka_offset`. When the log holds an event
 * twice (at-least-once), which copy's offset a row keeps depends on which copy was inserted last;
 * everything a user reads is the same either way.
 */
async function comparedColumns(client: ClickHouseClient, db: string, table: string) {
  const cols = await rows<{ name: string }>(
    client,
    `SELECT name FROM system.columns WHERE database = '${db}' AND table = '${table}' AND name != 'kafka_offset' ORDER BY position`,
  )
  return cols.map((c) => `\`${c.name}\``)
}

async function fingerprint(
  client: ClickHouseClient,
  db: string,
): Promise<Record<string, TableFingerprint>> {
  const out: Record<string, TableFingerprint> = {}
  for (const t of tables) {
    const cols = await comparedColumns(client, db, t)
    const [r] = await rows<{ rows: number; hash: string }>(
      client,
      `SELECT count() AS rows, toString(sum(cityHash64(tuple(${cols.join(', ')})))) AS hash FROM ${db}.${t} FINAL`,
    )
    out[t] = { rows: Number(r?.rows ?? 0), hash: r?.hash ?? '' }
  }
  return out
}

async function inspect(spec: InspectSpec): Promise<InspectResult> {
  const target = targetOf(spec.store)
  const client = await openClickHouse(target)
  try {
    const counts: Record<string, number> = {}
    for (const t of tables) {
      const [r] = await rows<{ n: number }>(client, `SELECT count() AS n FROM ${t} FINAL`)
      counts[t] = Number(r?.n ?? 0)
      if (spec.outDir) {
        await client.command({
          query: `INSERT INTO FUNCTION file('${join(spec.outDir, `${t}.native`)}', 'Native') SELECT * FROM ${target.database}.${t} FINAL SETTINGS engine_file_truncate_on_insert = 1`,
        })
      }
    }
    return { counts }
  } finally {
    await client.close()
  }
}

async function compare(spec: CompareSpec): Promise<CompareResult> {
  const observedDb = `${spec.workspace.database}_observed`
  const referenceDb = `${spec.workspace.database}_reference`
  for (const db of [observedDb, referenceDb]) {
    await migrateTarget(targetOf(spec.workspace, db), migrationsDir)
  }
  const client = await openClickHouse(targetOf(spec.workspace, observedDb))
  try {
    // What the projectors wrote, FINAL rows of each, one source after the other.
    for (const t of tables) {
      for (const dir of spec.exportDirs) {
        const file = join(dir, `${t}.native`)
        if (!existsSync(file)) continue
        await client.command({
          query: `INSERT INTO ${observedDb}.${t} SELECT * FROM file('${file}', 'Native')`,
        })
      }
      for (const db of spec.databases) {
        await client.command({
          query: `INSERT INTO ${observedDb}.${t} SELECT * FROM ${db}.${t} FINAL`,
        })
      }
    }

    // The whole log projected once, by a projector that was never disturbed.
    const reference = await openClickHouse(targetOf(spec.workspace, referenceDb))
    const started = performance.now()
    const groupId = `hookhouse-reference-${randomUUID()}`
    const projector = await startProjector({
      brokers: spec.brokers,
      topic: spec.topic,
      deadLetterTopic: `${spec.topic}.reference-dlq`,
      groupId,
      clickhouse: reference,
      eventCodec: createCodec<Event>(schemasDir, 'event'),
      deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
      log: pino({ level: 'silent' }),
      metrics: createProjectorMetrics(),
      batchMaxEvents: 10_000,
      batchMaxWaitMs: 100,
    })
    const watch = new KafkaWatch(spec.brokers)
    try {
      await watch.waitCaughtUp(spec.topic, groupId, spec.timeoutMs)
    } finally {
      await watch.close()
      await projector.close()
      await reference.close()
    }
    const referenceSeconds = (performance.now() - started) / 1000

    const observed = await fingerprint(client, observedDb)
    const ref = await fingerprint(client, referenceDb)
    const differing = tables.filter(
      (t) => observed[t]?.rows !== ref[t]?.rows || observed[t]?.hash !== ref[t]?.hash,
    )
    const samples: Record<string, unknown[]> = {}
    for (const t of differing) {
      const cols = (await comparedColumns(client, observedDb, t)).filter((c) => c !== '`payload`')
      const list = cols.join(', ')
      samples[t] = [
        ...(await rows(
          client,
          `SELECT 'observed only' AS side, ${list} FROM (SELECT ${list} FROM ${observedDb}.${t} FINAL EXCEPT SELECT ${list} FROM ${referenceDb}.${t} FINAL) LIMIT 3`,
        )),
        ...(await rows(
          client,
          `SELECT 'reference only' AS side, ${list} FROM (SELECT ${list} FROM ${referenceDb}.${t} FINAL EXCEPT SELECT ${list} FROM ${observedDb}.${t} FINAL) LIMIT 3`,
        )),
      ]
    }
    const ids = await rows<{ event_id: string }>(
      client,
      `SELECT event_id FROM ${observedDb}.events FINAL`,
    )
    const idsFile = join(spec.outDir, 'observed-event-ids.txt')
    writeFileSync(idsFile, ids.map((r) => r.event_id).join('\n'))
    const [ev] = await rows<{ rows: number; ids: number }>(
      client,
      `SELECT count() AS rows, uniqExact(event_id) AS ids FROM ${observedDb}.events FINAL`,
    )
    return {
      observed,
      reference: ref,
      differing,
      samples,
      eventRows: Number(ev?.rows ?? 0),
      eventIds: Number(ev?.ids ?? 0),
      idsFile,
      referenceSeconds,
    }
  } finally {
    await client.close()
  }
}

const [mode, raw] = process.argv.slice(2)
const spec = JSON.parse(raw ?? '{}') as unknown
const result =
  mode === 'inspect'
    ? await inspect(spec as InspectSpec)
    : mode === 'compare'
      ? await compare(spec as CompareSpec)
      : undefined
if (result === undefined) {
  process.stderr.write(`usage: tables-process.ts inspect|compare SPEC_JSON\n`)
  process.exit(2)
}
process.stdout.write(`result ${JSON.stringify(result)}\n`)
process.exit(0)
