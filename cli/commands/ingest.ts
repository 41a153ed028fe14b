import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'
import { resolveWebhookAuth } from '../webhook-auth.ts'
import { ensureTopicsEventually, hookhouseTopics } from '../../lib/kafka/topics.ts'
import type { AuthConfig } from '../../services/ingest/auth.ts'
import { defaultSpoolDir, startIngest, type IngestOptions } from '../../services/ingest/index.ts'
import type { Logger } from '../../lib/logger.ts'
import { ConfigError, type Config } from '../../lib/config.ts'

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Run the webhook ingest alone: POST /webhooks to Kafka (for a real deployment)',
  usage: 'hookhouse ingest',
  options: [],
  settings: [
    'KAFKA_BROKERS',
    'KAFKA_TOPIC',
    'KAFKA_DLQ_TOPIC',
    'KAFKA_PARTITIONS',
    'HOST',
    'INGEST_PORT',
    'INGEST_BODY_LIMIT',
    'WEBHOOK_TOKENS',
    'WEBHOOK_SIGNING_SECRETS',
    'WEBHOOK_ALLOW_UNAUTHENTICATED',
    'SPOOL_MAX_BYTES',
    'INGEST_PRODUCE_LANES',
    'HOOKHOUSE_DATA_DIR',
    'LOG_LEVEL',
  ],
  async run() {
    const rt = createRuntime('ingest')
    const { cfg } = rt
    if (!cfg.KAFKA_BROKERS)
      throw new ConfigError(
        'KAFKA_BROKERS is unset: expected host:port of your Kafka brokers (or use `hookhouse start` for a local one)',
      )
    const { auth } = resolveWebhookAuth(cfg, { generate: false })
    // Listen first: with Kafka down, deliveries go to the spool, and GitLab's 10 s timeout does
    // not wait for a topic check that waits for Kafka.
    const ingest = await startIngest(ingestOptions(cfg, cfg.KAFKA_BROKERS, auth, rt.log))
    const topicsChecked = new AbortController()
    rt.onShutdown('ingest', async () => {
      topicsChecked.abort()
      await ingest.close()
    })
    rt.say(`ingest: ${ingest.url}`)
    void ensureTopicsEventually(cfg.KAFKA_BROKERS, hookhouseTopics(cfg), {
      signal: topicsChecked.signal,
      onFirstFailure: (err) =>
        rt.log.warn(
          { err: err.message },
          'could not check the topics: Kafka unreachable, spooling until it answers',
        ),
    }).then((ok) => ok && rt.log.info('topics checked'))
    await new Promise(() => {})
  },
}

export function ingestOptions(
  cfg: Config,
  brokers: string[],
  auth: AuthConfig,
  log: Logger,
): IngestOptions {
  return {
    brokers,
    topic: cfg.KAFKA_TOPIC,
    deadLetterTopic: cfg.KAFKA_DLQ_TOPIC,
    auth,
    host: cfg.HOST,
    port: cfg.INGEST_PORT,
    bodyLimit: cfg.INGEST_BODY_LIMIT,
    spoolDir: defaultSpoolDir(cfg.HOOKHOUSE_DATA_DIR),
    spoolMaxBytes: cfg.SPOOL_MAX_BYTES,
    produceLanes: cfg.INGEST_PRODUCE_LANES,
    log,
  }
}
