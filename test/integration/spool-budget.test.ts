// The ingest's spool disk budget, with real processes: a `hookhouse ingest` that cannot reach
// Kafka answers 202 until its spool is full, then 503; killed with SIGKILL and replaced by a new
// ingest on the same spool that reaches Kafka, it drains the spool. Every event answered 202 is
// in the log exactly once and in order, and no event answered 503 is. (The long version, with
// the broker killed under load: `npm run faults -- --only spool-budget,ingest-restart`.)
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Run } from '../../scripts/reliability/run.ts'
import { spoolFullWhileUnreachable } from '../../scripts/reliability/scenarios.ts'

let run: Run

beforeAll(async () => {
  run = await Run.start({
    name: 'spool-budget-test',
    brokers: inject('kafkaBrokers'),
    log: () => {},
  })
})
afterAll(async () => {
  await run?.close()
})

describe('a full spool', () => {
  it('answers 503 past its disk budget and loses nothing it answered 202', async () => {
    const r = await spoolFullWhileUnreachable(run, {
      rate: 100,
      seconds: 3,
      spoolMaxBytes: 256 * 1024,
    })
    expect(r.failures).toEqual([])
    expect(r.load.spooled).toBeGreaterThan(0)
    expect(r.load.refused).toBeGreaterThan(0)
    // Only 202 and 503: never a 200 without Kafka, never another error.
    expect(r.load.spooled + r.load.refused).toBe(r.load.sent)
  }, 90_000)
})
