// The panel definitions: one SQL file per panel in dashboards/panels/, read once at start-up. The
// same files feed the JSON API, the web UI and the Grafana dashboard, so a number is defined once.
//
// A file opens with `-- key: value` header lines (title, description, page, order, chart, params,
// and chart hints such as x, y, series), then one SELECT whose only inputs are ClickHouse bound
// parameters `{name:Type}`. Names and types are fixed here, so the API can validate a request
// before any SQL runs. The project, group and branch filters are not written out in the files:
// `{{scope}}` and `{{branch ref}}` macros are expanded here into the one clause of filters.ts.
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { dashboardsDir } from '../../lib/paths.ts'
import { expandFilters, FilterMacroError } from './filters.ts'

export const panelsDir = join(dashboardsDir, 'panels')

/** Every bound parameter a panel may use, with the one ClickHouse type it is bound as. */
export const parameterTypes = {
  from: "DateTime64(3, 'UTC')",
  to: "DateTime64(3, 'UTC')",
  project: 'String',
  group: 'String',
  branch: 'String',
} as const

export type ParameterName = keyof typeof parameterTypes
export const parameterNames = Object.keys(parameterTypes) as ParameterName[]

export const chartKinds = ['line', 'bar', 'hbar', 'heatmap', 'stat', 'table', 'dora'] as const
export type ChartKind = (typeof chartKinds)[number]

export interface Page {
  id: string
  title: string
  /** Path of the page in the web UI; undefined for panels no page shows (filter suggestions). */
  path: string | undefined
}

export const pages: Page[] = [
  { id: 'overview', title: 'Overview', path: '/' },
  { id: 'commits', title: 'Commits', path: '/commits' },
  { id: 'merge-requests', title: 'Merge requests', path: '/merge-requests' },
  { id: 'pipelines', title: 'Pipelines', path: '/pipelines' },
  { id: 'filters', title: 'Filters', path: undefined },
]

/** How the UI draws a panel: column names from the panel's rows. */
export interface ChartHints {
  x?: string
  y?: string[]
  series?: string
  value?: string
  unit?: string
  stack?: boolean
  line?: string
  link?: string
}

export interface Panel {
  name: string
  title: string
  description: string
  page: string
  order: number
  chart: ChartKind
  params: ParameterName[]
  /** Views or tables the panel reads that a migration may not have created yet. */
  requires: string[]
  hints: ChartHints
  sql: string
}

export class PanelDefinitionError extends Error {
  override name = 'PanelDefinitionError'
}

const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g

/** Parses one panel file; throws a PanelDefinitionError naming the file and what is wrong. */
export function parsePanel(name: string, text: string): Panel {
  const fail = (why: string): never => {
    throw new PanelDefinitionError(`dashboards/panels/${name}.sql: ${why}`)
  }
  if (!/^[a-z][a-z0-9_]*$/.test(name)) fail('the file name must be snake_case')
  const header = new Map<string, string>()
  const lines = text.split('\n')
  let i = 0
  for (; i < lines.length; i++) {
    const m = /^--\s*([a-z]+):\s*(.*)$/.exec(lines[i] ?? '')
    if (!m) break
    header.set(m[1] ?? '', (m[2] ?? '').trim())
  }
  let sql: string
  try {
    sql = expandFilters(lines.slice(i).join('\n').trim())
  } catch (err) {
    throw err instanceof FilterMacroError
      ? new PanelDefinitionError(`dashboards/panels/${name}.sql: ${err.message}`)
      : err
  }
  const required = (key: string): string => header.get(key) || fail(`the header has no ${key}:`)
  const list = (key: string): string[] =>
    (header.get(key) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')

  const page = required('page')
  if (!pages.some((p) => p.id === page)) fail(`unknown page ${page}`)
  const chart = required('chart')
  if (!(chartKinds as readonly string[]).includes(chart)) fail(`unknown chart ${chart}`)
  const order = Number(header.get('order') ?? '100')
  if (!Number.isInteger(order)) fail('order: is not an integer')

  if (!/^(SELECT|WITH)\b/i.test(sql.replace(/^(?:\s*--.*(?:\n|$))*\s*/, '')))
    fail('the query must be one SELECT (or WITH ... SELECT)')
  if (sql.replace(/--.*$/gm, '').includes(';'))
    fail('the query must be one statement, without a semicolon')

  const used = new Set<ParameterName>()
  for (const m of sql.matchAll(placeholder)) {
    const [, param = '', type = ''] = m
    if (!(param in parameterTypes)) fail(`unknown parameter {${param}:...}`)
    const expected = parameterTypes[param as ParameterName]
    if (type.trim() !== expected) fail(`{${param}:${type}} must be bound as {${param}:${expected}}`)
    used.add(param as ParameterName)
  }
  const params = parameterNames.filter((p) => used.has(p))
  const declared = list('params')
  if ([...declared].sort().join() !== [...params].sort().join())
    fail(`params: says ${declared.join(', ')} but the query uses ${params.join(', ')}`)

  const hints: ChartHints = {}
  for (const key of ['x', 'series', 'value', 'unit', 'line', 'link'] as const) {
    const v = header.get(key)
    if (v) hints[key] = v
  }
  if (header.has('y')) hints.y = list('y')
  if (header.get('stack') === 'true') hints.stack = true

  return {
    name,
    title: required('title'),
    description: required('description'),
    page,
    order,
    chart: chart as ChartKind,
    params,
    requires: list('requires'),
    hints,
    sql,
  }
}

/** Reads every panel of `dir`, in page order then panel order. */
export function loadPanels(dir: string = panelsDir): Panel[] {
  const panels = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => parsePanel(basename(f, '.sql'), readFileSync(join(dir, f), 'utf8')))
  const pageIndex = (p: Panel) => pages.findIndex((x) => x.id === p.page)
  return panels.sort(
    (a, b) => pageIndex(a) - pageIndex(b) || a.order - b.order || a.name.localeCompare(b.name),
  )
}
