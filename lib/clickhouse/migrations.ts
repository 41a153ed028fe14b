// Numbered SQL migrations (migrations/NNNN_name.sql), applied in order and recorded in
// `schema_migrations`. Files are written for a single node; `clusterize` rewrites them for a
// ClickHouse cluster (ON CLUSTER, Replicated engines) so there is one copy of each schema.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openClickHouse, type ClickHouseClient, type ClickHouseTarget } from './client-factory.ts'

export interface Migration {
  version: number
  name: string
  file: string
  statements: string[]
  checksum: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

const fileName = /^(\d{4})_([a-z0-9_]+)\.sql$/

export function loadMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
  const seen = new Set<number>()
  return files.map((file) => {
    const m = fileName.exec(file)
    if (!m) throw new MigrationError(`${file}: migration files are named NNNN_snake_name.sql`)
    const version = Number(m[1])
    if (seen.has(version)) throw new MigrationError(`${file}: version ${m[1]} is used twice`)
    seen.add(version)
    const sql = readFileSync(join(dir, file), 'utf8')
    return {
      version,
      name: m[2] ?? file,
      file,
      statements: splitStatements(sql),
      checksum: createHash('sha256').update(sql).digest('hex'),
    }
  })
}

/** Splits on `;` at the end of a line; comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

const engineArgsRe =
  /ENGINE\s*=\s*(Replacing|Aggregating|Summing|Collapsing|VersionedCollapsing)?MergeTree(\s*\(([^)]*)\))?/i
const headRe =
  /^(CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|MATERIALIZED\s+VIEW|VIEW|DATABASE|DICTIONARY)\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w.`]+|ALTER\s+TABLE\s+[\w.`]+|DROP\s+(?:TABLE|VIEW|DATABASE|DICTIONARY)\s+(?:IF\s+EXISTS\s+)?[\w.`]+|TRUNCATE\s+TABLE\s+(?:IF\s+EXISTS\s+)?[\w.`]+|RENAME\s+TABLE\s+[\w.`]+\s+TO\s+[\w.`]+|EXCHANGE\s+TABLES\s+[\w.`]+\s+AND\s+[\w.`]+)/i

/**
 * Rewrites one single-node statement for a cluster: `ON CLUSTER name` after the object name, and
 * MergeTree-family engines to their Replicated form with the conventional Keeper path.
 */
export function clusterize(statement: string, cluster: string): string {
  let out = statement.replace(headRe, (head) => `${head} ON CLUSTER ${cluster}`)
  out = out.replace(
    engineArgsRe,
    (_all, family: string | undefined, _p, args: string | undefined) => {
      const path = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`
      const rest = args && args.trim().length > 0 ? `, ${args.trim()}` : ''
      return `ENGINE = Replicated${family ?? ''}MergeTree(${path}${rest})`
    },
  )
  return out
}

export interface MigrateOptions {
  database: string
  cluster?: string | undefined
  log?: (line: string) => void
}

export interface MigrateResult {
  applied: string[]
  skipped: string[]
}

/**
 * Applies what is not yet recorded, on a client bound to `opts.database`. Running twice is a no-op; a changed applied file or a failed statement stops with
 * the file name and ClickHouse's message.
 */
export async function migrate(
  client: ClickHouseClient,
  migrations: Migration[],
  opts: MigrateOptions,
): Promise<MigrateResult> {
  const log = opts.log ?? (() => {})
  const adapt = (s: string) => (opts.cluster ? clusterize(s, opts.cluster) : s)
  await client.command({
    query: adapt(`CREATE TABLE IF NOT EXISTS ${opts.database}.schema_migrations (
      version UInt32,
      name String,
      checksum String,
      applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version
    COMMENT 'Migrations applied to this database, one row per file.'`),
  })
  const rs = await client.query({
    query: `SELECT version, name, checksum FROM ${opts.database}.schema_migrations FINAL ORDER BY version`,
    format: 'JSONEachRow',
  })
  const done = new Map(
    (await rs.json<{ version: number; name: string; checksum: string }>()).map((r) => [
      Number(r.version),
      r,
    ]),
  )
  const result: MigrateResult = { applied: [], skipped: [] }
  for (const m of migrations) {
    const prior = done.get(m.version)
    if (prior) {
      if (prior.checksum !== m.checksum) {
        throw new MigrationError(
          `${m.file}: changed after it was applied (recorded checksum ${prior.checksum.slice(0, 12)}, file ${m.checksum.slice(0, 12)}); add a new migration instead`,
        )
      }
      result.skipped.push(m.file)
      continue
    }
    for (const [i, statement] of m.statements.entries()) {
      try {
        await client.command({ query: adapt(statement) })
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err)
        throw new MigrationError(`${m.file} (statement ${i + 1}) failed: ${msg}`)
      }
    }
    await client.insert({
      table: `${opts.database}.schema_migrations`,
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    })
    result.applied.push(m.file)
    log(`applied ${m.file}`)
  }
  return result
}

/** Opens the clients it needs on `target`, migrates, and closes them. */
export async function migrateTarget(
  target: ClickHouseTarget,
  dir: string,
  opts: { cluster?: string | undefined; log?: (line: string) => void } = {},
): Promise<MigrateResult> {
  const migrations = loadMigrations(dir)
  const bootstrap = await openClickHouse(target, { useDatabase: false })
  try {
    const create = `CREATE DATABASE IF NOT EXISTS ${target.database}`
    await bootstrap.command({ query: opts.cluster ? clusterize(create, opts.cluster) : create })
  } finally {
    await bootstrap.close()
  }
  const client = await openClickHouse(target)
  try {
    return await migrate(client, migrations, { ...opts, database: target.database })
  } finally {
    await client.close()
  }
}
