// Scale-out, small: two `hookhouse ingest` and two `hookhouse projector` processes in one consumer
// group on a 6-partition topic; mid-load one projector leaves the group (SIGTERM).
// Every accepted event is in the log once and in order per partition, and the two projectors'
// tables together equal one projector's over the same log. (The long version brings it back and adds a SIGKILL:
// `npm run faults -- --only scale-out`.)
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Run } from '../../scripts/reliability/run.ts'
import { scaleOut } from '../../scripts/reliability/scenarios.ts'

let run: Run

beforeAll(async () => {
  run = await Run.start({ name: 'scale-out-test', brokers: inject('kafkaBrokers'), log: () => {} })
})
afterAll(async () => {
  await run?.close()
})

describe('two ingests and two projectors in one group', () => {
  it('leave the same tables as one projector, with a member leaving mid-load', async () => {
    const r = await scaleOut(run, { rate: 100, seconds: 10, leave: ['sigterm'], rejoin: false })
    expect(r.failures).toEqual([])
    const figure = (label: string) => r.figures.find(([k]) => k.startsWith(label))?.[1]
    expect(figure('topic partitions')).toBe(6)
    expect(figure('lost')).toBe('0')
    expect(figure('tables equal')).toBe('10 of 10')
    // Both projectors wrote: the work was shared.
    const perStore = String(figure('events-table rows per projector store')).split(' + ')
    expect(perStore.length).toBe(2)
    for (const rows of perStore) expect(Number(rows.replaceAll(',', ''))).toBeGreaterThan(0)
  }, 120_000)
})
