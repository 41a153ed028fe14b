// The Grafana dashboard (dashboards/grafana/hookhouse.json) generated from the same panel SQL as
// the web UI and the API, for the grafana-clickhouse-datasource plugin. Bound parameters become
// the plugin's macros and the dashboard's variables:
//   {from:DateTime64(3, 'UTC')} -> $__fromTime, {to:...} -> $__toTime (the dashboard's time range)
//   {project:String} -> ${project:sqlstring} (a quoted, escaped textbox value; '' means all), and
//   likewise group and branch.
// `hookhouse dashboards --write-grafana` rewrites the file; a unit test fails when it is stale.
import { join } from 'node:path'
import { dashboardsDir } from '../../lib/paths.ts'
import { pages, parameterTypes, type Panel, type ParameterName } from './panels.ts'

export const grafanaDashboardPath = join(dashboardsDir, 'grafana', 'hookhouse.json')
export const grafanaDatasource = {
  type: 'grafana-clickhouse-datasource',
  uid: 'hookhouse-clickhouse',
}

const macros: Record<ParameterName, string> = {
  from: '$__fromTime',
  to: '$__toTime',
  project: '${project:sqlstring}',
  group: '${group:sqlstring}',
  branch: '${branch:sqlstring}',
}

/** A panel's SQL with its bound parameters replaced by Grafana macros and variables. */
export function grafanaSql(panel: Panel): string {
  let sql = panel.sql
  for (const name of panel.params) {
    sql = sql.replaceAll(`{${name}:${parameterTypes[name]}}`, macros[name])
  }
  return sql
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const timeColumns = new Set(['day', 'week'])

function visualisation(panel: Panel): { type: string; options: Json; fieldConfig: Json } {
  const { chart, hints } = panel
  const custom: Record<string, Json> = {}
  const defaults: Record<string, Json> = { custom }
  if (hints.unit === 's') defaults.unit = 's'
  if (panel.name.endsWith('_rate')) defaults.unit = 'short'
  if (chart === 'line' || (chart === 'bar' && timeColumns.has(hints.x ?? ''))) {
    custom.drawStyle = chart === 'bar' ? 'bars' : 'line'
    custom.fillOpacity = chart === 'bar' ? 80 : 10
    custom.showPoints = 'auto'
    custom.spanNulls = true
    if (hints.stack) custom.stacking = { mode: 'normal', group: 'A' }
    return {
      type: 'timeseries',
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true } },
      fieldConfig: { defaults, overrides: [] },
    }
  }
  if (chart === 'bar' || chart === 'hbar') {
    return {
      type: 'barchart',
      options: {
        orientation: chart === 'hbar' ? 'horizontal' : 'auto',
        xField: hints.x ?? null,
        stacking: hints.stack ? 'normal' : 'none',
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      },
      fieldConfig: { defaults, overrides: [] },
    }
  }
  if (chart === 'stat') {
    return {
      type: 'stat',
      options: {
        reduceOptions: {
          calcs: ['lastNotNull'],
          fields: `/^${hints.value ?? ''}$/`,
          values: false,
        },
        colorMode: 'value',
        graphMode: 'none',
      },
      fieldConfig: { defaults, overrides: [] },
    }
  }
  // table, dora (metric, value, unit, rating) and heatmap (weekday, hour, count) read best as tables.
  return {
    type: 'table',
    options: { showHeader: true, cellHeight: 'sm' },
    fieldConfig: { defaults, overrides: [] },
  }
}

function grafanaPanel(panel: Panel, id: number, gridPos: Json): Json {
  const v = visualisation(panel)
  const out: Record<string, Json> = {
    id,
    type: v.type,
    title: panel.title,
    description: panel.description,
    datasource: grafanaDatasource,
    gridPos,
    fieldConfig: v.fieldConfig,
    options: v.options,
    targets: [
      {
        refId: 'A',
        datasource: grafanaDatasource,
        editorType: 'sql',
        // Table frames: Grafana builds time series from the day/week column (format 1 = table).
        format: 1,
        queryType: 'table',
        rawSql: grafanaSql(panel),
      },
    ],
  }
  if (panel.hints.series && v.type === 'timeseries') {
    // One series per value of the series column (long rows to one frame per series).
    out.transformations = [
      {
        id: 'partitionByValues',
        options: { fields: [panel.hints.series], keepFields: false },
      },
    ]
  }
  return out
}

const textbox = (name: string, label: string): Json => ({
  type: 'textbox',
  name,
  label,
  description: `${label} path; empty means all`,
  query: '',
  current: { text: '', value: '' },
  hide: 0,
})

/** The whole dashboard: one collapsible row per page, panels two abreast (tables full width). */
export function grafanaDashboard(panels: Panel[]): Json {
  const out: Json[] = []
  let id = 1
  let y = 0
  for (const page of pages) {
    const onPage = panels.filter((p) => p.page === page.id)
    if (page.path === undefined || onPage.length === 0) continue
    out.push({
      id: id++,
      type: 'row',
      title: page.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    })
    y += 1
    let x = 0
    for (const panel of onPage) {
      const wide = panel.chart === 'table' || panel.chart === 'dora' || Boolean(panel.hints.series)
      const w = wide ? 24 : 12
      if (x + w > 24) {
        x = 0
        y += 8
      }
      out.push(grafanaPanel(panel, id++, { h: 8, w, x, y }))
      x += w
      if (x >= 24) {
        x = 0
        y += 8
      }
    }
    if (x > 0) y += 8
  }
  return {
    uid: 'hookhouse',
    title: 'hookhouse: engineering metrics',
    description:
      'Generated from dashboards/panels/*.sql by `hookhouse dashboards --write-grafana`; edit the SQL, not this file.',
    tags: ['hookhouse', 'gitlab', 'dora'],
    timezone: 'utc',
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-30d', to: 'now' },
    templating: {
      list: [textbox('group', 'Group'), textbox('project', 'Project'), textbox('branch', 'Branch')],
    },
    annotations: { list: [] },
    panels: out,
  }
}

/** The dashboard file's text, formatted the way the repository's Prettier check expects. */
export async function grafanaDashboardJson(panels: Panel[]): Promise<string> {
  // Prettier is a devDependency: loaded only when the file is written or checked.
  const prettier = await import('prettier')
  return prettier.format(JSON.stringify(grafanaDashboard(panels)), { parser: 'json' })
}
