// What a panel card should show, from the JSON API's answer for the same filters, and the
// differences from what the page shows (read by read-panels.js).
import { readFileSync } from 'node:fs'

/** The browser-side reader, as an expression for page.evaluate. */
export const readPanelsScript = readFileSync(new URL('./read-panels.js', import.meta.url), 'utf8')

export interface PanelInfo {
  name: string
  title: string
  page: string
  chart: 'line' | 'bar' | 'hbar' | 'heatmap' | 'stat' | 'table' | 'dora'
  params: string[]
  hints: {
    x?: string
    y?: string[]
    series?: string
    value?: string
    unit?: string
    line?: string
    link?: string
  }
}

export interface PanelAnswer {
  columns: { name: string; type: string }[]
  rows: Record<string, unknown>[]
}

export interface ShownPanel {
  name: string
  state: string
  rows: number | null
  message: string | null
  chart?: {
    width: number
    height: number
    canvas: { width: number; height: number } | null
    painted: boolean
    values: (number | null)[]
  }
  stat?: { value: string; text: string }
  dora?: { metric: string; rating: string; value: string; text: string }[]
  table?: { headers: string[]; cells: string[][]; links: string[] }
}

export type Filters = Partial<Record<'from' | 'to' | 'project' | 'group' | 'branch', string>>

export const chartKinds = ['line', 'bar', 'hbar', 'heatmap']

/** The panel's API URL for `filters`, built as the UI builds it (only the panel's parameters). */
export function panelPath(panel: PanelInfo, filters: Filters): string {
  const q = new URLSearchParams()
  for (const name of panel.params) {
    const v = filters[name as keyof Filters]
    if (v) q.set(name, v)
  }
  const s = q.toString()
  return `api/panels/${encodeURIComponent(panel.name)}${s ? `?${s}` : ''}`
}

// The UI's own number formats (services/dashboards/ui/app.js), for table cells. The browser runs
// with locale en-US and time zone UTC.
function formatNumber(v: unknown): string {
  if (typeof v !== 'number') return v === null || v === undefined ? '' : String(v)
  return Number.isInteger(v)
    ? v.toLocaleString('en')
    : v.toLocaleString('en', { maximumFractionDigits: 2 })
}
const isTime = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)
function cellText(v: unknown): string {
  return isTime(v)
    ? new Date(v as string).toLocaleString('en-US', { timeZone: 'UTC' })
    : formatNumber(v)
}

const sortValues = (vs: (number | null)[]) =>
  [...vs].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity))

/** The numbers a chart panel draws, from the API rows: every y column, and the line column. */
export function chartValues(panel: PanelInfo, rows: Record<string, unknown>[]): (number | null)[] {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  if (panel.chart === 'heatmap') return rows.map((r) => num(r[panel.hints.value ?? '']))
  const ys = [...(panel.hints.y ?? []), ...(panel.hints.line ? [panel.hints.line] : [])]
  return rows.flatMap((r) => ys.map((c) => num(r[c])))
}

/** Seconds the freshness stat may have grown between the page's request and the test's. */
const freshnessSlackS = 120

/** Every way `shown` differs from what `answer` says the panel should show; [] when none. */
export function differences(
  panel: PanelInfo,
  answer: PanelAnswer,
  shown: ShownPanel | undefined,
): string[] {
  const out: string[] = []
  const say = (what: string) => out.push(`${panel.name}: ${what}`)
  if (!shown) return [`${panel.name}: no card on the page`]
  const { rows } = answer
  const expectedState = rows.length === 0 && panel.chart !== 'stat' ? 'empty' : 'ready'
  if (shown.state !== expectedState)
    say(`state ${shown.state} (${shown.message ?? ''}), expected ${expectedState}`)
  if (shown.rows !== rows.length) say(`data-rows ${shown.rows}, the API has ${rows.length} rows`)
  if (expectedState === 'empty') {
    if (!shown.message) say('no empty-state message')
    return out
  }

  if (chartKinds.includes(panel.chart)) {
    const c = shown.chart
    if (!c) return [...out, `${panel.name}: no chart element`]
    if (c.width < 200 || c.height < 100) say(`chart is ${c.width}x${c.height} px`)
    if (!c.canvas || c.canvas.width === 0 || c.canvas.height === 0) say('no sized canvas')
    if (!c.painted) say('the canvas is blank')
    const want = JSON.stringify(sortValues(chartValues(panel, rows)))
    const got = JSON.stringify(sortValues(c.values))
    if (want !== got) say(`chart values ${got}, the API's ${want}`)
  } else if (panel.chart === 'stat') {
    const v = rows[0]?.[panel.hints.value ?? '']
    const got = shown.stat?.value
    if (panel.hints.unit === 's' && typeof v === 'number') {
      const n = Number(got)
      if (got === '' || !(n <= v && n >= v - freshnessSlackS))
        say(`stat ${got}, the API's ${v} (a little later)`)
    } else if (got !== String(v ?? '')) say(`stat ${got}, the API's ${String(v)}`)
    if (!shown.stat?.text) say('the stat shows no text')
  } else if (panel.chart === 'dora') {
    const keys = shown.dora ?? []
    if (keys.length !== rows.length) say(`${keys.length} DORA keys, the API has ${rows.length}`)
    for (const r of rows) {
      const k = keys.find((x) => x.metric === r.metric)
      if (!k) say(`no DORA key ${String(r.metric)}`)
      else {
        if (k.value !== String(r.value ?? '')) say(`${k.metric} = ${k.value}, the API's ${r.value}`)
        if (k.rating !== String(r.rating)) say(`${k.metric} rated ${k.rating}, the API ${r.rating}`)
        if (!k.text) say(`${k.metric} shows no text`)
      }
    }
  } else if (panel.chart === 'table') {
    const t = shown.table
    if (!t) return [...out, `${panel.name}: no table`]
    const columns = answer.columns.filter((c) => c.name !== panel.hints.link)
    const headers = columns.map((c) => c.name)
    if (JSON.stringify(t.headers) !== JSON.stringify(headers))
      say(`headers ${t.headers.join(', ')}, the API's ${headers.join(', ')}`)
    const cells = rows.map((r) => columns.map((c) => cellText(r[c.name])))
    if (JSON.stringify(t.cells) !== JSON.stringify(cells))
      say(`cells ${JSON.stringify(t.cells)}, the API's ${JSON.stringify(cells)}`)
    if (panel.hints.link) {
      const links = rows
        .map((r) => r[panel.hints.link ?? ''])
        .filter((v): v is string => typeof v === 'string' && /^https?:\/\//.test(v))
        .map((v) => new URL(v).href)
      if (JSON.stringify(t.links) !== JSON.stringify(links))
        say(`links ${JSON.stringify(t.links)}, the API's ${JSON.stringify(links)}`)
    }
  }
  return out
}

/** A panel's numbers as shown, for telling whether a filter change changed them. */
export function fingerprint(shown: ShownPanel): string {
  return JSON.stringify([
    shown.rows,
    shown.chart ? sortValues(shown.chart.values) : null,
    shown.stat?.value ?? null,
    shown.dora?.map((k) => k.value) ?? null,
    shown.table?.cells ?? null,
  ])
}
