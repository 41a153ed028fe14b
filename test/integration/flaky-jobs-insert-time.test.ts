// Flaky jobs kept at insert time (migrations/0015_change_failure_flaky_jobs.sql: flaky_job_runs and
// flaky_job_groups) against the view they replace (0013, over job_runs_by_sha), under the orders the
// projector can meet the runs in: all at once, a success before the failure it follows, one run per
// batch, and every batch delivered twice. GitLab-shaped Job Hooks go through the real normaliser
// and projections into an embedded ClickHouse migrated like production; between scenarios every
// projection table and every table the materialized views fill is emptied, as `hookhouse replay`
// does.
//
// acme/api (200), T = 2026-03-02 09:00 UTC, jobs by (sha, name):
//   a1 test: failed T+1h (job 1, first seen running), passed T+2h (job 2)     -> flaky
//   a1 lint: passed T+1h (job 3), failed T+2h (job 4)                          -> not flaky
//   a2 test: passed T+3h (job 5)                                               -> not flaky
//   a2 build: failed T+3h (6) and T+4h (7), passed T+5h (8) and T+6h (9)       -> flaky, 2 and 2
//   a3 e2e: failed T+40d (10), canceled T+40d+1h (11), passed T+40d+2h (12)    -> flaky, 1 and 1
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Event } from '../../lib/avro/types.generated.ts'
import { createTestClickHouse, queryRows, type TestClickHouse } from '../support/clickhouse.ts'
import { alice, API, chTime, H, iso, MIN, toEvent, type Delivery } from '../support/dora-story.ts'
import { panelRows, replayInto, viewFromMigration } from '../support/replay-history.ts'

const T = Date.UTC(2026, 2, 2, 9, 0, 0)
const D = 24 * H
const sha = (name: string) => createHash('sha1').update(name).digest('hex')
const [a1, a2, a3] = ['a1', 'a2', 'a3'].map(sha) as [string, string, string]

function job(id: number, name: string, status: string, at: number, commit: string): Delivery {
  const finished = status === 'running' ? null : iso(at)
  return {
    header: 'Job Hook',
    receivedAt: at + 1000,
    body: {
      object_kind: 'build',
      ref: 'main',
      tag: false,
      sha: commit,
      build_id: id,
      build_name: name,
      build_stage: 'test',
      build_status: status,
      build_created_at: iso(at - 5 * MIN),
      build_started_at: iso(at - MIN),
      build_finished_at: finished,
      build_allow_failure: false,
      pipeline_id: 900 + id,
      project_id: API.id,
      project: API,
      user: alice,
      environment: null,
    },
  }
}

const history: Delivery[] = [
  job(1, 'test', 'running', T + H - 30 * MIN, a1),
  job(1, 'test', 'failed', T + H, a1),
  job(3, 'lint', 'success', T + H, a1),
  job(2, 'test', 'success', T + 2 * H, a1),
  job(4, 'lint', 'failed', T + 2 * H, a1),
  job(5, 'test', 'success', T + 3 * H, a2),
  job(6, 'build', 'failed', T + 3 * H, a2),
  job(7, 'build', 'failed', T + 4 * H, a2),
  job(8, 'build', 'success', T + 5 * H, a2),
  job(9, 'build', 'success', T + 6 * H, a2),
  job(10, 'e2e', 'failed', T + 40 * D, a3),
  job(11, 'e2e', 'canceled', T + 40 * D + H, a3),
  job(12, 'e2e', 'success', T + 40 * D + 2 * H, a3),
]

const columns = `project_path, name, sha, ref, failed_runs, successful_runs, first_failed_at, passed_at`
const order = 'ORDER BY first_failed_at, name'

const expected = [
  {
    project_path: 'acme/api',
    name: 'test',
    sha: a1,
    ref: 'main',
    failed_runs: 1,
    successful_runs: 1,
    first_failed_at: chTime(T + H),
    passed_at: chTime(T + 2 * H),
  },
  {
    project_path: 'acme/api',
    name: 'build',
    sha: a2,
    ref: 'main',
    failed_runs: 2,
    successful_runs: 2,
    first_failed_at: chTime(T + 3 * H),
    passed_at: chTime(T + 5 * H),
  },
  {
    project_path: 'acme/api',
    name: 'e2e',
    sha: a3,
    ref: 'main',
    failed_runs: 1,
    successful_runs: 1,
    first_failed_at: chTime(T + 40 * D),
    passed_at: chTime(T + 40 * D + 2 * H),
  },
]

const numbers = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((r) => ({
    ...r,
    failed_runs: Number(r.failed_runs),
    successful_runs: Number(r.successful_runs),
  }))

describe('flaky jobs kept at insert time', () => {
  let ch: TestClickHouse
  const events = history.map(toEvent)
  const query = <X>(sql: string): Promise<X[]> => queryRows<X>(ch.client, sql)

  beforeAll(async () => {
    for (const e of events) expect(e.problems, e.kind).toEqual([])
    ch = await createTestClickHouse()
    // The 0013 view, over every run in job_runs_by_sha, as the reference the new one must equal.
    await viewFromMigration(
      ch.client,
      '0013_flaky_jobs.sql',
      'CREATE OR REPLACE VIEW flaky_jobs\n',
      'CREATE VIEW flaky_jobs_0013\n',
    )
  })
  afterAll(async () => {
    await ch?.cleanup()
  })

  const flakyRows = (from: number, to: number) => panelRows(ch.client, 'flaky_jobs', from, to, T)

  const scenarios: [string, () => Event[][]][] = [
    ['all runs in one batch', () => [events]],
    [
      'each success before the failures it follows (reverse order, one per batch)',
      () => [...events].reverse().map((e) => [e]),
    ],
    [
      'one run per batch, then every batch again (redelivered)',
      () => [...events.map((e) => [e]), ...events.map((e) => [e])],
    ],
    [
      'three interleaved batches, the whole history twice',
      () => {
        const thirds = [0, 1, 2].map((k) => events.filter((_, i) => i % 3 === k))
        return [...thirds, ...thirds.reverse()]
      },
    ],
  ]

  for (const [name, batches] of scenarios) {
    it(`gives the rows of 0013's view: ${name}`, async () => {
      await replayInto(ch.client, batches())
      const rows = numbers(await query(`SELECT ${columns} FROM flaky_jobs ${order}`))
      expect(rows).toEqual(expected)
      expect(rows).toEqual(numbers(await query(`SELECT ${columns} FROM flaky_jobs_0013 ${order}`)))
      // Only flaky jobs are kept, once each after FINAL.
      const kept = await query<{ n: number }>(
        'SELECT count() AS n FROM flaky_job_groups FINAL WHERE flaky',
      )
      expect(Number(kept[0]?.n)).toBe(3)
      // The panel over the first day sees the first two, over the whole range all three.
      const day = numbers(await flakyRows(T, T + D))
      expect(day.map((r) => r.name)).toEqual(['build', 'test'])
      const all = numbers(await flakyRows(T - D, T + 60 * D))
      expect(all.map((r) => [r.name, r.failed_runs, r.successful_runs])).toEqual([
        ['e2e', 1, 1],
        ['build', 2, 2],
        ['test', 1, 1],
      ])
    })
  }

  it('keeps a range exactly: the first failure decides, not a later run', async () => {
    await replayInto(ch.client, [events])
    // [T+1h30, T+40d): a1 test failed first at T+1h (before the range), a2 build at T+3h.
    const rows = await query<{ name: string }>(
      `SELECT name FROM flaky_jobs_between(from_time = '${chTime(T + 1.5 * H)}', to_time = '${chTime(T + 40 * D)}')`,
    )
    expect(rows.map((r) => r.name)).toEqual(['build'])
  })
})
