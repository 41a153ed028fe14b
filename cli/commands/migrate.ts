import { parseArgs } from 'node:util'
import { clickhouseTargetFromConfig, describeTarget } from '../../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../../lib/paths.ts'
import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply the ClickHouse migrations that are not applied yet',
  usage: 'hookhouse migrate [--cluster NAME]',
  options: [
    '--cluster NAME  emit ON CLUSTER NAME and Replicated engines (default: CLICKHOUSE_CLUSTER)',
  ],
  settings: [
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'CLICKHOUSE_DATABASE',
    'CLICKHOUSE_CLUSTER',
    'HOOKHOUSE_DATA_DIR',
  ],
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { cluster: { type: 'string' } } })
    const rt = createRuntime('migrate')
    const target = clickhouseTargetFromConfig(rt.cfg)
    rt.say(`migrating ${describeTarget(target)}, database ${target.database}`)
    const result = await migrateTarget(target, migrationsDir, {
      cluster: values.cluster ?? rt.cfg.CLICKHOUSE_CLUSTER,
      log: (l) => rt.say(`  ${l}`),
    })
    rt.say(`${result.applied.length} applied, ${result.skipped.length} already applied`)
  },
}
