// The reliability scenarios, each a real pipeline of processes under load with one kind of fault,
// checked the same way at the end (Run.verify): every accepted event in the log (once, unless a
// broker died with it in flight), in order per partition, and every table equal to a fresh
// projection of that log.
// `npm run soak` runs `soak`; `npm run faults` runs the fault scenarios; the integration tests run
// `spoolFullWhileUnreachable` and `scaleOut` at a small volume.
import { performance } from 'node:perf_hooks'
import { fmt } from '../../bench/harness.ts'
import { freePort } from '../../lib/kafka/local-broker.ts'
import { startProgress, type Progress } from './progress.ts'
import { deliveryFigures, memoryFigures, type Figure, type ScenarioReport } from './report.ts'
import { readiness, token, type Run, type Verdict } from './run.ts'
import type { KafkaSettings, ProjectorStore, ServiceProcess } from './processes.ts'
import { startLoad, summarise, type LoadResult, type LoadRun, type Mix } from './sender.ts'
import { inspectStore } from './tables.ts'
import { checkDelivery, readLog } from './log-check.ts'

export interface ScenarioOptions {
  /** Requests per second. */
  rate: number
  /** Length of the load, seconds. */
  seconds: number
  progressEveryMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Resolves at `fraction` of the load's length after `t0`. */
const at = (t0: number, opts: ScenarioOptions, fraction: number) =>
  sleep(Math.max(0, t0 + fraction * opts.seconds * 1000 - performance.now()))

interface Live {
  run: Run
  kafka: KafkaSettings
  group: string
  load: LoadRun
  progress: Progress
  startedAt: number
}

function begin(
  run: Run,
  label: string,
  kafka: KafkaSettings,
  group: string,
  urls: string[],
  opts: ScenarioOptions,
  mix: Mix = 'realistic',
): Live {
  const load = startLoad({
    urls,
    token,
    rate: opts.rate,
    durationMs: opts.seconds * 1000,
    mix,
    runId: `${label}-${run.id}`,
  })
  const progress = startProgress(run, {
    label,
    topic: kafka.topic,
    group,
    load,
    ingestUrls: urls,
    everyMs: opts.progressEveryMs ?? 5000,
  })
  return { run, kafka, group, load, progress, startedAt: performance.now() }
}

interface Finished {
  result: LoadResult
  verdict: Verdict
  /** Seconds from the last answer until the projector group had committed the whole log. */
  catchUpSeconds: number
}

/**
 * After the load: spools drained, the projector group caught up with the whole log, every
 * process stopped cleanly, then the checks.
 */
async function finish(
  live: Live,
  ingests: { url: string; stop(): Promise<void>; running(): boolean }[],
  projectors: { stop(): Promise<void> }[],
  stores: ProjectorStore[],
  brokerDied = false,
): Promise<Finished> {
  const { run, kafka, group } = live
  const result = await live.load.done
  const answeredAt = performance.now()
  for (const i of ingests) if (i.running()) await run.spoolDrained(i.url, 180_000)
  await run.watch.waitCaughtUp(kafka.topic, group, 120_000 + result.sent * 20)
  const catchUpSeconds = (performance.now() - answeredAt) / 1000
  live.progress.stop()
  for (const p of projectors) await p.stop()
  for (const i of ingests) await i.stop()
  run.log(`checking the log and the tables against a fresh projection...`)
  const verdict = await run.verify(kafka, [result], stores, { brokerDied })
  return { result, verdict, catchUpSeconds }
}

function report(
  name: string,
  title: string,
  startedAt: number,
  f: Finished,
  figures: Figure[],
  run: Run,
  failures: string[] = [],
): ScenarioReport {
  const load = summarise(f.result)
  return {
    name,
    title,
    seconds: (performance.now() - startedAt) / 1000,
    figures: [
      ...figures,
      ...deliveryFigures(load, f.verdict),
      ['caught up after the last answer (s)', f.catchUpSeconds.toFixed(1)],
      ...memoryFigures(run),
    ],
    failures: [
      ...failures,
      ...f.verdict.failures,
      ...(load.accepted === 0 ? ['no request was accepted'] : []),
    ],
  }
}

/** The whole pipeline at a fixed rate, no faults: the figures of normal operation. */
export async function soak(run: Run, opts: ScenarioOptions): Promise<ScenarioReport> {
  const t0 = performance.now()
  const kafka = await run.topic('soak')
  const group = `soak-${run.id}`
  const store = run.store('projector')
  const ingest = await run.ingest('ingest', kafka)
  const projector = await run.projector('projector', kafka, group, store)
  run.log(`ingest pid ${ingest.pid} at ${ingest.url}, projector pid ${projector.pid}`)
  const live = begin(run, 'soak', kafka, group, [ingest.url], opts)
  const f = await finish(live, [ingest], [projector], [store])
  const achieved = f.result.sent / opts.seconds
  return report(
    'soak',
    `Soak: ${+(opts.seconds / 60).toFixed(2)} min at ${opts.rate} deliveries/s (seed payloads and synthetic), ingest and projector as separate processes`,
    t0,
    f,
    [
      ['rate, target / achieved (per s)', `${opts.rate} / ${achieved.toFixed(0)}`],
      ['max projector lag during the run (events)', fmt.int(live.progress.maxLag)],
    ],
    run,
  )
}

/** kill -9 of the Kafka broker under load, restarted after `outageSeconds`. */
export async function brokerKill(
  run: Run,
  opts: ScenarioOptions & { outageSeconds?: number },
): Promise<ScenarioReport> {
  const t0 = performance.now()
  const broker = run.kafka
  if (!broker)
    return skipped('broker-kill', 'needs a broker this run starts (KAFKA_BROKERS is set)')
  const kafka = await run.topic('broker-kill')
  const group = `broker-kill-${run.id}`
  const store = run.store('projector')
  const ingest = await run.ingest('ingest', kafka)
  const projector = await supervised(run, 'projector', () =>
    run.projector('projector', kafka, group, store),
  )
  const live = begin(run, 'broker-kill', kafka, group, [ingest.url], opts)
  await at(live.startedAt, opts, 0.25)
  broker.kill()
  const downAt = performance.now()
  run.log('broker killed (SIGKILL)')
  await sleep((opts.outageSeconds ?? 10) * 1000)
  await run.restartBroker()
  const downSeconds = (performance.now() - downAt) / 1000
  run.log(`broker restarted: Kafka was unreachable for ${downSeconds.toFixed(1)} s`)
  const f = await finish(live, [ingest], [projector], [store], true)
  return report(
    'broker-kill',
    'Kafka broker killed with SIGKILL under load, restarted',
    t0,
    f,
    [
      ['Kafka unreachable (s)', downSeconds.toFixed(1)],
      [
        'spool peak (events / bytes)',
        `${fmt.int(live.progress.spoolPeak.depth)} / ${fmt.int(live.progress.spoolPeak.bytes)}`,
      ],
      ['projector process exits (restarted)', projector.exits()],
    ],
    run,
  )
}

/**
 * kill -9 of the projector mid-batch, `kills` times, each restarted at once. A kill waits until the
 * running projector is making progress (its group's committed offsets moved since it started), so
 * it hits a projector at work, not one still waiting to rejoin its group. After each kill the dead
 * process's tables are read: more rows than its group committed, and more than it found at start,
 * show that the kill fell between an insert and its offset commit, the case the design is about.
 */
export async function projectorKill(
  run: Run,
  opts: ScenarioOptions & { kills?: number },
): Promise<ScenarioReport> {
  const t0 = performance.now()
  const kafka = await run.topic('projector-kill')
  const group = `projector-kill-${run.id}`
  const store = run.store('projector')
  const ingest = await run.ingest('ingest', kafka)
  const projector = await supervised(run, 'projector', () =>
    run.projector('projector', kafka, group, store),
  )
  const live = begin(run, 'projector-kill', kafka, group, [ingest.url], opts)
  const kills = opts.kills ?? 3
  let between = 0
  let maxAhead = 0
  let committedAtStart = 0
  let rowsAtStart = 0
  for (let k = 1; k <= kills; k++) {
    // Spread over the load, but not at a moment this script picks exactly...
    await at(live.startedAt, opts, (k - 0.5 + Math.random() * 0.5) / (kills + 0.5))
    // ...and only once this projector has committed work of its own.
    await run.watch.until(
      `projector run ${k} committing`,
      async () => ((await run.watch.totals(kafka.topic, group))?.committed ?? 0) > committedAtStart,
      180_000,
    )
    await sleep(Math.random() * 500)
    await projector.current().kill()
    const [tables, offsets] = await Promise.all([
      inspectStore(store),
      run.watch.totals(kafka.topic, group),
    ])
    const rows = tables.counts.events ?? 0
    const committed = offsets?.committed ?? 0
    const ahead = rows - committed
    if (ahead > 0 && rows > rowsAtStart) between++
    maxAhead = Math.max(maxAhead, ahead)
    run.log(
      `projector killed (SIGKILL): its events table holds ${rows} rows, its group committed ${committed}; restarting it`,
    )
    committedAtStart = committed
    rowsAtStart = rows
    await projector.restart()
  }
  const f = await finish(live, [ingest], [projector], [store])
  return report(
    'projector-kill',
    `Projector killed with SIGKILL ${kills} times while folding, restarted each time`,
    t0,
    f,
    [
      ['projector kills (SIGKILL)', kills],
      ['kills between an insert and its offset commit', `${between} of ${kills}`],
      ['most rows inserted but not committed at a kill', fmt.int(Math.max(0, maxAhead))],
      ['projector process exits (restarted)', projector.exits()],
    ],
    run,
  )
}

/**
 * The ingest killed with SIGKILL while its spool holds events (Kafka is down), a new ingest started
 * on the same spool and port, then Kafka restarted: the spool drains, in order, behind nothing.
 */
export async function ingestRestartWithSpool(
  run: Run,
  opts: ScenarioOptions,
): Promise<ScenarioReport> {
  const t0 = performance.now()
  const broker = run.kafka
  if (!broker)
    return skipped('ingest-restart', 'needs a broker this run starts (KAFKA_BROKERS is set)')
  const kafka = await run.topic('ingest-restart')
  const group = `ingest-restart-${run.id}`
  const store = run.store('projector')
  const first = await run.ingest('ingest-1', kafka)
  const projector = await supervised(run, 'projector', () =>
    run.projector('projector', kafka, group, store),
  )
  const live = begin(run, 'ingest-restart', kafka, group, [first.url], opts)
  await at(live.startedAt, opts, 0.2)
  broker.kill()
  run.log('broker killed (SIGKILL): the ingest spools')
  await at(live.startedAt, opts, 0.3)
  const before = await readiness(first.url)
  await first.kill()
  const killedAt = performance.now()
  run.log(`ingest killed (SIGKILL) with ${before?.spool.depth ?? '?'} events in its spool`)
  await sleep(1000)
  // `hookhouse ingest` checks its topics before it listens, which takes a while with Kafka down.
  const second = await run.ingest('ingest-2', kafka, { port: first.port, dataDir: first.dataDir })
  const downSeconds = (performance.now() - killedAt) / 1000
  const found = spoolDepthAtStart(second)
  run.log(`new ingest on the same spool: it found ${found ?? '?'} events in it`)
  await at(live.startedAt, opts, 0.55)
  await run.restartBroker()
  run.log('broker restarted')
  const f = await finish(live, [second], [projector], [store], true)
  const failures = [
    ...((before?.spool.depth ?? 0) === 0 ? ['the spool was empty when the ingest was killed'] : []),
    ...(found ? [] : ['the new ingest did not report the events in its spool']),
  ]
  return report(
    'ingest-restart',
    'Ingest killed with SIGKILL with events in its spool (Kafka down), restarted on the same spool',
    t0,
    f,
    [
      ['spool depth when the ingest was killed', fmt.int(before?.spool.depth ?? 0)],
      ['spool depth the new ingest found at start', found === undefined ? '?' : fmt.int(found)],
      ['ingest not answering, kill to new ingest listening (s)', downSeconds.toFixed(1)],
      ['projector process exits (restarted)', projector.exits()],
    ],
    run,
    failures,
  )
}

/**
 * Kafka down long enough to fill the spool's disk budget: 202 until it is full, then 503, and
 * nothing answered 503 is in the log. Kafka comes back, the spool drains.
 */
export async function spoolBudget(
  run: Run,
  opts: ScenarioOptions & { spoolMaxBytes?: number },
): Promise<ScenarioReport> {
  const t0 = performance.now()
  const broker = run.kafka
  if (!broker)
    return skipped('spool-budget', 'needs a broker this run starts (KAFKA_BROKERS is set)')
  const budget = opts.spoolMaxBytes ?? 1024 * 1024
  const kafka = await run.topic('spool-budget')
  const group = `spool-budget-${run.id}`
  const store = run.store('projector')
  const ingest = await run.ingest('ingest', kafka, { spoolMaxBytes: budget })
  const projector = await supervised(run, 'projector', () =>
    run.projector('projector', kafka, group, store),
  )
  const live = begin(run, 'spool-budget', kafka, group, [ingest.url], opts)
  await at(live.startedAt, opts, 0.2)
  broker.kill()
  run.log(`broker killed (SIGKILL): the ingest spools into a budget of ${fmt.int(budget)} bytes`)
  let notReady = false
  while (performance.now() < live.startedAt + 0.6 * opts.seconds * 1000) {
    const r = await readiness(ingest.url)
    if (r && !r.ready) notReady = true
    await sleep(500)
  }
  await run.restartBroker()
  run.log('broker restarted')
  const f = await finish(live, [ingest], [projector], [store], true)
  const load = summarise(f.result)
  const failures = [
    ...(load.refused === 0 ? ['the spool never filled: no 503 answer'] : []),
    ...(notReady ? [] : ['/readyz never said "not ready" while the spool was full']),
  ]
  return report(
    'spool-budget',
    `Spool disk budget (${fmt.int(budget)} bytes) filled while Kafka was down`,
    t0,
    f,
    [
      ['spool budget (bytes)', fmt.int(budget)],
      [
        'spool peak (events / bytes)',
        `${fmt.int(live.progress.spoolPeak.depth)} / ${fmt.int(live.progress.spoolPeak.bytes)}`,
      ],
      ['answered 503 and in the log (must be 0)', fmt.int(f.verdict.delivery.refusedStored)],
      ['/readyz answered 503 while full', notReady ? 'yes' : 'no'],
    ],
    run,
    failures,
  )
}

/**
 * Two ingest processes and two projector processes in one consumer group on a 6-partition topic.
 * Mid-load projectors leave the group: `sigterm` stops projector-2 cleanly (with `rejoin`, it
 * comes back later); `sigkill` kills projector-1, which stays gone: projector-2 takes its
 * partitions once the group's session timeout has passed. The tables of both projectors together
 * must equal a single projector's over the same log.
 */
export async function scaleOut(
  run: Run,
  opts: ScenarioOptions & { leave: ('sigterm' | 'sigkill')[]; rejoin: boolean },
): Promise<ScenarioReport> {
  const t0 = performance.now()
  const kafka = await run.topic('scale-out', 6)
  const partitions = await run.watch.partitionCount(kafka.topic)
  const group = `scale-out-${run.id}`
  const stores = [run.store('projector-1'), run.store('projector-2')] as const
  const [i1, i2, p1, first2] = await Promise.all([
    run.ingest('ingest-1', kafka),
    run.ingest('ingest-2', kafka),
    run.projector('projector-1', kafka, group, stores[0]),
    run.projector('projector-2', kafka, group, stores[1]),
  ])
  let p2 = first2
  // Load only once both members hold partitions, so the work is shared from the first event.
  await run.watch.until(
    'both projectors holding partitions',
    async () => {
      const held = await run.watch.assignments(group, kafka.topic)
      return held.length === 2 && held.every((p) => p.length > 0)
    },
    120_000,
  )
  const live = begin(run, 'scale-out', kafka, group, [i1.url, i2.url], opts, 'synthetic')
  const events: string[] = []
  if (opts.leave.includes('sigterm')) {
    await at(live.startedAt, opts, 0.2)
    // ...and has committed work on every partition, its own included, before it leaves.
    await run.watch
      .until(
        'a commit on every partition',
        async () => {
          const parts = await run.watch.partitions(kafka.topic, group)
          return parts !== undefined && parts.every((p) => p.committed > 0n)
        },
        opts.seconds * 1000,
      )
      .catch(() => {})
    await p2.stop()
    run.log('projector-2 stopped (SIGTERM): it leaves the group; projector-1 takes its partitions')
    events.push(`projector-2 SIGTERM${opts.rejoin ? ', restarted' : ''}`)
    if (opts.rejoin) {
      await at(live.startedAt, opts, 0.35)
      p2 = await run.projector('projector-2', kafka, group, stores[1])
      run.log('projector-2 started again: the group shares the partitions anew')
    }
  }
  if (opts.leave.includes('sigkill')) {
    await at(live.startedAt, opts, 0.55)
    await p1.kill()
    events.push('projector-1 SIGKILL, not restarted')
    run.log(
      'projector-1 killed (SIGKILL): its partitions move to projector-2 after the session timeout',
    )
  }
  const f = await finish(live, [i1, i2], [p1, p2], [...stores])
  return report(
    'scale-out',
    `Scale-out: 2 ingest and 2 projector processes, one group, ${partitions} partitions`,
    t0,
    f,
    [
      ['topic partitions', partitions],
      ['members leaving mid-load', events.join('; ') || 'none'],
      [
        'events-table rows per projector store',
        f.verdict.projectorEventRows.map((r) => fmt.int(r)).join(' + ') || 'one shared database',
      ],
    ],
    run,
    partitions === 6 ? [] : [`the topic has ${partitions} partitions, not 6`],
  )
}

/**
 * The fast spool check (npm test): an ingest whose Kafka cannot be reached fills its spool's disk
 * budget (202, then 503), is killed with SIGKILL, and a new ingest on the same spool, with Kafka
 * reachable, drains it: every 202 in the log once and in order, no 503 in it.
 */
export async function spoolFullWhileUnreachable(
  run: Run,
  opts: ScenarioOptions & { spoolMaxBytes: number },
): Promise<ScenarioReport & { load: ReturnType<typeof summarise> }> {
  const t0 = performance.now()
  const kafka = await run.topic('spool-full', 3)
  const port = await freePort()
  const unreachable = { ...kafka, brokers: [`127.0.0.1:${await freePort()}`] }
  const first = await run.ingest('ingest-unreachable', unreachable, {
    port,
    spoolMaxBytes: opts.spoolMaxBytes,
  })
  const fill = await startLoad({
    urls: [first.url],
    token,
    rate: opts.rate,
    durationMs: opts.seconds * 1000,
    mix: 'realistic',
    runId: `spool-full-${run.id}`,
  }).done
  const full = await readiness(first.url)
  await first.kill()
  run.log(
    `ingest killed (SIGKILL) with a full spool: ${full?.spool.depth} events, ${full?.spool.bytes} bytes`,
  )
  const second = await run.ingest('ingest-recovered', kafka, {
    port,
    dataDir: first.dataDir,
    spoolMaxBytes: opts.spoolMaxBytes,
  })
  const found = await readiness(second.url)
  await run.spoolDrained(second.url, 60_000)
  // Kafka reachable and the spool empty: deliveries are acknowledged by Kafka again.
  const after = await startLoad({
    urls: [second.url],
    token,
    rate: opts.rate,
    durationMs: 1000,
    mix: 'realistic',
    runId: `spool-after-${run.id}`,
  }).done
  await second.stop()
  const log = await readLog(run.brokers, kafka.topic)
  const check = checkDelivery([fill, after], log)
  const load = summarise(fill)
  const afterLoad = summarise(after)
  const failures = [
    ...(afterLoad.ok < afterLoad.sent ? ['not every delivery after the drain got a 200'] : []),
    ...(load.spooled === 0 ? ['nothing was spooled (no 202)'] : []),
    ...(load.refused === 0 ? ['the spool never filled (no 503)'] : []),
    ...(full?.ready !== false ? ['/readyz did not say "not ready" with the spool full'] : []),
    ...(check.lost > 0 ? [`${check.lost} accepted events not in the log`] : []),
    ...(check.duplicated > 0 ? [`${check.duplicated} accepted events in the log twice`] : []),
    ...(check.refusedStored > 0
      ? [`${check.refusedStored} events answered 503 are in the log`]
      : []),
    ...(check.orderViolations > 0 ? [`${check.orderViolations} events out of order`] : []),
  ]
  return {
    name: 'spool-full',
    title: 'Spool budget filled while Kafka is unreachable; ingest killed and restarted on it',
    seconds: (performance.now() - t0) / 1000,
    load,
    figures: [
      ['spool budget (bytes)', fmt.int(opts.spoolMaxBytes)],
      [
        'answers while unreachable: 202 / 503',
        `${fmt.int(load.spooled)} / ${fmt.int(load.refused)}`,
      ],
      [
        'spool when killed (events / bytes)',
        `${fmt.int(full?.spool.depth ?? 0)} / ${fmt.int(full?.spool.bytes ?? 0)}`,
      ],
      ['spool the new ingest found (events)', fmt.int(found?.spool.depth ?? 0)],
      ['after the drain: sent / 200', `${fmt.int(afterLoad.sent)} / ${fmt.int(afterLoad.ok)}`],
      [
        'accepted in the log / lost / duplicated',
        `${fmt.int(check.stored)} / ${check.lost} / ${check.duplicated}`,
      ],
      ['answered 503 and in the log', check.refusedStored],
      ['order violations', check.orderViolations],
    ],
    failures,
  }
}

/** What an ingest said at start about the spool it found (its log line), if anything. */
function spoolDepthAtStart(ingest: ServiceProcess): number | undefined {
  const line = ingest.startupLines.find((l) => l.includes('spool holds events from an earlier run'))
  const m = line ? /"depth":(\d+)/.exec(line) : null
  return m ? Number(m[1]) : undefined
}

interface Supervised {
  current(): ServiceProcess
  /** Times the process exited without being told to. */
  exits(): number
  /** Starts a replacement after the harness killed the current one itself. */
  restart(): Promise<ServiceProcess>
  stop(): Promise<void>
}

/**
 * A service a supervisor would restart: if the process exits on its own, it is started again and
 * the exit counted (a crash is a finding, and the run goes on to see whether anything was lost).
 */
async function supervised(
  run: Run,
  name: string,
  start: () => Promise<ServiceProcess>,
): Promise<Supervised> {
  let current = await start()
  let exits = 0
  let stopping = false
  const watch = (p: ServiceProcess) => {
    void p.exited.then(async ({ code, signal }) => {
      if (stopping || p !== current || signal === 'SIGKILL' || signal === 'SIGTERM') return
      exits++
      run.log(
        `${name} exited on its own (${signal ?? `code ${code}`}): restarting it; see ${p.logFile}`,
      )
      current = await start()
      watch(current)
    })
  }
  watch(current)
  return {
    current: () => current,
    exits: () => exits,
    async restart() {
      current = await start()
      watch(current)
      return current
    },
    async stop() {
      stopping = true
      await current.stop()
    },
  }
}

function skipped(name: string, why: string): ScenarioReport {
  return { name, title: `${name}: skipped (${why})`, figures: [], failures: [], seconds: 0 }
}
