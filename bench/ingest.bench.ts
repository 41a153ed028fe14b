// The ingest against a bare Fastify route on the same machine, under the same load.
//
// 1. A real Kafka (a local broker, or KAFKA_BROKERS), fresh topics, the real ingest (startIngest).
// 2. A bare Fastify route that only JSON-parses the body and answers 200 {}: what HTTP alone costs.
//    Unless --no-breakdown, also the real ingest app whose event log acknowledges at once without
//    producing: what the ingest's own code costs, without Kafka.
// 3. An unmeasured warm-up of the ingest (a freshly started broker JVM is slow until its JIT has
//    run), then closed-loop rounds, interleaved (bare, ingest, no-produce, bare, ...): the median
//    requests/s of each, their ratio, p50/p99, non-2xx answers, and where the CPU went.
// 4. Open loop at a fixed rate (default 1,000/s) against the ingest: p50/p95/p99 from the
//    scheduled send time, and how many answers were 2xx.
// 5. Every 2xx the ingest gave must be a record on the topic: the sum of the high watermarks.
//
// Options (after `node bench/run.ts ingest`): --rounds 3 --duration 10 --warmup 3 (seconds)
// --connections 32 --rate 1000 --rate-duration 10 --rate-warmup 2 --system-warmup 10
// --lanes 1 (the ingest's INGEST_PRODUCE_LANES) --more-lanes 4 --no-breakdown
// --targets bare,ingest,more-lanes,no-produce (`more-lanes`: a second real ingest with
// --more-lanes produce requests in flight, on the same broker and topic; e.g. `--targets ingest --rate 0` to profile
// the ingest alone with `node --cpu-prof bench/run.ts ...`; the load children are not profiled).
import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { createCodec } from '../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../lib/avro/types.generated.ts'
import { startLocalKafka } from '../lib/kafka/local-broker.ts'
import { ensureTopics } from '../lib/kafka/topics.ts'
import { redactedPaths, type Logger } from '../lib/logger.ts'
import { repoRoot, schemasDir } from '../lib/paths.ts'
import type { EventLog } from '../services/ingest/event-log.ts'
import { startIngest } from '../services/ingest/index.ts'
import { createIngestMetrics } from '../services/ingest/metrics.ts'
import { buildIngestApp } from '../services/ingest/server.ts'
import {
  fmt,
  machineCpuTicks,
  median,
  ownCpuMs,
  processCpuMs,
  table,
  type BenchContext,
  type Benchmark,
} from './harness.ts'
import type { LoadMessage, LoadResult, LoadSpec } from './load.ts'
import { benchToken, buildMix } from './payloads.ts'

const loadScript = fileURLToPath(new URL('./load.ts', import.meta.url))
const bodyLimit = 1024 * 1024

interface Target {
  key: 'bare' | 'ingest' | 'more-lanes' | 'no-produce'
  name: string
  url: string
}

interface Round {
  target: string
  round: number
  result: LoadResult
  /** CPU used in the measured window, in cores (1 = one core busy the whole window). */
  serverCores: number
  brokerCores: number | undefined
  clientCores: number
  /** Every other process and the kernel's own work (e.g. softirq), by difference. */
  otherCores: number | undefined
  machineBusy: number | undefined
  /** The real ingest only: its produce batches over the whole run (warm-up included). */
  produce?: { batches: number; meanBatch: number; meanMs: number }
}

export const benchmark: Benchmark = {
  name: 'ingest',
  description: 'POST /webhooks into Kafka, against a bare Fastify route; then a fixed rate',
  run,
}

async function run(ctx: BenchContext): Promise<void> {
  const { values: opt } = parseArgs({
    args: ctx.args,
    strict: false,
    allowNegative: true,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string', default: '1000' },
      'rate-duration': { type: 'string', default: '10' },
      'rate-warmup': { type: 'string', default: '2' },
      // A broker just started runs its JIT for a while: load it once before the rounds.
      'system-warmup': { type: 'string', default: '10' },
      breakdown: { type: 'boolean', default: true },
      // For profiling one target alone, e.g. --targets ingest --rate 0.
      targets: { type: 'string', default: 'bare,ingest,more-lanes,no-produce' },
      lanes: { type: 'string', default: '1' },
      'more-lanes': { type: 'string', default: '4' },
    },
  })
  const num = (v: unknown) => Number(v)
  const rounds = num(opt.rounds)
  const durationMs = num(opt.duration) * 1000
  const warmupMs = num(opt.warmup) * 1000
  const connections = num(opt.connections)
  const rate = num(opt.rate)
  const rateDurationMs = num(opt['rate-duration']) * 1000
  const rateWarmupMs = num(opt['rate-warmup']) * 1000
  const systemWarmupMs = num(opt['system-warmup']) * 1000
  const started = Date.now()

  // Other work on the machine skews every figure: measure it before starting anything.
  const idle0 = machineCpuTicks()
  await new Promise((r) => setTimeout(r, 2000))
  const idle1 = machineCpuTicks()
  const busyBefore =
    idle0 && idle1 ? (idle1.busy - idle0.busy) / (idle1.total - idle0.total) : undefined
  ctx.log(
    `machine busy before the run (2 s): ${busyBefore === undefined ? '?' : fmt.pct(busyBefore)}`,
  )

  const dir = mkdtempSync(join(tmpdir(), 'hookhouse-bench-'))
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }))

  // Kafka: the configured brokers, or a broker of our own.
  let brokers: string[]
  let brokerPid: number | undefined
  let kafkaWhere: string
  if (process.env.KAFKA_BROKERS) {
    brokers = process.env.KAFKA_BROKERS.split(',')
    kafkaWhere = `KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`
  } else {
    ctx.log('starting a local Kafka broker')
    const kafkaDir = join(dir, 'kafka')
    const kafka = await startLocalKafka({ dataDir: kafkaDir, log: ctx.log })
    ctx.defer(() => kafka.stop())
    brokers = kafka.brokers
    brokerPid = Number(readFileSync(join(kafkaDir, 'broker.pid'), 'utf8').trim()) || undefined
    const pom = readFileSync(join(repoRoot, 'scripts', 'local-kafka', 'pom.xml'), 'utf8')
    const version = /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? '?'
    kafkaWhere = `local Apache Kafka ${version} (KRaft, one broker, same machine)`
  }
  const topic = `bench-events-${randomUUID()}`
  const deadLetterTopic = `${topic}.dlq`
  await ensureTopics(brokers, [
    { topic, partitions: 3 },
    { topic: deadLetterTopic, partitions: 1 },
  ])

  // The real ingest, logging at warn to a file.
  const logFile = join(dir, 'ingest.log')
  const dest = pino.destination({ dest: logFile, sync: false })
  ctx.defer(() => dest.flushSync())
  const log: Logger = pino(
    { level: 'warn', redact: { paths: redactedPaths, censor: '[redacted]' } },
    dest,
  )
  const auth = { tokens: [benchToken], signingSecrets: [], allowUnauthenticated: false }
  const wanted = new Set(String(opt.targets).split(','))
  if (!opt.breakdown) wanted.delete('no-produce')
  const startRealIngest = async (produceLanes: number, spool: string) => {
    const running = await startIngest({
      brokers,
      topic,
      deadLetterTopic,
      auth,
      host: '127.0.0.1',
      port: 0,
      bodyLimit,
      spoolDir: join(dir, spool),
      spoolMaxBytes: 512 * 1024 * 1024,
      log,
      produceLanes,
    })
    ctx.defer(() => running.close())
    return running
  }
  const lanes = num(opt.lanes)
  const ingest = await startRealIngest(lanes, 'spool')
  const moreLanes = num(opt['more-lanes'])
  const laned = wanted.has('more-lanes')
    ? await startRealIngest(moreLanes, 'spool-more-lanes')
    : undefined
  const realIngests = [ingest, ...(laned ? [laned] : [])]

  // The baseline: Fastify, one route, JSON.parse of the body, 200 {}.
  const bare = Fastify({ bodyLimit })
  bare.removeContentTypeParser('application/json')
  bare.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body.toString()))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
  bare.post('/webhooks', async () => ({}))
  const bareUrl = `${await bare.listen({ host: '127.0.0.1', port: 0 })}/webhooks`
  ctx.defer(() => bare.close())

  const targets: Target[] = [
    { key: 'bare' as const, name: 'bare Fastify', url: bareUrl },
    {
      key: 'ingest' as const,
      name: lanes === 1 ? 'ingest' : `ingest, ${lanes} lanes`,
      url: ingest.url,
    },
    ...(laned
      ? [{ key: 'more-lanes' as const, name: `ingest, ${moreLanes} lanes`, url: laned.url }]
      : []),
  ].filter((t) => wanted.has(t.key))
  if (wanted.has('no-produce')) {
    // The same ingest app (auth, parse, normalise, Avro, metrics) with an event log that
    // acknowledges at once: the difference to `ingest` is what producing to Kafka costs.
    const noKafka = buildIngestApp({
      auth,
      eventLog: {
        append: async () => 'kafka',
        kafkaHealthy: true,
        spoolDepth: 0,
        spoolBytes: 0,
        spoolMaxBytes: 1,
      } as unknown as EventLog,
      eventCodec: createCodec<Event>(schemasDir, 'event'),
      deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
      topic,
      deadLetterTopic,
      bodyLimit,
      log,
      metrics: createIngestMetrics(() => ({ depth: 0, bytes: 0 })),
    })
    const url = `${await noKafka.listen({ host: '127.0.0.1', port: 0 })}/webhooks`
    ctx.defer(() => noKafka.close())
    targets.push({ key: 'no-produce', name: 'ingest, no produce', url })
  }

  const mix = buildMix()
  ctx.log(
    `mix: ${mix.kinds.map((k) => `${k.kind} ${fmt.pct(k.share)}`).join(', ')}; ` +
      `mean body ${fmt.int(mix.meanBodyBytes)} B; left out: ${mix.excluded.join(', ') || 'none'}`,
  )

  // Every answer the real ingest gave, for the Kafka check.
  const ingestRuns: LoadResult[] = []

  const measure = async (target: Target, spec: LoadSpec, round: number): Promise<Round> => {
    let s0 = 0
    let s1 = 0
    let b0: number | undefined
    let b1: number | undefined
    let m0: ReturnType<typeof machineCpuTicks>
    let m1: ReturnType<typeof machineCpuTicks>
    const isIngest = realIngests.some((i) => i.url === target.url)
    const before = isIngest ? await produceHistogram(target.url) : undefined
    const result = await runLoadChild(ctx, spec, (mark) => {
      if (mark === 'measuring') {
        s0 = ownCpuMs()
        b0 = brokerPid ? processCpuMs(brokerPid) : undefined
        m0 = machineCpuTicks()
      } else {
        s1 = ownCpuMs()
        b1 = brokerPid ? processCpuMs(brokerPid) : undefined
        m1 = machineCpuTicks()
      }
    })
    if (isIngest) ingestRuns.push(result)
    const after = isIngest ? await produceHistogram(target.url) : undefined
    const batches = before && after ? after.count - before.count : 0
    const w = spec.durationMs
    const server = (s1 - s0) / w
    const broker = b0 !== undefined && b1 !== undefined ? (b1 - b0) / w : undefined
    const busy = m0 && m1 ? (m1.busy - m0.busy) / (m1.total - m0.total) : undefined
    return {
      target: target.name,
      round,
      result,
      serverCores: server,
      brokerCores: broker,
      clientCores: result.clientCpuMs / w,
      otherCores:
        busy === undefined
          ? undefined
          : busy * availableParallelism() - server - (broker ?? 0) - result.clientCpuMs / w,
      machineBusy: busy,
      ...(before && after && batches > 0
        ? {
            produce: {
              batches,
              meanBatch: result.total.ok2xx / batches,
              meanMs: ((after.sum - before.sum) * 1000) / batches,
            },
          }
        : {}),
    }
  }

  // The whole path warm (Kafka's JIT, the ingest's), not measured; its answers count in the check.
  if (systemWarmupMs > 0 && wanted.has('ingest')) {
    ctx.log(`system warm-up: ${systemWarmupMs / 1000} s closed loop against the ingest`)
    ingestRuns.push(
      await runLoadChild(
        ctx,
        { mode: 'closed', url: ingest.url, connections, warmupMs: systemWarmupMs, durationMs: 1 },
        () => {},
      ),
    )
  }

  // Closed loop, interleaved.
  const closed: Round[] = []
  for (let r = 1; r <= rounds; r++) {
    for (const t of targets) {
      ctx.log(`round ${r}/${rounds}: ${t.name}, ${connections} connections, closed loop`)
      const round = await measure(
        t,
        { mode: 'closed', url: t.url, connections, warmupMs, durationMs },
        r,
      )
      const m = round.result.measured
      ctx.log(
        `  ${fmt.int(m.rps)} req/s, p50 ${fmt.ms(m.p50)} ms, p99 ${fmt.ms(m.p99)} ms, ` +
          `non-2xx ${m.non2xx}, errors ${m.errors}`,
      )
      closed.push(round)
    }
  }

  // Open loop at a fixed rate against the ingest.
  let fixed: Round | undefined
  if (rate > 0 && wanted.has('ingest')) {
    ctx.log(`fixed rate: ${rate}/s for ${rateDurationMs / 1000} s against the ingest`)
    fixed = await measure(
      { key: 'ingest', name: 'ingest', url: ingest.url },
      {
        mode: 'open',
        url: ingest.url,
        connections,
        warmupMs: rateWarmupMs,
        durationMs: rateDurationMs,
        rate,
      },
      1,
    )
  }

  // Every 2xx in Kafka: let a spool drain, then count the records.
  ctx.log('waiting for the event log to drain, then counting records in Kafka')
  const drained = (await Promise.all(realIngests.map((i) => i.eventLog.drained(30_000)))).every(
    Boolean,
  )
  const counts = await topicCounts(brokers, [topic, deadLetterTopic])
  const answered = ingestRuns.reduce(
    (a, r) => ({
      ok2xx: a.ok2xx + r.total.ok2xx,
      s200: a.s200 + (r.total.statuses['200'] ?? 0),
      s202: a.s202 + (r.total.statuses['202'] ?? 0),
      non2xx: a.non2xx + r.total.non2xx,
      errors: a.errors + r.total.errors,
    }),
    { ok2xx: 0, s200: 0, s202: 0, non2xx: 0, errors: 0 },
  )
  dest.flushSync()
  const warnings = readFileSync(logFile, 'utf8').split('\n').filter(Boolean)

  // The report.
  const out: string[] = []
  const cores = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(2))
  out.push(
    `Ingest benchmark, ${new Date(started).toISOString()}`,
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}; ` +
      `busy before the run: ${busyBefore === undefined ? '?' : fmt.pct(busyBefore)} ` +
      '(other CPU below: what else ran during each window)',
    `Kafka: ${kafkaWhere}; topic of 3 partitions, producer acks=all, idempotent`,
    `load: a separate process (undici), ${connections} keep-alive connections; ` +
      `${rounds} interleaved rounds of ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured, ` +
      `after a ${systemWarmupMs / 1000} s unmeasured warm-up of the ingest and broker`,
    `mix: ${mix.sequence.length}-request cycle of ${new Set(mix.sequence.map((p) => p.id)).size} seed deliveries, ` +
      mix.kinds.map((k) => `${k.kind} ${fmt.pct(k.share)}`).join(', ') +
      `; mean body ${fmt.int(mix.meanBodyBytes)} B`,
    '',
    'Closed loop, every round (CPU in cores busy over the measured window; the machine has ' +
      `${availableParallelism()}):`,
    table(
      [
        'target',
        'round',
        'req/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'errors',
        'server CPU',
        'broker CPU',
        'loadgen CPU',
        'other CPU',
        'machine busy',
        'server µs/req',
        'produce batch',
        'produce ms',
      ],
      closed.map((r) => [
        r.target,
        r.round,
        fmt.int(r.result.measured.rps),
        fmt.ms(r.result.measured.p50),
        fmt.ms(r.result.measured.p99),
        r.result.measured.non2xx,
        r.result.measured.errors,
        cores(r.serverCores),
        cores(r.brokerCores),
        cores(r.clientCores),
        cores(r.otherCores),
        r.machineBusy === undefined ? '-' : fmt.pct(r.machineBusy),
        fmt.int((r.serverCores * 1e6) / r.result.measured.rps),
        r.produce ? r.produce.meanBatch.toFixed(1) : '-',
        r.produce ? fmt.ms(r.produce.meanMs) : '-',
      ]),
    ),
    '',
  )
  const medianRps = (key: Target['key']) =>
    median(closed.filter((r) => r.target === targets.find((t) => t.key === key)?.name).map(rps))
  const bareMedian = medianRps('bare')
  out.push(
    'Closed loop, medians of the rounds:',
    table(
      ['target', 'req/s', 'vs bare', 'p50 ms', 'p99 ms', 'non-2xx (all rounds)', 'errors'],
      targets.map((t) => {
        const rs = closed.filter((r) => r.target === t.name)
        const med = median(rs.map(rps))
        return [
          t.name,
          fmt.int(med),
          fmt.pct(med / bareMedian),
          fmt.ms(median(rs.map((r) => r.result.measured.p50))),
          fmt.ms(median(rs.map((r) => r.result.measured.p99))),
          rs.reduce((a, r) => a + r.result.total.non2xx, 0),
          rs.reduce((a, r) => a + r.result.total.errors, 0),
        ]
      }),
    ),
    '',
  )
  const f = fixed?.result
  if (fixed && f) {
    out.push(
      `Fixed rate (open loop, latency from the scheduled send), ${rate}/s, ` +
        `${rateWarmupMs / 1000} s warm-up + ${rateDurationMs / 1000} s measured, against the ingest:`,
      table(
        [
          'sent',
          '2xx',
          'non-2xx',
          'errors',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'server CPU',
          'broker CPU',
          'loadgen CPU',
          'other CPU',
          'machine busy',
          'send lag p99 ms',
          'produce batch',
          'produce ms',
        ],
        [
          [
            f.measured.requests,
            f.measured.ok2xx,
            f.measured.non2xx,
            f.measured.errors,
            fmt.ms(f.measured.p50),
            fmt.ms(f.measured.p95),
            fmt.ms(f.measured.p99),
            fmt.ms(f.measured.max),
            cores(fixed.serverCores),
            cores(fixed.brokerCores),
            cores(fixed.clientCores),
            cores(fixed.otherCores),
            fixed.machineBusy === undefined ? '-' : fmt.pct(fixed.machineBusy),
            fmt.ms(f.sendLag?.p99 ?? Number.NaN),
            fixed.produce ? fixed.produce.meanBatch.toFixed(1) : '-',
            fixed.produce ? fmt.ms(fixed.produce.meanMs) : '-',
          ],
        ],
      ),
      '',
    )
  }
  const disturbed = [...closed, ...(fixed ? [{ ...fixed, target: 'fixed rate' }] : [])].filter(
    (r) => (r.otherCores ?? 0) > 0.15,
  )
  if (disturbed.length > 0) {
    out.push(
      `WARNING: other processes used CPU during ${disturbed
        .map(
          (r) =>
            `${r.target}${r.target === 'fixed rate' ? '' : ` round ${r.round}`} (${cores(r.otherCores)} cores)`,
        )
        .join(', ')}: those figures are skewed; run again on a quiet machine.`,
      '',
    )
  }
  const ratio = medianRps('ingest') / bareMedian
  const inKafka = counts.get(topic) ?? 0
  out.push(
    'Kafka check (every run against the ingest, warm-ups included):',
    `  2xx answers: ${answered.ok2xx} (200: ${answered.s200}, 202 spooled: ${answered.s202}); ` +
      `non-2xx: ${answered.non2xx}; errors: ${answered.errors}; spool drained: ${drained ? 'yes' : 'NO'}`,
    `  records on ${topic}: ${inKafka}; dead letters: ${counts.get(deadLetterTopic) ?? 0}`,
    `  ${inKafka === answered.ok2xx ? 'equal: every 2xx is in Kafka' : `NOT EQUAL (difference ${inKafka - answered.ok2xx})`}`,
    `  ingest warnings logged: ${warnings.length}${warnings.length ? ` (first: ${warnings[0]})` : ''}`,
    '',
    'Targets:',
    `  ingest >= 40% of the bare route's req/s: ${fmt.pct(ratio)} -> ${ratio >= 0.4 ? 'met' : Number.isNaN(ratio) ? 'not measured' : 'MISSED'}`,
    f
      ? `  p99 < 25 ms at ${rate}/s: ${fmt.ms(f.measured.p99)} ms with ${f.measured.ok2xx}/${f.measured.requests} 2xx -> ` +
          `${f.measured.p99 < 25 && f.measured.ok2xx === f.measured.requests ? 'met' : 'MISSED'}`
      : `  p99 < 25 ms at 1000/s: not measured`,
    `(took ${Math.round((Date.now() - started) / 1000)} s)`,
  )
  console.log(out.join('\n'))

  const all = [...closed, ...(fixed ? [fixed] : [])]
  const nonOk = all.reduce((a, r) => a + r.result.total.non2xx + r.result.total.errors, 0)
  if (nonOk > 0 || inKafka !== answered.ok2xx || !drained) {
    console.log('FAILED: non-2xx answers, errors, or 2xx answers missing from Kafka (see above)')
    process.exitCode = 1
  }
}

const rps = (r: Round) => r.result.measured.rps

/** Forks bench/load.ts with this Node, without this process's flags (e.g. --cpu-prof). */
function runLoadChild(
  ctx: BenchContext,
  spec: LoadSpec,
  onMark: (mark: 'measuring' | 'measured') => void,
): Promise<LoadResult> {
  const child = fork(loadScript, [JSON.stringify(spec)], {
    execPath: process.execPath,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  ctx.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return new Promise((ok, fail) => {
    let result: LoadResult | undefined
    child.on('message', (m: LoadMessage) => {
      if (m.type === 'result') result = m.result
      else onMark(m.type)
    })
    child.once('error', fail)
    child.once('exit', (code, signal) => {
      if (result) ok(result)
      else fail(new Error(`the load generator exited (${code ?? signal}) without a result`))
    })
  })
}

/** The ingest's produce histogram (batches acknowledged by Kafka, seconds), from /metrics. */
async function produceHistogram(webhooksUrl: string): Promise<{ count: number; sum: number }> {
  const res = await fetch(new URL('/metrics', webhooksUrl))
  const text = await res.text()
  const value = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
  return {
    count: value('hookhouse_ingest_produce_seconds_count'),
    sum: value('hookhouse_ingest_produce_seconds_sum'),
  }
}

/** Records per topic: the sum over partitions of high watermark minus low watermark. */
async function topicCounts(brokers: string[], topics: string[]): Promise<Map<string, number>> {
  const admin = new Kafka({
    brokers,
    clientId: 'hookhouse-bench',
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  try {
    const out = new Map<string, number>()
    for (const t of topics) {
      const offsets = await admin.fetchTopicOffsets(t)
      out.set(
        t,
        offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
      )
    }
    return out
  } finally {
    await admin.disconnect()
  }
}
