// Where Kafka is: the configured brokers, or a local broker this process starts and owns.
import { join } from 'node:path'
import { startLocalKafka, type LocalKafka } from './local-broker.ts'

export interface KafkaTarget {
  brokers: string[]
  /** Set when this process started the broker and must stop it. */
  local: LocalKafka | undefined
}

export async function resolveKafka(
  cfg: { KAFKA_BROKERS: string[] | undefined; HOOKHOUSE_DATA_DIR: string },
  log: (line: string) => void,
): Promise<KafkaTarget> {
  if (cfg.KAFKA_BROKERS) return { brokers: cfg.KAFKA_BROKERS, local: undefined }
  log('KAFKA_BROKERS is unset: starting a local Kafka broker')
  const local = await startLocalKafka({
    dataDir: join(cfg.HOOKHOUSE_DATA_DIR, 'kafka'),
    preferredPort: 9092,
    log,
  })
  return { brokers: local.brokers, local }
}
