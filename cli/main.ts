// `hookhouse <command>`: dispatch and --help for every command.
import { describeSettings } from '../lib/config.ts'
import type { Command } from './command.ts'
import { dashboardsCommand } from './commands/dashboards.ts'
import { ingestCommand } from './commands/ingest.ts'
import { kafkaCommand } from './commands/kafka.ts'
import { migrateCommand } from './commands/migrate.ts'
import { projectorCommand } from './commands/projector.ts'
import { replayCommand } from './commands/replay.ts'
import { startCommand } from './commands/start.ts'
import { sqlCommand } from './commands/sql.ts'
import { fail } from './runtime.ts'

const commands: Command[] = [
  startCommand,
  ingestCommand,
  projectorCommand,
  dashboardsCommand,
  replayCommand,
  migrateCommand,
  kafkaCommand,
  sqlCommand,
]

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    'hookhouse: engineering metrics from GitLab webhooks',
    '',
    'Usage: hookhouse <command> [options]    (hookhouse <command> --help for more)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration is by environment variable; each command lists those it reads.',
  ].join('\n')
}

function commandHelp(c: Command): string {
  return [
    `${c.summary}.`,
    '',
    `Usage: ${c.usage}`,
    '',
    'Options:',
    ...c.options.map((o) => `  ${o}`),
    '  --help         show this help',
    '',
    'Environment:',
    describeSettings(c.settings),
  ].join('\n')
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`)
    return
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    process.stderr.write(`hookhouse: unknown command "${name}"\n\n${mainHelp()}\n`)
    process.exit(2)
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(command)}\n`)
    return
  }
  try {
    await command.run(rest)
  } catch (err) {
    fail(err)
  }
}
