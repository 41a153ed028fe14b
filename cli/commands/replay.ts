import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'
import { projectorOptions } from './projector.ts'
import {
  clickhouseTargetFromConfig,
  describeTarget,
  openClickHouse,
} from '../../lib/clickhouse/client-factory.ts'
import { derivedTables } from '../../lib/clickhouse/derived-tables.ts'
import { ConfigError } from '../../lib/config.ts'
import { resolveKafka } from '../../lib/kafka/kafka-target.ts'
import { projections } from '../../services/projector/projections/index.ts'
import { startProjectorService } from '../../services/projector/index.ts'
import { formatProgress } from '../progress.ts'

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Rebuild every projection table from the start of the event log',
  usage: 'hookhouse replay [--yes] [--keep-tables]',
  options: [
    '--yes          do not ask before emptying the projection tables',
    '--keep-tables  replay into the tables as they are (retries fold; stale rows stay)',
  ],
  settings: [
    'KAFKA_BROKERS',
    'KAFKA_TOPIC',
    'KAFKA_DLQ_TOPIC',
    'PROJECTOR_GROUP_ID',
    'PROJECTOR_BATCH_MAX_EVENTS',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'CLICKHOUSE_DATABASE',
    'HOOKHOUSE_DATA_DIR',
  ],
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { yes: { type: 'boolean' }, 'keep-tables': { type: 'boolean' } },
    })
    const rt = createRuntime('replay')
    const { cfg } = rt
    const target = clickhouseTargetFromConfig(cfg)
    const tables = projections.map((p) => p.table)

    if (!values['keep-tables'] && !values.yes && !process.stdin.isTTY) {
      throw new ConfigError('replay empties the projection tables: pass --yes to confirm')
    }
    const kafka = await resolveKafka(cfg, (l) => process.stderr.write(`${l}\n`))
    const local = kafka.local
    if (local) rt.onShutdown('local Kafka', () => local.stop())

    // The group must be idle: resetting its offsets under a running projector would race it.
    const admin = new Kafka({
      brokers: kafka.brokers,
      clientId: 'hookhouse-replay',
      logLevel: logLevel.NOTHING,
    }).admin()
    await admin.connect()
    const group = (await admin.describeGroups([cfg.PROJECTOR_GROUP_ID])).groups[0]
    if (group && group.members.length > 0) {
      await admin.disconnect()
      throw new ConfigError(
        `the projector group ${cfg.PROJECTOR_GROUP_ID} has ${group.members.length} running member(s): stop \`hookhouse start\` / \`hookhouse projector\` first`,
      )
    }
    const offsets = await admin.fetchTopicOffsets(cfg.KAFKA_TOPIC)
    const total = offsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0)

    if (!values['keep-tables']) {
      if (!values.yes) {
        const rl = createInterface({ input: process.stdin, output: process.stderr })
        const answer = await rl.question(
          `Empty ${tables.length} tables in ${describeTarget(target)} and rebuild them from ${total} events? [y/N] `,
        )
        rl.close()
        if (!/^y(es)?$/i.test(answer.trim())) {
          rt.say('nothing changed')
          await admin.disconnect()
          return rt.shutdown(0)
        }
      }
      const ch = await openClickHouse(target)
      // The tables materialized views fill from the projection tables are emptied too: the
      // views fill them again from the replayed rows.
      for (const t of [...tables, ...derivedTables])
        await ch.command({ query: `TRUNCATE TABLE IF EXISTS ${t}` })
      await ch.close()
    }
    await admin.resetOffsets({
      groupId: cfg.PROJECTOR_GROUP_ID,
      topic: cfg.KAFKA_TOPIC,
      earliest: true,
    })
    await admin.disconnect()

    const started = Date.now()
    const projector = await startProjectorService(
      projectorOptions(cfg, kafka.brokers, target, rt.log),
    )
    rt.onShutdown('projector', () => projector.close())
    const tty = process.stderr.isTTY
    for (;;) {
      const done = projector.folded + projector.skipped
      const line = formatProgress(done, total, Date.now() - started)
      process.stderr.write(tty ? `\r${line}   ` : `${line}\n`)
      if (done >= total) break
      await new Promise((r) => setTimeout(r, tty ? 250 : 5000))
    }
    process.stderr.write('\n')
    rt.say(
      `replayed ${total} events into ${tables.length} tables in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    )
    return rt.shutdown(0)
  },
}
