// Starts the projector on ClickHouse sessions of its own (so its inserts never queue behind a
// dashboard's read on the embedded engine): three, so a batch's tables are inserted concurrently.
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import {
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../../lib/clickhouse/client-factory.ts'
import type { Logger } from '../../lib/logger.ts'
import { schemasDir } from '../../lib/paths.ts'
import { createProjectorMetrics, type ProjectorMetrics } from './metrics.ts'
import { startProjector, type RunningProjector } from './projector.ts'

export interface ProjectorServiceOptions {
  brokers: string[]
  topic: string
  deadLetterTopic: string
  groupId: string
  clickhouse: ClickHouseTarget
  log: Logger
  batchMaxEvents?: number
  batchMaxWaitMs?: number
}

export interface ProjectorService extends RunningProjector {
  metrics: ProjectorMetrics
}

/**
 * The sessions a projector inserts on besides its main one: two, so a batch's tables are inserted
 * three at a time (projector.ts). Whoever starts a projector with them closes them after it.
 */
export function openInsertSessions(target: ClickHouseTarget): Promise<ClickHouseClient[]> {
  return Promise.all([1, 2].map(() => openClickHouse(target)))
}

export async function startProjectorService(
  opts: ProjectorServiceOptions,
): Promise<ProjectorService> {
  const clickhouse = await openClickHouse(opts.clickhouse)
  const insertSessions = await openInsertSessions(opts.clickhouse)
  const metrics = createProjectorMetrics()
  const running = await startProjector({
    brokers: opts.brokers,
    topic: opts.topic,
    deadLetterTopic: opts.deadLetterTopic,
    groupId: opts.groupId,
    clickhouse,
    insertSessions,
    eventCodec: createCodec<Event>(schemasDir, 'event'),
    deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
    log: opts.log.child({ service: 'projector' }),
    metrics,
    batchMaxEvents: opts.batchMaxEvents ?? 25_000,
    batchMaxWaitMs: opts.batchMaxWaitMs ?? 250,
  })
  return {
    metrics,
    get folded() {
      return running.folded
    },
    get skipped() {
      return running.skipped
    },
    async close() {
      await running.close()
      for (const session of insertSessions) await session.close()
      await clickhouse.close()
    },
  }
}
