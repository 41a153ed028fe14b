// `npm run soak -- --minutes N [--rate R] [--keep]`: the whole pipeline as separate processes
// (local Kafka unless KAFKA_BROKERS is set, `hookhouse ingest`, `hookhouse projector`) under a
// fixed rate of seed and synthetic deliveries for N minutes, then the figures: accepted, stored,
// projected, lost, duplicated, latency and peak memory per process. Exits 1 on any loss,
// duplication, reordering or table that differs from a fresh projection of the log.
import { fail, parseOptions, positive, print, withRun } from './cli.ts'
import { soak } from './scenarios.ts'

const usage = `usage: npm run soak -- --minutes N [--rate R] [--keep]
  --minutes N  how long to push deliveries (decimals allowed)
  --rate R     deliveries per second (default 200)
  --keep       keep the working directory (process logs, stores) for a look afterwards`

try {
  const opt = parseOptions(process.argv.slice(2), usage, {
    minutes: { type: 'string' },
    rate: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  })
  const minutes = positive('minutes', opt.minutes)
  const rate = positive('rate', opt.rate)
  const report = await withRun('soak', opt.keep === true, (run) =>
    soak(run, { rate, seconds: Math.round(minutes * 60), progressEveryMs: 10_000 }),
  )
  print(report)
  process.exit(report.failures.length === 0 ? 0 : 1)
} catch (err) {
  fail(err)
}
