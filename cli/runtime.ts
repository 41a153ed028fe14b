// What every command shares: configuration loaded and validated once, a logger, clean shutdown
// on Ctrl-C / SIGTERM in the reverse order of start-up, and errors printed without a stack when
// they are the user's to fix.
import { ConfigError, loadConfig, type Config } from '../lib/config.ts'
import { createLogger, type Logger } from '../lib/logger.ts'
import { MigrationError } from '../lib/clickhouse/migrations.ts'

export interface Runtime {
  cfg: Config
  log: Logger
  /** Registers something to stop on exit; stopped last-registered first. */
  onShutdown(name: string, stop: () => Promise<void>): void
  shutdown(code?: number): Promise<never>
  say(line: string): void
}

export function createRuntime(name: string): Runtime {
  const cfg = loadConfig()
  const log = createLogger(cfg.LOG_LEVEL, name)
  const stops: { name: string; stop: () => Promise<void> }[] = []
  let stopping = false
  const shutdown = async (code = 0): Promise<never> => {
    if (!stopping) {
      stopping = true
      for (const s of stops.reverse()) {
        try {
          await s.stop()
        } catch (err) {
          log.error({ err: (err as Error).message }, `stopping ${s.name} failed`)
        }
      }
    }
    process.exit(code)
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping...\n`)
      void shutdown(0)
    })
  }
  return {
    cfg,
    log,
    onShutdown: (n, stop) => stops.push({ name: n, stop }),
    shutdown,
    say: (line) => process.stdout.write(`${line}\n`),
  }
}

/** Prints an error the way its kind deserves and exits non-zero. */
export function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`hookhouse: invalid configuration:\n${err.message.replace(/^/gm, '  ')}\n`)
    process.exit(2)
  }
  if (err instanceof MigrationError) {
    process.stderr.write(`hookhouse: migration failed: ${err.message}\n`)
    process.exit(1)
  }
  process.stderr.write(
    `hookhouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  )
  process.exit(1)
}
