// What `npm run soak` and `npm run faults` share: option parsing with clear errors, progress on
// stderr and figures on stdout, and everything a run started stopped on success, failure or Ctrl-C.
import { parseArgs } from 'node:util'
import { Run } from './run.ts'
import { printReport, type ScenarioReport } from './report.ts'

// kafkajs's request queue schedules timers with negative delays on Node 24 (TimeoutNegativeWarning,
// harmless; bin/hookhouse.ts silences it the same way). Every other warning is printed.
process.removeAllListeners('warning')
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`)
})

export const log = (line: string) => process.stderr.write(`${line}\n`)

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseOptions(
  argv: string[],
  usage: string,
  options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>,
): Record<string, string | boolean | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  try {
    return parseArgs({ args: argv, options, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`)
  }
}

/** A positive number from an option, or a message that names the option. */
export function positive(name: string, raw: string | boolean | undefined): number {
  const n = Number(raw)
  if (typeof raw !== 'string' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} ${String(raw)} is not a positive number`)
  }
  return n
}

let current: Run | undefined
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    log(`\n${sig}: stopping every process this run started...`)
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130))
  })
}

/** Runs `body` in a fresh Run (its own local Kafka unless KAFKA_BROKERS is set), then closes it. */
export async function withRun<T>(
  name: string,
  keep: boolean,
  body: (run: Run) => Promise<T>,
): Promise<T> {
  const run = await Run.start({ name, log, keep })
  current = run
  try {
    return await body(run)
  } finally {
    if (keep) log(`kept ${run.dir} (process logs in logs/, stores in stores/)`)
    current = undefined
    await run.close()
  }
}

export function print(report: ScenarioReport): void {
  printReport(report, (s) => process.stdout.write(`${s}\n`))
}

/** Exit code 2 for a usage error, 1 for a failure. */
export function fail(err: unknown): never {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
}
