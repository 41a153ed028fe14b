// The dashboards' HTTP surface: the JSON API over the panel SQL, and the web UI that draws it.
// Read-only by construction: the only SQL that runs is the panels' own files, with the request's
// values bound as parameters, on a session the engine keeps read-only.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from '../../lib/logger.ts'
import { authorised, type DashboardsAuth } from './auth.ts'
import { DashboardsError, errors } from './errors.ts'
import type { DashboardsMetrics } from './metrics.ts'
import { pages, type Panel } from './panels.ts'
import { readPanelParams } from './params.ts'
import { isTimeout, type ReadOnlySession } from './read-only-session.ts'
import { missingRelations, runPanel } from './run-panel.ts'
import type { StaticAssets } from './static-assets.ts'

export interface DashboardsAppOptions {
  clickhouse: ReadOnlySession
  panels: Panel[]
  assets: StaticAssets
  metrics: DashboardsMetrics
  log: Logger
  auth?: DashboardsAuth
  /** The ingest's webhook URL, shown by the empty state; unknown when the ingest runs elsewhere. */
  ingestUrl?: string
}

/** Paths anyone may read: a load balancer's probe and a Prometheus scrape. */
const openPaths = new Set(['/healthz', '/metrics'])

export function describePanel(p: Panel) {
  return {
    name: p.name,
    title: p.title,
    description: p.description,
    page: p.page,
    chart: p.chart,
    params: p.params,
    requires: p.requires,
    hints: p.hints,
  }
}

/** The table an UNKNOWN_TABLE error names, without the query text the engine appends. */
function unknownTable(message: string): string {
  const m = /identifier '([^']+)'|Table (\S+) does not exist/.exec(message)
  return m?.[1] ?? m?.[2] ?? 'a table'
}

export function buildDashboardsApp(
  opts: DashboardsAppOptions,
): FastifyInstance<Server, IncomingMessage, ServerResponse, Logger> {
  const { panels, metrics, assets, log } = opts
  const byName = new Map(panels.map((p) => [p.name, p]))
  const app = Fastify({
    loggerInstance: log.child({ service: 'dashboards' }, { level: 'warn' }),
    return503OnClosing: true,
  })

  app.addHook('onRequest', async (req, reply) => {
    if (!opts.auth || openPaths.has(req.url.split('?', 1)[0] ?? '')) return
    if (authorised(opts.auth, req.headers.authorization)) return
    const err = errors.unauthorized()
    return reply
      .code(err.statusCode)
      .header('www-authenticate', 'Basic realm="hookhouse dashboards", charset="UTF-8"')
      .send(err.toBody())
  })

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof DashboardsError) return reply.code(err.statusCode).send(err.toBody())
    if (err.statusCode && err.statusCode < 500)
      return reply
        .code(err.statusCode)
        .send({ error: { code: err.code ?? 'HH_BAD_REQUEST', message: err.message } })
    log.error({ err }, 'unexpected dashboards error')
    return reply.code(500).send({ error: { code: 'HH_INTERNAL', message: 'internal error' } })
  })

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  )

  app.get('/api/info', async () => ({ ingestUrl: opts.ingestUrl ?? null, pages }))

  app.get('/api/panels', async () => ({ pages, panels: panels.map(describePanel) }))

  app.get<{ Params: { name: string }; Querystring: Record<string, unknown> }>(
    '/api/panels/:name',
    async function panelRows(req, reply) {
      const started = process.hrtime.bigint()
      const panel = byName.get(req.params.name)
      if (!panel) throw errors.unknownPanel(req.params.name)
      const observe = (outcome: string) =>
        metrics.panelSeconds.observe(
          { panel: panel.name, outcome },
          Number(process.hrtime.bigint() - started) / 1e9,
        )
      const params = readPanelParams(panel, req.query)
      if (!params.ok) {
        observe('bad_request')
        throw params.error
      }
      try {
        const result = await runPanel(opts.clickhouse, panel, params.values)
        observe('ok')
        return reply.header('cache-control', 'no-store').send({
          panel: panel.name,
          params: params.shown,
          columns: result.columns,
          rows: result.rows,
        })
      } catch (err) {
        observe('error')
        if (isTimeout(err))
          throw errors.panelTimeout(panel.name, opts.clickhouse.maxExecutionSeconds)
        const missing = await missingRelations(opts.clickhouse, panel.requires).catch(() => [])
        if (missing.length > 0) throw errors.panelUnavailable(panel.name, missing)
        // UNKNOWN_TABLE: the dashboards started on a database that was never migrated.
        if ((err as { code?: string }).code === '60')
          throw errors.notMigrated(panel.name, unknownTable((err as Error).message))
        log.error({ err: (err as Error).message, panel: panel.name }, 'panel query failed')
        throw errors.queryFailed(panel.name)
      }
    },
  )

  for (const [path, asset] of assets.files) {
    app.get(path, async (_req, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body),
    )
  }
  for (const page of pages) {
    if (page.path === undefined) continue
    const html = assets.page(page, pages)
    app.get(page.path, async (_req, reply) => reply.type('text/html; charset=utf-8').send(html))
  }

  return app
}
