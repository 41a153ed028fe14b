// Starts the ingest: codecs, spool, event log, HTTP server. Used by `hookhouse ingest` alone and
// by `hookhouse start` beside the other services.
import { join } from 'node:path'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import type { Logger } from '../../lib/logger.ts'
import { schemasDir } from '../../lib/paths.ts'
import type { AuthConfig } from './auth.ts'
import { EventLog } from './event-log.ts'
import { createIngestMetrics } from './metrics.ts'
import { buildIngestApp } from './server.ts'
import { Spool } from './spool.ts'

export interface IngestOptions {
  brokers: string[]
  topic: string
  deadLetterTopic: string
  auth: AuthConfig
  host: string
  port: number
  bodyLimit: number
  spoolDir: string
  spoolMaxBytes: number
  /** Produce requests in flight at once (EventLog lanes); default 1. */
  produceLanes?: number
  log: Logger
}

export interface RunningIngest {
  url: string
  eventLog: EventLog
  close(): Promise<void>
}

export async function startIngest(opts: IngestOptions): Promise<RunningIngest> {
  const spool = await Spool.open(opts.spoolDir, opts.spoolMaxBytes)
  if (spool.depth > 0)
    opts.log.info(
      { depth: spool.depth },
      'spool holds events from an earlier run: draining them first',
    )
  const metrics = createIngestMetrics(() => ({ depth: spool.depth, bytes: spool.bytes }))
  const deadLetterCodec = createCodec<DeadLetter>(schemasDir, 'dead_letter')
  const eventLog: EventLog = new EventLog({
    brokers: opts.brokers,
    spool,
    log: opts.log,
    ...(opts.produceLanes !== undefined ? { lanes: opts.produceLanes } : {}),
    onProduced: (seconds) => metrics.produceSeconds.observe(seconds),
    // A record spooled while Kafka was down and refused for its size once it is back: keep its
    // start on the dead-letter topic, so the loss is visible and the rest of the spool drains.
    onUndeliverable: (record, reason) => {
      metrics.deadLetters.inc({ code: 'HH_EVENT_TOO_LARGE' })
      void eventLog
        .append({
          topic: opts.deadLetterTopic,
          key: record.key,
          value: deadLetterCodec.encode({
            reason: `${reason}; the first 256 KiB of the encoded event are kept`,
            code: 'HH_EVENT_TOO_LARGE',
            received_at: Date.now(),
            source: null,
            event_id: null,
            headers: {},
            body: record.value.subarray(0, 256 * 1024),
          }),
        })
        .catch((err: Error) => opts.log.error({ err: err.message }, 'could not keep a dead letter'))
    },
  })
  const app = buildIngestApp({
    auth: opts.auth,
    eventLog,
    eventCodec: createCodec<Event>(schemasDir, 'event'),
    deadLetterCodec,
    topic: opts.topic,
    deadLetterTopic: opts.deadLetterTopic,
    bodyLimit: opts.bodyLimit,
    log: opts.log,
    metrics,
  })
  const address = await app.listen({ host: opts.host, port: opts.port })
  return {
    url: `${address}/webhooks`,
    eventLog,
    async close() {
      await app.close()
      await eventLog.close()
    },
  }
}

export function defaultSpoolDir(dataDir: string): string {
  return join(dataDir, 'spool')
}
