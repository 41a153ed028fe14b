// Starts the dashboards: the panel files, read-only ClickHouse sessions of their own, the HTTP
// server. Used by `hookhouse dashboards` alone and by `hookhouse start` beside the other services.
import type { ClickHouseTarget } from '../../lib/clickhouse/client-factory.ts'
import type { Logger } from '../../lib/logger.ts'
import type { DashboardsAuth } from './auth.ts'
import { createDashboardsMetrics } from './metrics.ts'
import { loadPanels, panelsDir } from './panels.ts'
import { openReadOnlySession } from './read-only-session.ts'
import { buildDashboardsApp } from './server.ts'
import { loadStaticAssets } from './static-assets.ts'

export type { DashboardsAuth } from './auth.ts'

export interface DashboardsOptions {
  clickhouse: ClickHouseTarget
  host: string
  port: number
  log: Logger
  auth?: DashboardsAuth
  /** The ingest's webhook URL, for the empty state's instructions. */
  ingestUrl?: string
  /** Folder of the panel SQL files (dashboards/panels by default). */
  panelsDir?: string
  /** Embedded engine: panel queries run at once (default 3). */
  sessions?: number
}

export interface RunningDashboards {
  url: string
  close(): Promise<void>
}

export async function startDashboards(opts: DashboardsOptions): Promise<RunningDashboards> {
  // Panel files are checked before anything opens: a broken one stops start-up with its name.
  const panels = loadPanels(opts.panelsDir ?? panelsDir)
  const clickhouse = await openReadOnlySession(opts.clickhouse, { sessions: opts.sessions })
  const app = buildDashboardsApp({
    clickhouse,
    panels,
    assets: loadStaticAssets(),
    metrics: createDashboardsMetrics(),
    log: opts.log,
    auth: opts.auth,
    ingestUrl: opts.ingestUrl,
  })
  let address: string
  try {
    address = await app.listen({ host: opts.host, port: opts.port })
  } catch (err) {
    await clickhouse.close()
    throw err
  }
  return {
    url: `${address}/`,
    async close() {
      await app.close()
      await clickhouse.close()
    },
  }
}
