// Inserting rows, the fast way each backend allows. A server gets @clickhouse/client's insert
// (JSONEachRow over HTTP).
//
// The embedded engine gets the rows in RowBinary through a scratch file: `INSERT ... SELECT FROM
// file(path, RowBinary, structure)`. Both text paths it offers cost more than the fold itself:
// client.insert splices the rows into the SQL text (three copies of the batch), and chdb's
// rawInsert, which takes only text formats, fed even a bare TabSeparated String column to a Null
// table at 40-80 MB/s, against 500+ MB/s for the same bytes read back by file() (measured side by
// side, docs/benchmarks.md). The scratch file lives in /dev/shm when there is one: memory, no disk.
import { randomUUID } from 'node:crypto'
import { accessSync, constants, existsSync, readdirSync, rmSync } from 'node:fs'
import { unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { embedded } from './client-factory.ts'
import {
  rowBinaryEncoder,
  UnsupportedColumnType,
  type CellValue,
  type Column,
  type RowBinaryEncoder,
} from './row-binary.ts'
import { quoteString } from './sql-literals.ts'

export type InsertSettings = Record<string, string | number>

export type InsertRow = Readonly<Record<string, CellValue>>

export async function insertRows(
  client: ClickHouseClient,
  table: string,
  rows: readonly InsertRow[],
  settings: InsertSettings = {},
): Promise<void> {
  const first = rows[0]
  if (first === undefined) return
  const native = embedded.get(client)
  if (!native) {
    await client.insert({
      table,
      values: rows.map(textRow),
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    })
    return
  }
  const encoder = await encoderFor(client, native.database, table, Object.keys(first))
  if (encoder === null) {
    await native.chdb.rawInsert({
      table: `${native.database}.${table}`,
      values: Buffer.from(rows.map((r) => JSON.stringify(textRow(r))).join('\n')),
      format: 'JSONEachRow',
      settings,
    })
    return
  }
  const path = join(scratchDir(), `hookhouse-insert-${process.pid}-${randomUUID()}.rowbinary`)
  // Owner-only: the rows hold webhook bodies.
  await writeFile(path, encoder.encode(rows), { mode: 0o600 })
  try {
    const names = encoder.columns.map((c) => c.name).join(', ')
    const structure = encoder.columns.map((c) => `${c.name} ${c.type}`).join(', ')
    await client.command({
      query: `INSERT INTO ${native.database}.${table} (${names}) SELECT * FROM file(${quote(path)}, RowBinary, ${quote(structure)})`,
      clickhouse_settings: settings,
    })
  } finally {
    await unlink(path).catch(() => {})
  }
}

/** A row as JSON text formats need it: bytes (an event's original body) as a UTF-8 string. */
function textRow(row: InsertRow): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof Uint8Array) {
      copy ??= { ...row }
      copy[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8')
    }
  }
  return copy ?? row
}

function quote(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

let scratch: string | undefined
function scratchDir(): string {
  if (scratch === undefined) {
    scratch = tmpdir()
    try {
      if (existsSync('/dev/shm')) {
        accessSync('/dev/shm', constants.W_OK)
        scratch = '/dev/shm'
      }
    } catch {
      // not writable: the temp dir
    }
    sweepOrphans(scratch)
  }
  return scratch
}

const scratchName = /^hookhouse-insert-(\d+)-[0-9a-f-]+\.rowbinary$/

/**
 * A process killed mid-insert leaves its scratch file behind, and in /dev/shm that is memory:
 * files of processes that no longer run are removed when the next process starts inserting.
 */
export function sweepOrphans(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const pid = Number(scratchName.exec(name)?.[1])
    if (!pid || pid === process.pid || isRunning(pid)) continue
    rmSync(join(dir, name), { force: true })
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// The table's columns are read once per client and column set; null means a type the RowBinary
// writer does not know, and the table keeps the text path.
const encoders = new WeakMap<ClickHouseClient, Map<string, Promise<RowBinaryEncoder | null>>>()

function encoderFor(
  client: ClickHouseClient,
  database: string,
  table: string,
  names: string[],
): Promise<RowBinaryEncoder | null> {
  let byTable = encoders.get(client)
  if (!byTable) encoders.set(client, (byTable = new Map()))
  const key = `${table}:${names.join(',')}`
  let encoder = byTable.get(key)
  if (!encoder) {
    encoder = loadEncoder(client, database, table, names)
    byTable.set(key, encoder)
    encoder.catch(() => byTable.delete(key))
  }
  return encoder
}

async function loadEncoder(
  client: ClickHouseClient,
  database: string,
  table: string,
  names: string[],
): Promise<RowBinaryEncoder | null> {
  // Names from configuration, quoted here: with query_params the embedded engine would queue this
  // behind every other parameterised query of the process (services/dashboards/read-only-session.ts).
  const rs = await client.query({
    query: `SELECT name, type FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(table)}`,
    format: 'JSONEachRow',
  })
  const types = new Map((await rs.json<Column>()).map((c) => [c.name, c.type]))
  const columns: Column[] = names.map((name) => {
    const type = types.get(name)
    if (type === undefined) throw new Error(`table ${database}.${table} has no column ${name}`)
    return { name, type }
  })
  try {
    return rowBinaryEncoder(columns)
  } catch (err) {
    if (err instanceof UnsupportedColumnType) return null
    throw err
  }
}
