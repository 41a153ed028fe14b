// Prometheus metrics of the dashboards, on a registry of their own (several services share one
// process under `hookhouse start`).
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface DashboardsMetrics {
  registry: Registry
  panelSeconds: Histogram<'panel' | 'outcome'>
}

export function createDashboardsMetrics(): DashboardsMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'hookhouse_dashboards_' })
  return {
    registry,
    panelSeconds: new Histogram({
      name: 'hookhouse_dashboards_panel_seconds',
      help: 'Time to answer one panel query, by panel and outcome (ok, bad_request, error)',
      labelNames: ['panel', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 1, 3, 10, 30],
      registers: [registry],
    }),
  }
}
