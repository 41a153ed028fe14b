// The metrics views of migrations/0007_metrics.sql against a small, explicit history: GitLab-shaped
// payloads go through the real ingest normaliser and the real projections, into an embedded
// ClickHouse migrated like production, and every view must give exactly the numbers worked out
// by hand below. Every ```sql block of docs/metrics.md must run as well.
//
// The history is test/support/dora-story.ts (read its header first), with T = 2026-03-02 09:00 UTC.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../../lib/paths.ts'
import type { Row } from '../../services/projector/projections/types.ts'
import {
  createTestClickHouse,
  insertProjected,
  queryRows,
  type TestClickHouse,
} from '../support/clickhouse.ts'
import { chTime, doraStory, fold, H, toEvent } from '../support/dora-story.ts'

const T = Date.UTC(2026, 2, 2, 9, 0, 0)
const { history, shas } = doraStory(T)
const { f1, c1, c2, c3, a1, a2 } = shas

/** The ```sql blocks of docs/metrics.md, in order. */
function sqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim())
}

describe('metrics views', () => {
  let ch: TestClickHouse
  const events = history.map(toEvent)

  const insert = (rows: Map<string, Row[]>) => insertProjected(ch.client, rows)
  const query = <T>(sql: string): Promise<T[]> => queryRows<T>(ch.client, sql)

  beforeAll(async () => {
    for (const e of events) expect(e.problems, e.kind).toEqual([])
    ch = await createTestClickHouse()
    // Twice, as a redelivered batch would be: FINAL reads must count each thing once.
    await insert(fold(events))
    await insert(fold(events))
  })
  afterAll(async () => {
    await ch?.cleanup()
  })

  it('production_deployments: hooks where sent, else jobs; one per environment per pipeline', async () => {
    const rows = await query<{
      project_id: number
      environment: string
      sha: string
      pipeline_id: number | null
      deployed_at: string
      source: string
    }>(
      `SELECT project_id, environment, sha, pipeline_id, deployed_at, source
         FROM production_deployments ORDER BY project_id, deployed_at`,
    )
    expect(rows.map((r) => ({ ...r, project_id: Number(r.project_id) }))).toEqual([
      {
        project_id: 100,
        environment: 'production',
        sha: c1,
        pipeline_id: 800,
        deployed_at: chTime(T + 2 * H),
        source: 'deployment_hook',
      },
      {
        project_id: 100,
        environment: 'production',
        sha: c2,
        pipeline_id: null,
        deployed_at: chTime(T + 7 * H),
        source: 'deployment_hook',
      },
      {
        project_id: 100,
        environment: 'production',
        sha: c3,
        pipeline_id: null,
        deployed_at: chTime(T + 10.5 * H),
        source: 'deployment_hook',
      },
      {
        project_id: 200,
        environment: 'production',
        sha: a1,
        pipeline_id: 900,
        deployed_at: chTime(T + H),
        source: 'job',
      },
      {
        project_id: 200,
        environment: 'production',
        sha: a2,
        pipeline_id: 901,
        deployed_at: chTime(T + 26 * H),
        source: 'job',
      },
      {
        project_id: 200,
        environment: 'production',
        sha: a1,
        pipeline_id: 902,
        deployed_at: chTime(T + 30 * H),
        source: 'job',
      },
    ])
  })

  it('deployment_frequency_daily: deployments per project and day', async () => {
    const rows = await query<{ project_id: number; day: string; deployments: number }>(
      'SELECT project_id, day, deployments FROM deployment_frequency_daily ORDER BY project_id, day',
    )
    expect(rows.map((r) => [Number(r.project_id), r.day, Number(r.deployments)])).toEqual([
      [100, '2026-03-02', 3],
      [200, '2026-03-02', 1],
      [200, '2026-03-03', 2],
    ])
  })

  it('lead_time_for_changes: first push to the first production deployment containing it', async () => {
    const rows = await query<{ sha: string; deployed_sha: string | null; lead_time_s: number }>(
      'SELECT sha, deployed_sha, lead_time_s FROM lead_time_for_changes ORDER BY project_id, first_pushed_at',
    )
    expect(rows).toEqual([
      { sha: f1, deployed_sha: c2, lead_time_s: 9 * 3600 }, // pushed T-2h on feature/x, in D3
      { sha: c1, deployed_sha: c1, lead_time_s: 7200 },
      { sha: c2, deployed_sha: c2, lead_time_s: 3 * 3600 }, // D2 failed: D3 is the first
      { sha: c3, deployed_sha: c3, lead_time_s: 1.5 * 3600 },
      { sha: a1, deployed_sha: a1, lead_time_s: 3600 },
      { sha: a2, deployed_sha: a2, lead_time_s: 2 * 3600 },
    ])
  })

  it('merge_to_deploy: merge to the first production deployment that carries it', async () => {
    const rows = await query<{ mr_iid: number; deployed_sha: string; merge_to_deploy_s: number }>(
      'SELECT mr_iid, deployed_sha, merge_to_deploy_s FROM merge_to_deploy',
    )
    expect(rows.map((r) => ({ ...r, mr_iid: Number(r.mr_iid) }))).toEqual([
      { mr_iid: 5, deployed_sha: c2, merge_to_deploy_s: 3 * 3600 },
    ])
  })

  it('change_failure: incident, failed deployment, revert and rollback before the next one', async () => {
    const rows = await query<{
      project_id: number
      sha: string
      failed_deployment: boolean
      incident: boolean
      revert: boolean
      rollback: boolean
      failed: boolean
    }>(
      `SELECT project_id, sha, failed_deployment, incident, revert, rollback, failed
         FROM change_failure ORDER BY project_id, deployed_at`,
    )
    const f = (
      sha: string,
      failed_deployment: boolean,
      incident: boolean,
      revert: boolean,
      rollback: boolean,
    ) => ({
      sha,
      failed_deployment,
      incident,
      revert,
      rollback,
      failed: failed_deployment || incident || revert || rollback,
    })
    expect(rows.map(({ project_id: _, ...r }) => r)).toEqual([
      f(c1, true, true, false, false),
      f(c2, false, false, true, false),
      f(c3, false, false, false, false),
      f(a1, false, false, false, false),
      f(a2, false, true, false, true),
      f(a1, false, false, false, false),
    ])
    const rate = await query<{ project_id: number; failed: number; total: number; rate: number }>(
      `SELECT project_id, countIf(failed) AS failed, count() AS total, failed / total AS rate
         FROM change_failure GROUP BY project_id ORDER BY project_id`,
    )
    expect(rate.map((r) => [Number(r.project_id), Number(r.failed), Number(r.total)])).toEqual([
      [100, 2, 3],
      [200, 1, 3],
    ])
  })

  it('time_to_restore: incidents opened to closed, failures to the next deployment', async () => {
    const rows = await query<{
      kind: string
      project_id: number
      subject: string
      restore_s: number
    }>(
      `SELECT kind, project_id, subject, restore_s FROM time_to_restore
         ORDER BY kind, project_id, failed_at`,
    )
    expect(rows.map((r) => [r.kind, Number(r.project_id), r.subject, r.restore_s])).toEqual([
      ['deployment', 100, 'deployment:1001', 7200], // failed deployment T+5h, D3 at T+7h
      ['deployment', 100, 'deployment:1004', 9000], // revert MR T+8h, D4 at T+10h30
      ['deployment', 200, 'job:7004', 4 * 3600], // rolled back at T+30h
      ['incident', 100, '1', 3 * 3600],
      ['incident', 200, '3', 3600],
    ])
  })

  it('flaky_jobs: failed then passed on the same sha', async () => {
    const rows = await query<{
      name: string
      sha: string
      failed_runs: number
      successful_runs: number
      first_failed_at: string
      passed_at: string
    }>('SELECT name, sha, failed_runs, successful_runs, first_failed_at, passed_at FROM flaky_jobs')
    expect(
      rows.map((r) => ({
        ...r,
        failed_runs: Number(r.failed_runs),
        successful_runs: Number(r.successful_runs),
      })),
    ).toEqual([
      {
        name: 'test',
        sha: a2,
        failed_runs: 1,
        successful_runs: 1,
        first_failed_at: chTime(T + 25 * H),
        passed_at: chTime(T + 25.5 * H),
      },
    ])
  })

  it('merge_request_cycle: coding, pickup, review, merge, deploy and review rounds', async () => {
    const rows = await query<Record<string, unknown>>(
      `SELECT mr_iid, author_username, author_is_bot, coding_s, pickup_s, review_s, merge_s,
              deploy_s, review_rounds
         FROM merge_request_cycle ORDER BY mr_iid`,
    )
    expect(
      rows.map((r) => ({ ...r, mr_iid: Number(r.mr_iid), review_rounds: Number(r.review_rounds) })),
    ).toEqual([
      {
        mr_iid: 5,
        author_username: 'alice',
        author_is_bot: false,
        coding_s: 7200, // first commit T-3h, opened T-1h
        pickup_s: 1800, // bob's comment; alice's own and renovate[bot]'s do not count
        review_s: 5400,
        merge_s: 3 * 3600,
        deploy_s: 3 * 3600,
        review_rounds: 1, // alice's update at T+30m; the one at T-45m was before review
      },
      {
        mr_iid: 7,
        author_username: 'alice',
        author_is_bot: false,
        coding_s: null,
        pickup_s: null,
        review_s: null,
        merge_s: null,
        deploy_s: null,
        review_rounds: 0,
      },
    ])
  })

  it('commits_daily: distinct commits per project and day, kept by the materialized view', async () => {
    const rows = await query<{ project_id: number; day: string; commits: number }>(
      `SELECT project_id, day, uniqExactMerge(commits) AS commits FROM commits_daily
         GROUP BY project_id, day ORDER BY project_id, day`,
    )
    expect(rows.map((r) => [Number(r.project_id), r.day, Number(r.commits)])).toEqual([
      [100, '2026-03-02', 4],
      [200, '2026-03-02', 1],
      [200, '2026-03-03', 1],
    ])
  })

  it('follows metric_settings: another production environment name, then switched off', async () => {
    const count = async () =>
      Number((await query<{ n: number }>('SELECT count() AS n FROM production_deployments'))[0]?.n)
    expect(await count()).toBe(6)
    await ch.client.command({
      query:
        "INSERT INTO metric_settings (name, value) VALUES ('production_environment', 'staging')",
    })
    expect(await count()).toBe(8) // the staging hook of acme/web, the staging job of acme/api
    await ch.client.command({
      query:
        "INSERT INTO metric_settings (name, value, enabled) VALUES ('production_environment', 'staging', false)",
    })
    expect(await count()).toBe(6)
  })

  it('runs every SQL block of docs/metrics.md', async () => {
    const blocks = sqlBlocks(readFileSync(join(repoRoot, 'docs', 'metrics.md'), 'utf8'))
    expect(blocks.length).toBeGreaterThan(10)
    for (const sql of blocks) {
      if (/^\s*(SELECT|WITH)\b/i.test(sql)) await query(sql)
      else await ch.client.command({ query: sql })
    }
  })
})
