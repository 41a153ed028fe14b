// Prometheus metrics of the ingest, on a registry of its own so several services in one process
// (`hookhouse start`) each expose only theirs.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface IngestMetrics {
  registry: Registry
  received: Counter<'source' | 'kind' | 'status'>
  produceSeconds: Histogram
  spoolDepth: Gauge
  deadLetters: Counter<'code'>
}

export function createIngestMetrics(spool: () => { depth: number; bytes: number }): IngestMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'hookhouse_ingest_' })
  return {
    registry,
    received: new Counter({
      name: 'hookhouse_ingest_received_total',
      help: 'Webhook deliveries received, by source, kind and HTTP status answered',
      labelNames: ['source', 'kind', 'status'],
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'hookhouse_ingest_produce_seconds',
      help: 'Time for Kafka to acknowledge one produce batch (acks=all)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    spoolDepth: new Gauge({
      name: 'hookhouse_ingest_spool_depth',
      help: 'Events waiting in the local spool for Kafka',
      registers: [registry],
      collect() {
        this.set(spool().depth)
      },
    }),
    deadLetters: new Counter({
      name: 'hookhouse_ingest_dead_letters_total',
      help: 'Deliveries written to the dead-letter topic, by reason code',
      labelNames: ['code'],
      registers: [registry],
    }),
  }
}
