import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  grafanaDashboard,
  grafanaDashboardJson,
  grafanaDashboardPath,
  grafanaSql,
} from '../../services/dashboards/grafana.ts'
import { loadPanels } from '../../services/dashboards/panels.ts'

const panels = loadPanels()

describe('the Grafana dashboard', () => {
  it('is committed exactly as generated from the panel SQL (run hookhouse dashboards --write-grafana)', async () => {
    expect(readFileSync(grafanaDashboardPath, 'utf8')).toBe(await grafanaDashboardJson(panels))
  })

  it('maps bound parameters to Grafana macros and variables, leaving none behind', () => {
    for (const p of panels) {
      const sql = grafanaSql(p)
      expect(sql, p.name).not.toMatch(/(?<!\$)\{[a-z]+:[^}]+\}/)
      if (p.params.includes('from')) expect(sql).toContain('$__fromTime')
      if (p.params.includes('project')) expect(sql).toContain('${project:sqlstring}')
    }
    const duration = panels.find((p) => p.name === 'pipeline_duration')
    expect(duration && grafanaSql(duration)).toContain('created_at >= $__fromTime')
  })

  it('draws every page panel from the hookhouse-clickhouse data source', () => {
    const dash = grafanaDashboard(panels) as { panels: Record<string, unknown>[] }
    const drawn = dash.panels.filter((p) => p.type !== 'row')
    expect(drawn.map((p) => p.title)).toEqual(
      panels.filter((p) => p.page !== 'filters').map((p) => p.title),
    )
    for (const p of drawn) {
      expect(p.datasource).toEqual({
        type: 'grafana-clickhouse-datasource',
        uid: 'hookhouse-clickhouse',
      })
    }
  })
})
