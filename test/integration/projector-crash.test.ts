// kill -9 of the projector, for real: a projector process is killed several times while it folds
// a log of unique synthetic events, and restarted each time. Its tables must equal those of a
// run that was never killed: nothing lost, nothing doubled.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createCodec } from '../../lib/avro/codec.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { ensureTopics } from '../../lib/kafka/topics.ts'
import { schemasDir } from '../../lib/paths.ts'
import { syntheticRecord } from '../../bench/synthetic.ts'

const script = fileURLToPath(new URL('../support/projector-process.ts', import.meta.url))
const codec = createCodec<Event>(schemasDir, 'event')
const EVENTS = 3000
let dir: string
let topic: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookhouse-crash-'))
  topic = `crash-${randomUUID()}`
  const brokers = inject('kafkaBrokers')
  await ensureTopics(brokers, [
    { topic, partitions: 3 },
    { topic: `${topic}.dlq`, partitions: 1 },
  ])
  const producer = new Kafka({
    brokers,
    clientId: 'crash-fill',
    logLevel: logLevel.NOTHING,
  }).producer()
  await producer.connect()
  const synth = { projects: 5, startMs: Date.UTC(2026, 9, 1), spanMs: 7 * 86_400_000 }
  const messages = Array.from({ length: EVENTS }, (_, i) => syntheticRecord(i, synth, codec))
  for (let i = 0; i < messages.length; i += 200) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 200) })
  }
  await producer.disconnect()
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function runProjector(
  chDir: string,
  group: string,
): { child: ChildProcess; folded: () => number; snapshot: Promise<string | null> } {
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      HOOKHOUSE_TEST_TOPIC: topic,
      HOOKHOUSE_TEST_GROUP: group,
      HOOKHOUSE_TEST_CH_DIR: chDir,
      HOOKHOUSE_TEST_BATCH: '100',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const stdout = child.stdout
  if (!stdout) throw new Error('the projector process has no stdout pipe')
  let folded = 0
  const snapshot = new Promise<string | null>((resolve) => {
    let snap: string | null = null
    createInterface({ input: stdout }).on('line', (line) => {
      if (line.startsWith('folded ')) folded = Number(line.slice(7))
      if (line.startsWith('snapshot ')) snap = line.slice(9)
    })
    child.on('exit', () => resolve(snap))
  })
  return { child, folded: () => folded, snapshot }
}

describe('a projector killed with SIGKILL mid-stream', () => {
  it('leaves the same tables as a run that was never killed', async () => {
    const baseline = await runProjector(join(dir, 'baseline'), `baseline-${randomUUID()}`).snapshot
    expect(baseline).not.toBeNull()
    expect(JSON.parse(baseline ?? '{}').events).toMatchObject({ n: EVENTS, ids: EVENTS })

    const chDir = join(dir, 'killed')
    const group = `killed-${randomUUID()}`
    let kills = 0
    for (const threshold of [300, 900, 1500]) {
      const run = runProjector(chDir, group)
      // Kill at a moment the test does not choose exactly: once this run folded past a point.
      while (run.folded() < threshold && run.child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 20))
      }
      if (run.child.exitCode === null) {
        run.child.kill('SIGKILL')
        kills++
      }
      await run.snapshot
    }
    expect(kills).toBeGreaterThan(0)
    const after = await runProjector(chDir, group).snapshot
    expect(after).not.toBeNull()
    expect(JSON.parse(after ?? '{}')).toEqual(JSON.parse(baseline ?? '{}'))
  }, 240_000)
})
