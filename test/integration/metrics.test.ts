// The metrics views of migrations/0007_metrics.sql against a small, explicit history: GitLab-shaped
// payloads go through the real ingest normaliser and the real projections, into an embedded
// ClickHouse migrated like production, and every view must give exactly the numbers worked out
// by hand below. Every ```sql block of docs/metrics.md must run as well.
//
// Two projects. acme/web (100) sends Deployment Hooks; acme/api (200) sends only Job Hooks.
// T = 2026-03-02 09:00 UTC.
// acme/web: f1 pushed to feature/x at T-2h (committed T-3h); c1 pushed to main at T; staging
//   deploy of c1 at T+1h; production D1 (c1, deploy job 5001 of pipeline 800) at T+2h; incident
//   opened T+3h, closed T+6h; MR !5 (feature/x, by alice) opened T-1h, commented by alice
//   (author) T-55m, by renovate[bot] T-50m, by bob T-30m, updated by alice T-45m and T+30m,
//   approved by bob T+1h, merged T+4h as c2; main push [f1, c2] at T+4h; production D2 of c2
//   FAILED at T+5h; production D3 (c2) at T+7h; revert MR !7 opened T+8h; c3 pushed T+9h;
//   production D4 (c3) at T+10h30.
// acme/api: a1 pushed to main at T, a2 at T+24h; pipeline 900 (a1): deploy jobs 7001 (T+1h) and
//   7002 (T+1h10) both to production, 7003 to staging; pipeline 901 (a2): test job failed T+25h
//   and passed on retry T+25h30, deploy 7004 at T+26h; an issue labelled incident opened T+27h,
//   closed T+28h; pipeline 902 redeploys a1 (a rollback) at T+30h.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Event } from '../../lib/avro/types.generated.ts'
import { repoRoot } from '../../lib/paths.ts'
import { readDelivery } from '../../services/ingest/delivery.ts'
import { normalise } from '../../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { projections } from '../../services/projector/projections/index.ts'
import type { Row } from '../../services/projector/projections/types.ts'
import {
  createTestClickHouse,
  insertProjected,
  queryRows,
  type TestClickHouse,
} from '../support/clickhouse.ts'

const T = Date.UTC(2026, 2, 2, 9, 0, 0)
const MIN = 60_000
const H = 60 * MIN
const iso = (ms: number) => new Date(ms).toISOString()
/** How ClickHouse prints a DateTime64(3, 'UTC') in JSON. */
const chTime = (ms: number) => iso(ms).replace('T', ' ').replace('Z', '')
const sha = (name: string) => createHash('sha1').update(name).digest('hex')

const WEB = { id: 100, path_with_namespace: 'acme/web' }
const API = { id: 200, path_with_namespace: 'acme/api' }
const alice = { id: 1, name: 'Alice', username: 'alice' }
const bob = { id: 2, name: 'Bob', username: 'bob' }
const renovate = { id: 3, name: 'Renovate', username: 'renovate[bot]' }

interface Delivery {
  header: string
  receivedAt: number
  body: Record<string, unknown>
}

function push(
  project: typeof WEB,
  branch: string,
  commits: { id: string; at: number }[],
  receivedAt: number,
): Delivery {
  return {
    header: 'Push Hook',
    receivedAt,
    body: {
      object_kind: 'push',
      ref: `refs/heads/${branch}`,
      before: '0'.repeat(40),
      after: commits.at(-1)?.id,
      user_username: 'alice',
      total_commits_count: commits.length,
      project,
      commits: commits.map((c) => ({
        id: c.id,
        message: `commit ${c.id.slice(0, 8)}\n`,
        timestamp: iso(c.at),
        author: { name: 'Alice', email: 'alice@example.com' },
        added: [],
        modified: ['README.md'],
        removed: [],
      })),
    },
  }
}

function deploymentHook(
  id: number,
  environment: string,
  tier: string,
  status: string,
  at: number,
  commit: string,
  deployableId: number | null,
): Delivery {
  return {
    header: 'Deployment Hook',
    receivedAt: at + 1000,
    body: {
      object_kind: 'deployment',
      status,
      status_changed_at: iso(at),
      deployment_id: id,
      deployable_id: deployableId,
      environment,
      environment_tier: tier,
      project: WEB,
      short_sha: commit.slice(0, 8),
      commit_url: `https://gitlab.example.com/acme/web/-/commit/${commit}`,
      ref: 'main',
      user: alice,
    },
  }
}

function job(
  project: typeof WEB,
  id: number,
  pipelineId: number,
  name: string,
  status: string,
  finishedAt: number,
  commit: string,
  environment?: { name: string; tier: string },
): Delivery {
  return {
    header: 'Job Hook',
    receivedAt: finishedAt + 1000,
    body: {
      object_kind: 'build',
      ref: 'main',
      tag: false,
      sha: commit,
      build_id: id,
      build_name: name,
      build_stage: environment ? 'deploy' : 'test',
      build_status: status,
      build_created_at: iso(finishedAt - 5 * MIN),
      build_started_at: iso(finishedAt - MIN),
      build_finished_at: iso(finishedAt),
      build_allow_failure: false,
      pipeline_id: pipelineId,
      project_id: project.id,
      project,
      user: alice,
      environment: environment
        ? { name: environment.name, action: 'start', deployment_tier: environment.tier }
        : null,
    },
  }
}

function issue(
  project: typeof WEB,
  iid: number,
  type: string,
  labels: string[],
  createdAt: number,
  closedAt: number | null,
): Delivery {
  return {
    header: 'Issue Hook',
    receivedAt: (closedAt ?? createdAt) + 1000,
    body: {
      object_kind: type === 'Incident' ? 'work_item' : 'issue',
      user: alice,
      project,
      labels: labels.map((title) => ({ title })),
      object_attributes: {
        id: project.id * 1000 + iid,
        iid,
        title: `issue ${iid}`,
        type,
        state: closedAt === null ? 'opened' : 'closed',
        action: closedAt === null ? 'open' : 'close',
        author_id: alice.id,
        created_at: iso(createdAt),
        updated_at: iso(closedAt ?? createdAt),
        closed_at: closedAt === null ? null : iso(closedAt),
      },
    },
  }
}

function mergeRequest(
  iid: number,
  title: string,
  action: string,
  actor: typeof alice,
  createdAt: number,
  updatedAt: number,
  extra: Record<string, unknown> = {},
): Delivery {
  return {
    header: 'Merge Request Hook',
    receivedAt: updatedAt + 1000,
    body: {
      object_kind: 'merge_request',
      user: actor,
      project: WEB,
      object_attributes: {
        id: 50_000 + iid,
        iid,
        title,
        state: action === 'merge' ? 'merged' : 'opened',
        action,
        source_branch: 'feature/x',
        target_branch: 'main',
        source_project_id: WEB.id,
        target_project_id: WEB.id,
        author_id: alice.id,
        created_at: iso(createdAt),
        updated_at: iso(updatedAt),
        ...extra,
      },
    },
  }
}

function note(mrIid: number, noteId: number, author: typeof alice, at: number): Delivery {
  return {
    header: 'Note Hook',
    receivedAt: at + 1000,
    body: {
      object_kind: 'note',
      user: author,
      project: WEB,
      object_attributes: {
        id: noteId,
        noteable_type: 'MergeRequest',
        note: 'a comment',
        author_id: author.id,
        created_at: iso(at),
        updated_at: iso(at),
        system: false,
      },
      merge_request: { id: 50_000 + mrIid, iid: mrIid },
    },
  }
}

const [f1, c1, c2, c3, a1, a2] = ['f1', 'c1', 'c2', 'c3', 'a1', 'a2'].map(sha) as [
  string,
  string,
  string,
  string,
  string,
  string,
]
const mrOpened = T - H
const production = { name: 'production', tier: 'production' }
const staging = { name: 'staging', tier: 'staging' }

const history: Delivery[] = [
  // acme/web
  push(WEB, 'feature/x', [{ id: f1, at: T - 3 * H }], T - 2 * H),
  push(WEB, 'main', [{ id: c1, at: T - 10 * MIN }], T),
  job(WEB, 5002, 800, 'deploy-staging', 'success', T + H - MIN, c1, staging),
  deploymentHook(1002, 'staging', 'staging', 'success', T + H, c1, 5002),
  // the deploy job of D1: its pipeline names D1's pipeline; as a job it is not counted (hooks win)
  job(WEB, 5001, 800, 'deploy-production', 'success', T + 2 * H - MIN, c1, production),
  deploymentHook(1001, 'production', 'production', 'success', T + 2 * H, c1, 5001),
  issue(WEB, 1, 'Incident', [], T + 3 * H, null),
  issue(WEB, 1, 'Incident', [], T + 3 * H, T + 6 * H),
  mergeRequest(5, 'Add feature', 'open', alice, mrOpened, mrOpened),
  mergeRequest(5, 'Add feature', 'update', alice, mrOpened, T - 45 * MIN),
  note(5, 901, alice, T - 55 * MIN),
  note(5, 902, renovate, T - 50 * MIN),
  note(5, 903, bob, T - 30 * MIN),
  mergeRequest(5, 'Add feature', 'update', alice, mrOpened, T + 30 * MIN),
  mergeRequest(5, 'Add feature', 'approved', bob, mrOpened, T + H),
  mergeRequest(5, 'Add feature', 'merge', bob, mrOpened, T + 4 * H, {
    merged_at: iso(T + 4 * H),
    merge_commit_sha: c2,
  }),
  push(
    WEB,
    'main',
    [
      { id: f1, at: T - 3 * H },
      { id: c2, at: T + 4 * H },
    ],
    T + 4 * H,
  ),
  deploymentHook(1003, 'production', 'production', 'failed', T + 5 * H, c2, null),
  deploymentHook(1004, 'production', 'production', 'success', T + 7 * H, c2, null),
  mergeRequest(7, 'Revert "Add feature"', 'open', alice, T + 8 * H, T + 8 * H, {
    source_branch: 'revert-feature-x',
  }),
  push(WEB, 'main', [{ id: c3, at: T + 9 * H }], T + 9 * H),
  deploymentHook(1005, 'production', 'production', 'success', T + 10.5 * H, c3, null),
  // acme/api
  push(API, 'main', [{ id: a1, at: T - MIN }], T),
  job(API, 7013, 900, 'build', 'failed', T + 30 * MIN, a1),
  job(API, 7012, 900, 'lint', 'failed', T + 40 * MIN, a1),
  job(API, 7001, 900, 'deploy-eu', 'success', T + H, a1, production),
  job(API, 7002, 900, 'deploy-us', 'success', T + H + 10 * MIN, a1, production),
  job(API, 7003, 900, 'deploy-staging', 'success', T + H, a1, staging),
  push(API, 'main', [{ id: a2, at: T + 24 * H - MIN }], T + 24 * H),
  job(API, 7014, 901, 'build', 'success', T + 24.5 * H, a2),
  job(API, 7010, 901, 'test', 'failed', T + 25 * H, a2),
  job(API, 7011, 901, 'test', 'success', T + 25.5 * H, a2),
  job(API, 7004, 901, 'deploy', 'success', T + 26 * H, a2, production),
  issue(API, 3, 'Issue', ['incident', 'backend'], T + 27 * H, T + 28 * H),
  issue(API, 4, 'Issue', ['bug'], T + 27 * H, null),
  job(API, 7005, 902, 'deploy', 'success', T + 30 * H, a1, production),
]

function toEvent(d: Delivery): Event {
  const body = Buffer.from(JSON.stringify(d.body))
  const parsed = parseWebhookBody(body)
  if (!parsed.ok) throw parsed.error
  const headers = { 'content-type': 'application/json', 'x-gitlab-event': d.header }
  return normalise({
    delivery: readDelivery(headers),
    body,
    json: parsed.value,
    receivedAt: d.receivedAt,
  })
}

function fold(events: Event[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>(projections.map((p) => [p.table, []]))
  events.forEach((e, i) => {
    for (const p of projections)
      out.get(p.table)?.push(...p.project(e, { partition: 0, offset: String(i) }))
  })
  return out
}

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
