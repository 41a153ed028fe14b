// Runs one panel's SQL with its bound parameters and returns its rows as plain JSON values.
import type { BoundValues } from './params.ts'
import type { Panel } from './panels.ts'
import type { ReadOnlySession } from './read-only-session.ts'

export interface Column {
  name: string
  type: string
}

export interface PanelResult {
  columns: Column[]
  rows: Record<string, unknown>[]
}

// ClickHouse's JSON output quotes 64-bit integers (output_format_json_quote_64bit_integers), and a
// read-only session may not change that setting: counts come back as "4". They are turned back
// into numbers here, from the column types the result carries, when a double holds them exactly.
const wideInteger = /^(?:Nullable\()?U?Int(?:64|128|256)\)?$/

function unquote(value: unknown): unknown {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return value
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : value
}

// Times are UTC (every hookhouse column is DateTime64(3, 'UTC')); the JSON says so explicitly, so
// a browser in any time zone reads `2016-08-12T15:23:28.000Z` the same way.
const dateTime = /^(?:Nullable\()?DateTime(?:64)?\(.*'UTC'\)\)?$/

function isoTime(value: unknown): unknown {
  return typeof value === 'string' && value.includes(' ') ? `${value.replace(' ', 'T')}Z` : value
}

export async function runPanel(
  session: ReadOnlySession,
  panel: Panel,
  values: BoundValues,
): Promise<PanelResult> {
  const { meta, data } = await session.select(panel.sql, values)
  const wide = meta.filter((c) => wideInteger.test(c.type)).map((c) => c.name)
  const times = meta.filter((c) => dateTime.test(c.type)).map((c) => c.name)
  if (wide.length > 0 || times.length > 0) {
    for (const row of data) {
      for (const name of wide) row[name] = unquote(row[name])
      for (const name of times) row[name] = isoTime(row[name])
    }
  }
  return { columns: meta, rows: data }
}

/** Which of `names` are not tables or views of the session's database. */
export async function missingRelations(
  session: ReadOnlySession,
  names: readonly string[],
): Promise<string[]> {
  if (names.length === 0) return []
  const { data } = await session.select<{ name: string }>(
    'SELECT name FROM system.tables WHERE database = currentDatabase()',
    {},
  )
  const present = new Set(data.map((r) => r.name))
  return names.filter((n) => !present.has(n))
}
