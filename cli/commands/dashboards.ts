import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'
import { clickhouseTargetFromConfig, describeTarget } from '../../lib/clickhouse/client-factory.ts'
import { grafanaDashboardJson, grafanaDashboardPath } from '../../services/dashboards/grafana.ts'
import { startDashboards } from '../../services/dashboards/index.ts'
import { loadPanels } from '../../services/dashboards/panels.ts'

export const dashboardsCommand: Command = {
  name: 'dashboards',
  summary: 'Run the dashboards alone: web UI and JSON API over ClickHouse (for a real deployment)',
  usage: 'hookhouse dashboards [--write-grafana]',
  options: [
    '--write-grafana  regenerate dashboards/grafana/hookhouse.json from the panel SQL and exit',
  ],
  settings: [
    'HOST',
    'DASHBOARDS_PORT',
    'DASHBOARDS_TOKEN',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'CLICKHOUSE_DATABASE',
    'HOOKHOUSE_DATA_DIR',
    'LOG_LEVEL',
  ],
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { 'write-grafana': { type: 'boolean' } } })
    if (values['write-grafana']) {
      writeFileSync(grafanaDashboardPath, await grafanaDashboardJson(loadPanels()))
      process.stdout.write(`wrote ${grafanaDashboardPath}\n`)
      return
    }
    const rt = createRuntime('dashboards')
    const { cfg } = rt
    const target = clickhouseTargetFromConfig(cfg)
    const token = cfg.DASHBOARDS_TOKEN
    const dashboards = await startDashboards({
      clickhouse: target,
      host: cfg.HOST,
      port: cfg.DASHBOARDS_PORT,
      sessions: cfg.DASHBOARDS_SESSIONS,
      log: rt.log,
      auth: token ? { token } : undefined,
    })
    rt.onShutdown('dashboards', () => dashboards.close())
    rt.say(`dashboards: ${dashboards.url} (reading ${describeTarget(target)})`)
    await new Promise(() => {})
  },
}
