// The dashboards' JSON API against the embedded engine, on a known dataset: the seed deliveries,
// normalised and projected exactly as the projector does, inserted straight into the tables (no
// Kafka needed: the projector's own test proves that path). Each panel's rows are pinned to the
// numbers the payloads imply; bad parameters are 400s that name the parameter; values that look
// like SQL stay data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import type { ClickHouseClient } from '../../lib/clickhouse/client-factory.ts'
import { projections } from '../../services/projector/projections/index.ts'
import { startDashboards } from '../../services/dashboards/index.ts'
import { createDashboardsMetrics } from '../../services/dashboards/metrics.ts'
import { loadPanels, parsePanel, type Panel } from '../../services/dashboards/panels.ts'
import {
  openReadOnlySession,
  type ReadOnlySession,
} from '../../services/dashboards/read-only-session.ts'
import { missingRelations } from '../../services/dashboards/run-panel.ts'
import { buildDashboardsApp } from '../../services/dashboards/server.ts'
import { loadStaticAssets } from '../../services/dashboards/static-assets.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { insertProjectedSeeds } from '../support/projected-seeds.ts'
import { seeds } from '../support/seeds.ts'

type App = ReturnType<typeof buildDashboardsApp>
type Rows = Record<string, unknown>[]

const receivedAt = Date.UTC(2026, 10, 23, 12, 0, 0)
/** A range that holds every time of the seeds (2011 to 2026). */
const all = 'from=2010-01-01&to=2027-01-01'
const log = pino({ level: 'silent' })

let ch: TestClickHouse
let readOnly: ReadOnlySession
let app: App
let missingViews: string[] = []

/** Every seed, normalised and projected as the projector would, one second apart. */
async function insertSeeds(client: ClickHouseClient): Promise<void> {
  await insertProjectedSeeds(client, receivedAt)
}

// The seeds open merge requests but never review one: this lifecycle of merge request !1 of
// project 1 (opened 2013-12-03 17:23:34, author id 51) gives the review-time panel something to
// measure. The author's own comment must not count as the first comment.
async function insertReviewOfMergeRequest1(client: ClickHouseClient): Promise<void> {
  const at = (hours: number) => new Date(Date.parse('2013-12-03T17:23:34Z') + hours * 3_600_000)
  const row = (id: string, action: string, actor: number, hours: number) => ({
    event_id: `test-review-${id}`,
    project_id: 1,
    mr_iid: 1,
    action,
    actor_id: actor,
    actor_username: actor === 51 ? 'author' : 'reviewer',
    actor_name: '',
    at: at(hours).toISOString(),
    note_id: null,
  })
  await client.insert({
    table: 'merge_request_events',
    values: [
      row('own-comment', 'comment', 51, 1),
      row('comment', 'comment', 2, 2),
      row('approval', 'approved', 2, 5),
      row('merge', 'merge', 2, 26),
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  })
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url, headers })
  return { status: res.statusCode, json: res.json() as Record<string, unknown>, res }
}

async function rows(panel: string, query = all): Promise<Rows> {
  const { status, json } = await get(`/api/panels/${panel}?${query}`)
  expect(status, JSON.stringify(json)).toBe(200)
  return json.rows as Rows
}

async function tableCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const p of projections) {
    const rs = await ch.client.query({
      query: `SELECT count() AS n FROM ${p.table}`,
      format: 'JSONEachRow',
    })
    out[p.table] = Number((await rs.json<{ n: string }>())[0]?.n)
  }
  return out
}

beforeAll(async () => {
  ch = await createTestClickHouse()
  await insertSeeds(ch.client)
  await insertReviewOfMergeRequest1(ch.client)
  readOnly = await openReadOnlySession(ch.target)
  const panels = loadPanels()
  missingViews = await missingRelations(readOnly, [...new Set(panels.flatMap((p) => p.requires))])
  app = buildDashboardsApp({
    clickhouse: readOnly,
    panels,
    assets: loadStaticAssets(),
    metrics: createDashboardsMetrics(),
    log,
  })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await readOnly?.close()
  await ch?.cleanup()
})

describe('GET /api/panels', () => {
  it('lists every panel with its name, title, page, chart and parameters', async () => {
    const { status, json } = await get('/api/panels')
    expect(status).toBe(200)
    const panels = json.panels as { name: string; page: string; chart: string; params: string[] }[]
    expect(panels.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'events_per_day',
        'freshness',
        'commits_per_day',
        'active_authors',
        'top_projects',
        'top_authors',
        'commit_heatmap',
        'merge_requests_per_week',
        'merge_request_times',
        'open_merge_request_age',
        'slowest_open_merge_requests',
        'pipeline_duration',
        'pipeline_queued_time',
        'pipeline_success_rate',
        'slowest_jobs',
        'flaky_jobs',
        'runner_load',
        'deployment_frequency',
        'lead_time_for_changes',
        'change_failure_rate',
        'time_to_restore',
      ]),
    )
    expect(panels.find((p) => p.name === 'pipeline_duration')).toMatchObject({
      page: 'pipelines',
      chart: 'line',
      params: ['from', 'to', 'project', 'group', 'branch'],
    })
    expect(panels.find((p) => p.name === 'freshness')?.params).toEqual(['project', 'group'])
  })

  it('runs every listed panel without error (a panel on a missing view says so)', async () => {
    const { json } = await get('/api/panels')
    for (const p of json.panels as { name: string; requires: string[] }[]) {
      const res = await get(`/api/panels/${p.name}?${all}`)
      if (p.requires.some((r) => missingViews.includes(r))) {
        expect(res.status, p.name).toBe(503)
        expect(res.json.error).toMatchObject({ code: 'HH_PANEL_UNAVAILABLE' })
        continue
      }
      expect(res.status, `${p.name}: ${JSON.stringify(res.json)}`).toBe(200)
      expect(Array.isArray(res.json.rows), p.name).toBe(true)
    }
  })
})

describe('overview', () => {
  it('counts events received per day and kind, each delivery once', async () => {
    const r = await rows('events_per_day')
    expect(r.every((x) => x.day === '2026-11-23')).toBe(true)
    expect(r.reduce((n, x) => n + (x.events as number), 0)).toBe(seeds.length)
    expect(r.find((x) => x.kind === 'note')?.events).toBe(14)
    expect(r.find((x) => x.kind === 'push')?.events).toBe(5)
    expect(await rows('events_per_day', `${all}&group=jsmith`)).toEqual([
      { day: '2026-11-23', kind: 'tag_push', events: 3 },
    ])
  })

  it('reports freshness from the newest receipt, whatever the range', async () => {
    const [r] = await rows('freshness', '')
    expect(r).toMatchObject({
      has_events: 1,
      last_received_at: new Date(receivedAt + (seeds.length - 1) * 1000).toISOString(),
    })
    expect(r?.seconds_since_last_event).toBeGreaterThan(0)
    const [none] = await rows('freshness', 'project=no/such-project')
    expect(none).toMatchObject({ has_events: 0, last_received_at: null })
  })

  it('draws the DORA panels from the metric views', async (ctx) => {
    ctx.skip(
      missingViews.length > 0,
      `the metric views ${missingViews.join(', ')} are not in the migrations yet (migration 0007)`,
    )
    // The seeds hold no Deployment Hook and no deploy job that ran: no deployment, no rating.
    expect(await rows('deployment_frequency')).toEqual([])
    expect(await rows('lead_time_for_changes')).toEqual([])
    expect(await rows('change_failure_rate')).toEqual([])
    expect(await rows('time_to_restore')).toEqual([])
    expect(await rows('dora_summary')).toEqual([
      { metric: 'deployment_frequency', value: 0, unit: 'per day', rating: 'low' },
      { metric: 'lead_time_for_changes', value: null, unit: 'hours', rating: '' },
      { metric: 'change_failure_rate', value: null, unit: 'ratio', rating: '' },
      { metric: 'time_to_restore', value: null, unit: 'hours', rating: '' },
    ])
  })
})

describe('commits', () => {
  it('counts commits per day of commit time for project 15', async () => {
    expect(await rows('commits_per_day', `${all}&project=15`)).toEqual([
      { day: '2011-12-12', commits: 1 },
      { day: '2012-01-03', commits: 1 },
      { day: '2018-12-31', commits: 1 },
      { day: '2019-01-03', commits: 1 },
    ])
    expect(await rows('commits_per_day', `${all}&project=mike/diaspora`)).toEqual([
      { day: '2011-12-12', commits: 1 },
      { day: '2012-01-03', commits: 1 },
    ])
    expect(await rows('commits_per_day', `${all}&group=demo`)).toEqual([
      { day: '2018-12-31', commits: 1 },
      { day: '2019-01-03', commits: 1 },
    ])
    expect(await rows('commits_per_day', 'from=2019-01-01&to=2019-02-01')).toEqual([
      { day: '2019-01-03', commits: 1 },
    ])
  })

  it('counts active authors per week', async () => {
    expect(await rows('active_authors')).toEqual([
      { week: '2011-12-12', authors: 1 },
      { week: '2012-01-02', authors: 1 },
      { week: '2018-12-31', authors: 1 },
    ])
  })

  it('ranks projects and authors by commits', async () => {
    expect(await rows('top_projects')).toEqual([
      { project_path: 'demo/demo', commits: 2, authors: 1 },
      { project_path: 'mike/diaspora', commits: 2, authors: 2 },
    ])
    expect(await rows('top_authors')).toEqual([
      { author: 'atomgit', author_email: 'email@atomgit.com', commits: 2, projects: 1 },
      {
        author: 'GitLab dev user',
        author_email: 'gitlabdev@dv6700.(none)',
        commits: 1,
        projects: 1,
      },
      { author: 'Jordi Mallach', author_email: 'jordi@softcatala.org', commits: 1, projects: 1 },
    ])
  })

  it('places commits by weekday (1 = Monday) and UTC hour', async () => {
    expect(await rows('commit_heatmap')).toEqual([
      { weekday: 1, hour: 12, commits: 1 },
      { weekday: 1, hour: 16, commits: 1 },
      { weekday: 2, hour: 21, commits: 1 },
      { weekday: 4, hour: 15, commits: 1 },
    ])
  })
})

describe('merge requests', () => {
  it('counts merge requests opened and merged per week', async () => {
    expect(await rows('merge_requests_per_week')).toEqual([
      { week: '2013-12-02', opened: 1, merged: 0 },
      { week: '2019-09-02', opened: 1, merged: 0 },
    ])
  })

  it('measures time to first comment (not the author), first approval and merge', async () => {
    expect(await rows('merge_request_times', `${all}&project=1`)).toEqual([
      {
        week: '2013-12-02',
        merge_requests: 1,
        first_comment_p50_h: 2,
        first_comment_p90_h: 2,
        first_approval_p50_h: 5,
        first_approval_p90_h: 5,
        merge_p50_h: 26,
        merge_p90_h: 26,
      },
    ])
  })

  it('buckets open merge requests by age and lists the oldest with links', async () => {
    const ages = await rows('open_merge_request_age', '')
    expect(ages.map((r) => r.age)).toEqual([
      '< 1 day',
      '1-3 days',
      '3-7 days',
      '1-2 weeks',
      '2-4 weeks',
      '1-3 months',
      '> 3 months',
    ])
    expect(ages.map((r) => r.merge_requests)).toEqual([0, 0, 0, 0, 0, 0, 2])
    const oldest = await rows('slowest_open_merge_requests', '')
    expect(oldest.map((r) => [r.project_path, r.mr_iid, r.url])).toEqual([
      ['gitlabhq/gitlab-test', 1, 'http://example.com/diaspora/merge_requests/1'],
      ['demo/demo', 1, 'https://atomgit.codechina.net/demo/demo/merge_requests/1'],
    ])
    expect(oldest[0]?.opened_at).toBe('2013-12-03T17:23:34.000Z')
  })
})

describe('pipelines', () => {
  it('shows pipeline 31 with its 63 s duration per project and ref', async () => {
    expect(await rows('pipeline_duration', `${all}&project=1`)).toEqual([
      {
        day: '2016-08-12',
        series: 'gitlab-org/gitlab-test @ master',
        project_path: 'gitlab-org/gitlab-test',
        ref: 'master',
        pipelines: 1,
        p50_s: 63,
        p95_s: 63,
      },
    ])
    expect(await rows('pipeline_duration', `${all}&project=1&branch=master`)).toHaveLength(1)
    expect(await rows('pipeline_duration', `${all}&project=1&branch=main`)).toEqual([])
  })

  it('derives queued time from created and started when GitLab sends none', async () => {
    // Pipeline 31: created 15:23:28, first job started 15:24:56.
    expect(await rows('pipeline_queued_time', `${all}&project=1`)).toEqual([
      { day: '2016-08-12', pipelines: 1, p50_s: 88, p95_s: 88 },
    ])
  })

  it('reports the success rate of finished pipelines', async () => {
    expect(await rows('pipeline_success_rate', `${all}&project=1`)).toEqual([
      { week: '2016-08-08', success: 1, failed: 0, canceled: 0, success_rate: 1 },
    ])
  })

  it('ranks the slowest jobs and stages', async () => {
    expect(await rows('slowest_jobs', `${all}&project=1`)).toEqual([
      {
        project_path: 'gitlab-org/gitlab-test',
        stage: 'build',
        name: 'build-image',
        runs: 1,
        p50_s: 30,
        p95_s: 30,
        max_s: 30,
      },
      {
        project_path: 'gitlab-org/gitlab-test',
        stage: 'test',
        name: 'test-build',
        runs: 1,
        p50_s: 17,
        p95_s: 17,
        max_s: 17,
      },
    ])
    expect(await rows('slowest_stages', `${all}&project=1`)).toEqual([
      { stage: 'build', jobs: 1, p50_s: 30, p95_s: 30 },
      { stage: 'test', jobs: 1, p50_s: 17, p95_s: 17 },
    ])
  })

  it('counts runner load, jobs without a known runner as (unknown)', async () => {
    // Jobs 376, 377 and 378 started; 30 s + 17 s of known running time.
    expect(await rows('runner_load', `${all}&project=1`)).toEqual([
      { day: '2016-08-12', runner: '(unknown)', jobs: 3, busy_h: 0.013 },
    ])
  })

  it('lists no flaky job: no seed job failed', async (ctx) => {
    ctx.skip(missingViews.includes('flaky_jobs'), 'the flaky_jobs view is not migrated yet')
    expect(await rows('flaky_jobs')).toEqual([])
  })
})

describe('bad requests', () => {
  it.each([
    ['from=yesterday', 'from', 'HH_BAD_PARAMETER'],
    ['to=2026-13-45', 'to', 'HH_BAD_PARAMETER'],
    ['from=2026-02-01&to=2026-01-01', 'from', 'HH_BAD_PARAMETER'],
    ['project=a%20b', 'project', 'HH_BAD_PARAMETER'],
    ['project=15&project=16', 'project', 'HH_BAD_PARAMETER'],
    ['group=%7Bproject%3AString%7D', 'group', 'HH_BAD_PARAMETER'],
    ['limit=10', 'limit', 'HH_UNKNOWN_PARAMETER'],
  ])('%s is a 400 naming %s', async (query, parameter, code) => {
    const { status, json } = await get(`/api/panels/commits_per_day?${query}`)
    expect(status).toBe(400)
    expect(json.error).toMatchObject({ code, parameter })
    expect((json.error as { message: string }).message).toContain(parameter)
  })

  it('answers 404 for an unknown panel', async () => {
    const { status, json } = await get('/api/panels/no_such_panel')
    expect(status).toBe(404)
    expect(json.error).toMatchObject({ code: 'HH_UNKNOWN_PANEL' })
  })

  it('keeps SQL in a parameter as data: refused or harmless, and the tables unchanged', async () => {
    const before = await tableCounts()
    const refused = await get(
      `/api/panels/slowest_jobs?project=${encodeURIComponent("1' OR '1'='1")}`,
    )
    expect(refused.status).toBe(400)
    expect(refused.json.error).toMatchObject({ parameter: 'project' })
    // A legal git ref full of SQL: bound as a string, it matches no job.
    const branch = encodeURIComponent("x';DROP_TABLE_jobs;--")
    expect(await rows('slowest_jobs', `${all}&branch=${branch}`)).toEqual([])
    const spaced = await get(
      `/api/panels/slowest_jobs?branch=${encodeURIComponent("x'; DROP TABLE jobs; --")}`,
    )
    expect(spaced.status).toBe(400)
    expect(await tableCounts()).toEqual(before)
  })
})

/** A panel that runs until max_execution_time stops it, with a bound parameter or without. */
function endlessPanel(bound: boolean): Panel {
  const params = bound ? '-- params: project\n' : ''
  const where = bound ? " WHERE {project:String} = ''" : ''
  return parsePanel(
    'endless',
    `-- title: Endless\n-- description: never ends\n-- page: commits\n-- chart: table\n${params}` +
      `SELECT sum(number) AS s FROM system.numbers${where}`,
  )
}

/** The dashboards on `session`, with `extra` beside the shipped panels. */
function appOn(session: ReadOnlySession, extra: Panel) {
  return buildDashboardsApp({
    clickhouse: session,
    panels: [extra, ...loadPanels()],
    assets: loadStaticAssets(),
    metrics: createDashboardsMetrics(),
    log,
  })
}

describe('the read-only session', () => {
  it('refuses writes and refuses lifting read-only', async () => {
    const attempt = (query: string) => readOnly.run((client) => client.command({ query }))
    await expect(attempt("INSERT INTO events (event_id) VALUES ('x')")).rejects.toThrow(/readonly/i)
    await expect(attempt('SET readonly = 0')).rejects.toThrow(/readonly/i)
    await expect(attempt('DROP TABLE jobs')).rejects.toThrow(/readonly/i)
  })

  // The embedded engine answers the query after a timed-out one with the stopped query's JSON
  // followed by its own, which no JSON parser reads: the session is replaced after a timeout.
  it('answers the next panel correctly after one is stopped at max_execution_time', async () => {
    // One session, so the next panel runs where the stopped one did.
    const session = await openReadOnlySession(ch.target, { maxExecutionSeconds: 1, sessions: 1 })
    const timed = appOn(session, endlessPanel(false))
    try {
      const stopped = await timed.inject({ method: 'GET', url: '/api/panels/endless' })
      expect(stopped.statusCode).toBe(504)
      expect(stopped.json().error).toMatchObject({ code: 'HH_PANEL_TIMEOUT' })
      const next = await timed.inject({
        method: 'GET',
        url: `/api/panels/commits_per_day?${all}&project=15`,
      })
      expect(next.statusCode, next.body).toBe(200)
      expect(next.json().rows).toEqual([
        { day: '2011-12-12', commits: 1 },
        { day: '2012-01-03', commits: 1 },
        { day: '2018-12-31', commits: 1 },
        { day: '2019-01-03', commits: 1 },
      ])
      expect(session.replaced).toBe(1)
      // The new session is read-only too.
      await expect(
        session.run((client) => client.command({ query: 'DROP TABLE jobs' })),
      ).rejects.toThrow(/readonly/i)
    } finally {
      await timed.close()
      await session.close()
    }
  })
})

describe('bound parameters on the embedded sessions', () => {
  it('reach the engine as data, whatever they hold', async () => {
    const values = [
      'group/project',
      "it's",
      'back\\slash \\N \\t',
      'tab\tnew\nline\rreturn',
      "'; DROP TABLE jobs; --",
      '{project:String}',
      'ünïcödé ✓',
      '',
    ]
    for (const v of values) {
      const { data } = await readOnly.select<{ v: string; n: number }>(
        'SELECT {v:String} AS v, length({v:String}) AS n',
        { v },
      )
      expect(data).toEqual([{ v, n: Buffer.byteLength(v) }])
    }
    const { data } = await readOnly.select<{ t: string }>(
      "SELECT toString({t:DateTime64(3, 'UTC')}) AS t",
      { t: '2026-11-23 12:34:56.789' },
    )
    expect(data).toEqual([{ t: '2026-11-23 12:34:56.789' }])
    const { data: jobs } = await readOnly.select<{ n: number }>(
      "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'jobs'",
      {},
    )
    expect(jobs).toEqual([{ n: 1 }])
  })

  it('keep each query its own values when queries run at once', async () => {
    const session = await openReadOnlySession(ch.target, { sessions: 3 })
    try {
      const asked = Array.from({ length: 24 }, (_, i) => `value-${i}`)
      const answers = await Promise.all(
        asked.map((v) =>
          session.select<{ v: string }>(
            'SELECT {v:String} AS v FROM numbers(200000) WHERE number % 100000 = 0 LIMIT 1',
            { v },
          ),
        ),
      )
      expect(answers.map((a) => a.data[0]?.v)).toEqual(asked)
    } finally {
      await session.close()
    }
  })

  // chdb runs every query that carries query_params through one process-wide chain: bound that
  // way, this panel waited for the slow one to be stopped, on whichever session.
  it('answer a fast panel while a slow one runs on another session', async () => {
    const session = await openReadOnlySession(ch.target, { maxExecutionSeconds: 5, sessions: 2 })
    const app = appOn(session, endlessPanel(true))
    try {
      let slowSettled = false
      const stopped = app
        .inject({ method: 'GET', url: '/api/panels/endless' })
        .finally(() => (slowSettled = true))
      const fast = await app.inject({
        method: 'GET',
        url: `/api/panels/commits_per_day?${all}&project=15`,
      })
      expect(fast.statusCode, fast.body).toBe(200)
      expect(fast.json().rows).toHaveLength(4)
      expect(slowSettled).toBe(false)
      expect((await stopped).statusCode).toBe(504)
    } finally {
      await app.close()
      await session.close()
    }
  })
})

describe('the web UI', () => {
  it('serves a page per section, the module and the charting library', async () => {
    for (const [path, page] of [
      ['/', 'overview'],
      ['/commits', 'commits'],
      ['/merge-requests', 'merge-requests'],
      ['/pipelines', 'pipelines'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: path })
      expect(res.statusCode, path).toBe(200)
      expect(res.headers['content-type']).toContain('text/html')
      expect(res.body).toContain(`data-page="${page}"`)
      expect(res.body).toContain('/vendor/echarts.min.js')
    }
    const lib = await app.inject({ method: 'GET', url: '/vendor/echarts.min.js' })
    expect(lib.statusCode).toBe(200)
    expect(lib.body.length).toBeGreaterThan(100_000)
    const js = await app.inject({ method: 'GET', url: '/ui/app.js' })
    expect(js.headers['content-type']).toContain('javascript')
  })
})

describe('access', () => {
  it('asks for the token when one is configured, and leaves /healthz open', async () => {
    const guarded = buildDashboardsApp({
      clickhouse: readOnly,
      panels: loadPanels(),
      assets: loadStaticAssets(),
      metrics: createDashboardsMetrics(),
      log,
      auth: { token: 's3cret' },
    })
    try {
      const denied = await guarded.inject({ method: 'GET', url: '/api/panels' })
      expect(denied.statusCode).toBe(401)
      expect(denied.headers['www-authenticate']).toMatch(/^Basic /)
      const wrong = await guarded.inject({
        method: 'GET',
        url: '/',
        headers: { authorization: 'Bearer nope' },
      })
      expect(wrong.statusCode).toBe(401)
      const bearer = await guarded.inject({
        method: 'GET',
        url: '/api/panels',
        headers: { authorization: 'Bearer s3cret' },
      })
      expect(bearer.statusCode).toBe(200)
      const basic = await guarded.inject({
        method: 'GET',
        url: '/',
        headers: { authorization: `Basic ${Buffer.from('me:s3cret').toString('base64')}` },
      })
      expect(basic.statusCode).toBe(200)
      expect((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    } finally {
      await guarded.close()
    }
  })
})

describe('startDashboards', () => {
  it('listens on its own read-only session and closes cleanly', async () => {
    const running = await startDashboards({
      clickhouse: ch.target,
      host: '127.0.0.1',
      port: 0,
      log,
    })
    try {
      expect((await fetch(new URL('/healthz', running.url))).status).toBe(200)
      const res = await fetch(new URL(`/api/panels/commits_per_day?${all}&project=15`, running.url))
      expect(((await res.json()) as { rows: Rows }).rows).toHaveLength(4)
    } finally {
      await running.close()
    }
  })
})
