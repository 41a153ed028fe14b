// `npm run faults [-- --only NAME,... --rate R --seconds S --keep]`: the long fault runs, each a
// real pipeline of processes killed for real, in a run of its own (its own local Kafka unless
// KAFKA_BROKERS is set, which skips the scenarios that kill the broker). Exits 1 if any fails.
import { fmt, table } from '../../bench/harness.ts'
import { fail, log, parseOptions, positive, print, UsageError, withRun } from './cli.ts'
import type { ScenarioReport } from './report.ts'
import type { Run } from './run.ts'
import {
  brokerKill,
  ingestRestartWithSpool,
  projectorKill,
  scaleOut,
  spoolBudget,
  type ScenarioOptions,
} from './scenarios.ts'

const scenarios: Record<string, (run: Run, o: ScenarioOptions) => Promise<ScenarioReport>> = {
  'broker-kill': (run, o) => brokerKill(run, o),
  'projector-kill': (run, o) => projectorKill(run, { ...o, kills: 3 }),
  'ingest-restart': (run, o) => ingestRestartWithSpool(run, o),
  'spool-budget': (run, o) => spoolBudget(run, o),
  'scale-out': (run, o) => scaleOut(run, { ...o, leave: ['sigterm', 'sigkill'], rejoin: true }),
}

const usage = `usage: npm run faults [-- --only NAME,... --rate R --seconds S --keep]
  --only NAMES  comma-separated, from: ${Object.keys(scenarios).join(', ')} (default: all)
  --rate R      deliveries per second (default 200)
  --seconds S   length of the load in each scenario (default 60; scale-out needs over 40
                for the group's 30 s session timeout to pass after its SIGKILL)
  --keep        keep each run's working directory (process logs, stores)`

try {
  const opt = parseOptions(process.argv.slice(2), usage, {
    only: { type: 'string' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    keep: { type: 'boolean', default: false },
  })
  const names = typeof opt.only === 'string' ? opt.only.split(',') : Object.keys(scenarios)
  const unknown = names.filter((n) => !(n in scenarios))
  if (unknown.length > 0) throw new UsageError(`no scenario ${unknown.join(', ')}\n\n${usage}`)
  const o: ScenarioOptions = {
    rate: positive('rate', opt.rate),
    seconds: positive('seconds', opt.seconds),
  }
  const reports: ScenarioReport[] = []
  for (const name of names) {
    log(`\n=== ${name} ===`)
    const scenario = scenarios[name]
    if (!scenario) continue
    const r = await withRun(name, opt.keep === true, (run) => scenario(run, o))
    print(r)
    reports.push(r)
  }
  const figure = (r: ScenarioReport, label: string) =>
    String(r.figures.find(([k]) => k.startsWith(label))?.[1] ?? '-')
  process.stdout.write(
    `\nFault runs at ${o.rate} deliveries/s, ${o.seconds} s of load each\n${table(
      [
        'scenario',
        'accepted',
        'lost',
        'twice in log',
        'duplicated in ClickHouse',
        'crashes',
        'tables equal',
        'seconds',
        'result',
      ],
      reports.map((r) => [
        r.name,
        figure(r, 'accepted').split(' ')[0] ?? '-',
        figure(r, 'lost'),
        figure(r, 'accepted events in the log more than once').split(' ')[0] ?? '-',
        figure(r, 'duplicated in ClickHouse'),
        figure(r, 'ingest and projector crashes'),
        figure(r, 'tables equal'),
        fmt.int(r.seconds),
        r.figures.length === 0 ? 'skipped' : r.failures.length === 0 ? 'PASS' : 'FAIL',
      ]),
    )}\n`,
  )
  process.exit(reports.every((r) => r.failures.length === 0) ? 0 : 1)
} catch (err) {
  fail(err)
}
