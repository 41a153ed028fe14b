// What one produce request costs, by how many events it carries and how many are in flight: the
// ingest's producer settings (idempotent, acks=all) against a real broker, nothing else running
// in this process. Each case sends batches of N records of the ingest's mean encoded size
// back to back from L producers (the event log's lanes) for --seconds, alternating the cases
// over --rounds; it reports events/s, the round trip, and the CPU this process and the broker
// spent per event (medians of the rounds).
//
// Options (after `node bench/run.ts produce`): --rounds 3 --seconds 3 --bytes 2700
// --cases 1x1,1x4,1x11,1x32,2x11,4x4,4x11 (lanes x records per request)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ProduceAcks, Producer } from '@platformatic/kafka'
import { startLocalKafka } from '../lib/kafka/local-broker.ts'
import { ensureTopics } from '../lib/kafka/topics.ts'
import {
  fmt,
  median,
  ownCpuMs,
  processCpuMs,
  table,
  type BenchContext,
  type Benchmark,
} from './harness.ts'

export const benchmark: Benchmark = {
  name: 'produce',
  description: 'CPU and rate of idempotent acks=all produce requests by batch size and lanes',
  run,
}

interface Sample {
  eventsPerSecond: number
  roundTripMs: number
  clientUsPerEvent: number
  brokerUsPerEvent: number
}

async function run(ctx: BenchContext): Promise<void> {
  const { values: opt } = parseArgs({
    args: ctx.args,
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '3' },
      bytes: { type: 'string', default: '2700' },
      cases: { type: 'string', default: '1x1,1x4,1x11,1x32,2x11,4x4,4x11' },
    },
  })
  const cases = String(opt.cases)
    .split(',')
    .map((c) => {
      const [lanes, records] = c.split('x').map(Number)
      if (!lanes || !records) throw new Error(`--cases: expected LANESxRECORDS, got "${c}"`)
      return { lanes, records }
    })
  const durationMs = Number(opt.seconds) * 1000
  const value = Buffer.alloc(Number(opt.bytes), 'a')

  const dir = mkdtempSync(join(tmpdir(), 'hookhouse-produce-'))
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }))
  ctx.log('starting a local Kafka broker')
  const kafka = await startLocalKafka({ dataDir: join(dir, 'kafka'), log: ctx.log })
  ctx.defer(() => kafka.stop())
  const brokerPid = Number(readFileSync(join(dir, 'kafka', 'broker.pid'), 'utf8').trim())
  const topic = 'produce-bench'
  await ensureTopics(kafka.brokers, [{ topic, partitions: 3 }])

  const measure = async (lanes: number, records: number, ms: number): Promise<Sample> => {
    // The event log's producer settings (services/ingest/event-log.ts).
    const producers = Array.from(
      { length: lanes },
      () =>
        new Producer({
          clientId: 'produce-bench',
          bootstrapBrokers: kafka.brokers,
          idempotent: true,
          acks: ProduceAcks.ALL,
          autocreateTopics: false,
        }),
    )
    // Connect and fetch metadata before the clock starts.
    await Promise.all(producers.map((p) => p.send({ messages: [{ topic, value }] })))
    let events = 0
    let requests = 0
    const client0 = ownCpuMs()
    const broker0 = processCpuMs(brokerPid) ?? Number.NaN
    const started = performance.now()
    await Promise.all(
      producers.map(async (p, lane) => {
        const messages = Array.from({ length: records }, (_, i) => ({
          topic,
          key: Buffer.from(`project-${lane}-${i}`),
          value,
        }))
        while (performance.now() - started < ms) {
          await p.send({ messages })
          events += records
          requests++
        }
      }),
    )
    const wall = performance.now() - started
    const client = ownCpuMs() - client0
    const broker = (processCpuMs(brokerPid) ?? Number.NaN) - broker0
    await Promise.all(producers.map((p) => p.close()))
    return {
      eventsPerSecond: (events / wall) * 1000,
      roundTripMs: (wall * lanes) / requests,
      clientUsPerEvent: (client * 1000) / events,
      brokerUsPerEvent: (broker * 1000) / events,
    }
  }

  ctx.log('warm-up: 5 s of 11-record requests (the broker JIT)')
  await measure(1, 11, 5000)
  const samples = new Map<string, Sample[]>()
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const c of cases) {
      const s = await measure(c.lanes, c.records, durationMs)
      const key = `${c.lanes}x${c.records}`
      samples.set(key, [...(samples.get(key) ?? []), s])
      ctx.log(
        `round ${round}: ${c.lanes} lane(s) x ${c.records} records: ${fmt.int(s.eventsPerSecond)} events/s, ` +
          `client ${s.clientUsPerEvent.toFixed(1)} µs/event, broker ${s.brokerUsPerEvent.toFixed(1)} µs/event`,
      )
    }
  }
  const med = (key: string, f: (s: Sample) => number) => median((samples.get(key) ?? []).map(f))
  console.log(
    [
      `Produce cost, ${new Date().toISOString()}: idempotent, acks=all, ${value.length}-byte records, ` +
        `topic of 3 partitions on a local broker; medians of ${opt.rounds} rounds of ${opt.seconds} s`,
      table(
        [
          'lanes',
          'records/request',
          'events/s',
          'round trip ms',
          'client µs/event',
          'broker µs/event',
        ],
        cases.map((c) => {
          const key = `${c.lanes}x${c.records}`
          return [
            c.lanes,
            c.records,
            fmt.int(med(key, (s) => s.eventsPerSecond)),
            fmt.ms(med(key, (s) => s.roundTripMs)),
            med(key, (s) => s.clientUsPerEvent).toFixed(1),
            med(key, (s) => s.brokerUsPerEvent).toFixed(1),
          ]
        }),
      ),
    ].join('\n'),
  )
}
