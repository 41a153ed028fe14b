import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'
import {
  clickhouseTargetFromConfig,
  describeTarget,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'
import { ConfigError, type Config } from '../../lib/config.ts'
import type { Logger } from '../../lib/logger.ts'
import {
  startProjectorService,
  type ProjectorServiceOptions,
} from '../../services/projector/index.ts'
import { describeSqlEndpoint, prepareSqlEndpoint } from '../sql-endpoint.ts'

export const projectorCommand: Command = {
  name: 'projector',
  summary:
    'Run the projector alone: fold the Kafka event log into ClickHouse (for a real deployment)',
  usage: 'hookhouse projector',
  options: [],
  settings: [
    'KAFKA_BROKERS',
    'KAFKA_TOPIC',
    'KAFKA_DLQ_TOPIC',
    'PROJECTOR_GROUP_ID',
    'PROJECTOR_BATCH_MAX_EVENTS',
    'PROJECTOR_BATCH_MAX_WAIT_MS',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'CLICKHOUSE_DATABASE',
    'HOOKHOUSE_DATA_DIR',
    'SQL_LISTEN',
    'SQL_USER',
    'SQL_PASSWORD',
    'SQL_MAX_EXECUTION_TIME',
    'SQL_MAX_RESULT_ROWS',
    'SQL_MAX_RESULT_BYTES',
    'SQL_MAX_CONCURRENT_QUERIES',
    'LOG_LEVEL',
  ],
  async run() {
    const rt = createRuntime('projector')
    const { cfg } = rt
    if (!cfg.KAFKA_BROKERS)
      throw new ConfigError(
        'KAFKA_BROKERS is unset: expected host:port of your Kafka brokers (or use `hookhouse start`)',
      )
    const target = clickhouseTargetFromConfig(cfg)
    const startSql = prepareSqlEndpoint(cfg, target, rt.log)
    const projector = await startProjectorService(
      projectorOptions(cfg, cfg.KAFKA_BROKERS, target, rt.log),
    )
    rt.onShutdown('projector', () => projector.close())
    rt.say(
      `projector: ${cfg.KAFKA_TOPIC} -> ${describeTarget(target)} (group ${cfg.PROJECTOR_GROUP_ID})`,
    )
    const sql = await startSql()
    if (sql.state === 'running') rt.onShutdown('SQL endpoint', () => sql.endpoint.close())
    if (sql.state !== 'not needed') rt.say(`SQL endpoint: ${describeSqlEndpoint(sql)}`)
    await new Promise(() => {})
  },
}

export function projectorOptions(
  cfg: Config,
  brokers: string[],
  clickhouse: ClickHouseTarget,
  log: Logger,
): ProjectorServiceOptions {
  return {
    brokers,
    topic: cfg.KAFKA_TOPIC,
    deadLetterTopic: cfg.KAFKA_DLQ_TOPIC,
    groupId: cfg.PROJECTOR_GROUP_ID,
    clickhouse,
    log,
    batchMaxEvents: cfg.PROJECTOR_BATCH_MAX_EVENTS,
    batchMaxWaitMs: cfg.PROJECTOR_BATCH_MAX_WAIT_MS,
  }
}
