// Prometheus metrics of the projector, on a registry of its own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export interface ProjectorMetrics {
  registry: Registry
  events: Counter
  poison: Counter
  batchSize: Histogram
  insertSeconds: Histogram<'table'>
  lag: Gauge<'partition'>
}

export function createProjectorMetrics(): ProjectorMetrics {
  const registry = new Registry()
  return {
    registry,
    events: new Counter({
      name: 'hookhouse_projector_events_total',
      help: 'Events folded into ClickHouse (rate: events/s)',
      registers: [registry],
    }),
    poison: new Counter({
      name: 'hookhouse_projector_poison_total',
      help: 'Undecodable records sent to the dead-letter topic',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'hookhouse_projector_batch_events',
      help: 'Events per folded batch',
      buckets: [1, 10, 100, 1000, 5000, 10000, 50000],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'hookhouse_projector_insert_seconds',
      help: 'Time for ClickHouse to acknowledge one insert, by table',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'hookhouse_projector_consumer_lag',
      help: 'Records behind the partition high watermark after the last committed batch',
      labelNames: ['partition'],
      registers: [registry],
    }),
  }
}
