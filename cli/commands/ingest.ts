import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'
import { resolveWebhookAuth } from '../webhook-auth.ts'
import { ensureTopics, hookhouseTopics } from '../../lib/kafka/topics.ts'
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
    await ensureTopics(cfg.KAFKA_BROKERS, hookhouseTopics(cfg)).catch((err: Error) =>
      rt.log.warn(
        { err: err.message },
        'could not check the topics: Kafka unreachable, spooling until it answers',
      ),
    )
    const ingest = await startIngest(ingestOptions(cfg, cfg.KAFKA_BROKERS, auth, rt.log))
    rt.onShutdown('ingest', () => ingest.close())
    rt.say(`ingest: ${ingest.url}`)
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
