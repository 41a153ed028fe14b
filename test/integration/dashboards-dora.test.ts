// The DORA panels and the flaky-jobs panel through the JSON API, on the explicit history of
// test/support/dora-story.ts (its view-level numbers are worked out in metrics.test.ts): what a
// team lead reads on the Overview, for the whole range, one week, and one project.
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDashboardsMetrics } from '../../services/dashboards/metrics.ts'
import { loadPanels } from '../../services/dashboards/panels.ts'
import {
  openReadOnlySession,
  type ReadOnlySession,
} from '../../services/dashboards/read-only-session.ts'
import { buildDashboardsApp } from '../../services/dashboards/server.ts'
import { loadStaticAssets } from '../../services/dashboards/static-assets.ts'
import {
  createTestClickHouse,
  insertProjected,
  type TestClickHouse,
} from '../support/clickhouse.ts'
import { doraStory, fold, H, toEvent } from '../support/dora-story.ts'

const T = Date.UTC(2026, 2, 2, 9, 0, 0) // a Monday: the whole story is in the week of 2026-03-02
const { history, shas } = doraStory(T)
const all = 'from=2010-01-01&to=2027-01-01'
const week = 'from=2026-03-02&to=2026-03-09'

let ch: TestClickHouse
let readOnly: ReadOnlySession
let app: ReturnType<typeof buildDashboardsApp>

beforeAll(async () => {
  ch = await createTestClickHouse()
  const rows = fold(history.map(toEvent))
  // Twice, as a redelivered batch would be: no panel may count anything twice.
  await insertProjected(ch.client, rows)
  await insertProjected(ch.client, rows)
  readOnly = await openReadOnlySession(ch.target)
  app = buildDashboardsApp({
    clickhouse: readOnly,
    panels: loadPanels(),
    assets: loadStaticAssets(),
    metrics: createDashboardsMetrics(),
    log: pino({ level: 'silent' }),
  })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await readOnly?.close()
  await ch?.cleanup()
})

async function rows(panel: string, query: string): Promise<Record<string, unknown>[]> {
  const res = await app.inject({ method: 'GET', url: `/api/panels/${panel}?${query}` })
  expect(res.statusCode, res.body).toBe(200)
  return (res.json() as { rows: Record<string, unknown>[] }).rows
}

describe('DORA panels on a known history', () => {
  it('deployment_frequency: production deployments per day', async () => {
    // acme/web: D1, D3, D4 (D2 failed; staging is not production); acme/api: 7001 (7002 is the
    // same pipeline and environment) on 03-02, 7004 and the rollback 7005 on 03-03.
    expect(await rows('deployment_frequency', all)).toEqual([
      { day: '2026-03-02', deployments: 4 },
      { day: '2026-03-03', deployments: 2 },
    ])
    expect(await rows('deployment_frequency', `${all}&project=acme/api`)).toEqual([
      { day: '2026-03-02', deployments: 1 },
      { day: '2026-03-03', deployments: 2 },
    ])
  })

  it('lead_time_for_changes: p50 and p90 per week of deployment', async () => {
    // Lead times in hours: f1 9, c1 2, c2 3, c3 1.5, a1 1, a2 2; quantileExact takes the value at
    // index floor(level * n) of the sorted six (1, 1.5, 2, 2, 3, 9).
    expect(await rows('lead_time_for_changes', all)).toEqual([
      { week: '2026-03-02', commits: 6, p50_h: 2, p90_h: 9 },
    ])
    // acme/web alone: 1.5, 2, 3, 9.
    expect(await rows('lead_time_for_changes', `${all}&project=acme/web`)).toEqual([
      { week: '2026-03-02', commits: 4, p50_h: 3, p90_h: 9 },
    ])
  })

  it('change_failure_rate: deployments and the failed share per week', async () => {
    // Failed: D1 (incident, and D2 failed before D3), D3 (revert MR), 7004 (incident, rollback).
    expect(await rows('change_failure_rate', all)).toEqual([
      { week: '2026-03-02', deployments: 6, failed: 3, failure_rate: 0.5 },
    ])
    expect(await rows('change_failure_rate', `${all}&project=acme/web`)).toEqual([
      { week: '2026-03-02', deployments: 3, failed: 2, failure_rate: 0.6667 },
    ])
  })

  it('time_to_restore: failures, restored, p50 and p90 per week of the failure', async () => {
    // Hours: web failed deployment 2, web revert 2.5, web incident 3, api rollback 4, api
    // incident 1; sorted 1, 2, 2.5, 3, 4.
    expect(await rows('time_to_restore', all)).toEqual([
      { week: '2026-03-02', failures: 5, restored: 5, p50_h: 2.5, p90_h: 4 },
    ])
  })

  it('dora_summary: the four keys and their bands over one week', async () => {
    const summary = await rows('dora_summary', week)
    expect(summary.map((r) => [r.metric, r.unit, r.rating])).toEqual([
      ['deployment_frequency', 'per day', 'high'], // 6 in 7 days: at least weekly, under daily
      ['lead_time_for_changes', 'hours', 'elite'], // median 2 h
      ['change_failure_rate', 'ratio', 'low'], // 3 of 6
      ['time_to_restore', 'hours', 'high'], // median 2.5 h
    ])
    expect(summary.map((r) => r.value)).toEqual([6 / 7, 2, 0.5, 2.5])
    // A week with no deployment: frequency 0 ('low'), the other keys have nothing to rate.
    expect(
      (await rows('dora_summary', 'from=2026-04-06&to=2026-04-13')).map((r) => [r.value, r.rating]),
    ).toEqual([
      [0, 'low'],
      [null, ''],
      [null, ''],
      [null, ''],
    ])
  })

  it('flaky_jobs: the test job of a2 failed, then passed on the same sha', async () => {
    expect(await rows('flaky_jobs', all)).toEqual([
      {
        project_path: 'acme/api',
        name: 'test',
        ref: 'main',
        sha: shas.a2,
        failed_runs: 1,
        successful_runs: 1,
        first_failed_at: new Date(T + 25 * H).toISOString(),
        passed_at: new Date(T + 25.5 * H).toISOString(),
      },
    ])
    expect(await rows('flaky_jobs', `${all}&project=acme/web`)).toEqual([])
  })
})
