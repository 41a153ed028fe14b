// The migrations against the real engine: every projected row of every seed delivery (and of the
// extra Deployment Hook and Job Hook fixtures) goes into its table as the projector inserts it
// (JSONEachRow, date_time_input_format=best_effort), and FINAL reads give back what the payloads
// say; a second insert of the same rows, and an out-of-order pair, change nothing they must not.
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
import { seeds, type SeedDelivery } from '../support/seeds.ts'

const extra = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'fixtures', 'projection-deliveries.json'), 'utf8'),
) as SeedDelivery[]
const deliveries = [...seeds, ...extra]
const receivedAt = Date.UTC(2026, 10, 23, 12, 0, 0)

function event(s: SeedDelivery, i: number): Event {
  const body = Buffer.from(s.body)
  const parsed = parseWebhookBody(body)
  if (!parsed.ok) throw parsed.error
  return normalise({
    delivery: readDelivery(s.headers),
    body,
    json: parsed.value,
    receivedAt: receivedAt + i * 1000,
  })
}

function fold(events: Event[], firstOffset = 0): Map<string, Row[]> {
  const out = new Map<string, Row[]>(projections.map((p) => [p.table, []]))
  events.forEach((e, i) => {
    const at = { partition: 0, offset: String(firstOffset + i) }
    for (const p of projections) out.get(p.table)?.push(...p.project(e, at))
  })
  return out
}

describe('migrated tables take the projected rows', () => {
  let ch: TestClickHouse
  const events = deliveries.map(event)
  const all = fold(events)

  const insert = (rows: Map<string, Row[]>) => insertProjected(ch.client, rows)
  const query = <T>(sql: string): Promise<T[]> => queryRows<T>(ch.client, sql)
  const counts = async () => {
    const out: Record<string, number> = {}
    for (const p of projections) {
      const [r] = await query<{ n: string }>(`SELECT count() AS n FROM ${p.table} FINAL`)
      out[p.table] = Number(r?.n)
    }
    return out
  }

  beforeAll(async () => {
    ch = await createTestClickHouse()
    await insert(all)
  })
  afterAll(async () => {
    await ch?.cleanup()
  })

  it('has a comment on every table and column it created', async () => {
    const tables = await query<{ name: string; comment: string }>(
      `SELECT name, comment FROM system.tables WHERE database = currentDatabase()
         AND name IN (${projections.map((p) => `'${p.table}'`).join(',')})`,
    )
    expect(tables.map((t) => t.name).sort()).toEqual(projections.map((p) => p.table).sort())
    for (const t of tables) expect(t.comment, t.name).not.toBe('')
    const columns = await query<{ table: string; name: string }>(
      `SELECT table, name FROM system.columns WHERE database = currentDatabase()
         AND table IN (${projections.map((p) => `'${p.table}'`).join(',')}) AND comment = ''`,
    )
    expect(columns).toEqual([])
  })

  it('stores every event once, with its body and log position', async () => {
    const [r] = await query<{ n: string; bytes: string }>(
      'SELECT count() AS n, sum(length(payload)) AS bytes FROM events FINAL',
    )
    expect(Number(r?.n)).toBe(new Set(events.map((e) => e.event_id)).size)
    expect(Number(r?.bytes)).toBe(deliveries.reduce((n, d) => n + Buffer.byteLength(d.body), 0))
  })

  it('reads back pipeline 31 with its 63 s duration and its jobs with theirs', async () => {
    const pipelines = await query<{ project_id: number; duration_s: number; started_at: string }>(
      'SELECT project_id, duration_s, started_at FROM pipelines FINAL WHERE pipeline_id = 31 ORDER BY project_id',
    )
    // gitswarm/pipeline names no project id (0); gitlab-11/pipeline is project 1
    expect(pipelines).toEqual([
      { project_id: 0, duration_s: 63, started_at: '2016-08-12 15:24:56.000' },
      { project_id: 1, duration_s: 63, started_at: '2016-08-12 15:24:56.000' },
    ])
    const jobs = await query<{ job_id: number; stage: string; status: string; d: number | null }>(
      `SELECT job_id, stage, status, duration_s AS d FROM jobs FINAL
         WHERE project_id = 1 AND pipeline_id = 31 ORDER BY job_id`,
    )
    expect(jobs).toEqual([
      { job_id: 376, stage: 'build', status: 'success', d: 30 },
      { job_id: 377, stage: 'test', status: 'success', d: null },
      { job_id: 378, stage: 'test', status: 'success', d: 17 },
      { job_id: 379, stage: 'deploy', status: 'created', d: null },
      { job_id: 380, stage: 'deploy', status: 'skipped', d: null },
    ])
    const [avg] = await query<{ a: number }>(
      'SELECT avg(duration_s) AS a FROM jobs FINAL WHERE project_id = 1 AND pipeline_id = 31',
    )
    expect(avg?.a).toBe(23.5) // nulls are not zeros
  })

  it('reads back commits with UTC times and the first push', async () => {
    const rows = await query<{ sha: string; committed_at: string; author_email: string }>(
      `SELECT sha, committed_at, author_email FROM commits FINAL
         WHERE project_id = 15 AND sha = 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327'`,
    )
    expect(rows).toEqual([
      {
        sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
        committed_at: '2011-12-12 12:27:31.000',
        author_email: 'jordi@softcatala.org',
      },
    ])
    // Pushed by four seeds (atomgit, gitlab-11, gitlab-8, gitlab-6, gitswarm share project 15):
    // the row kept is the earliest received push's.
    const [first] = await query<{ pushed_at: string; event_id: string }>(
      `SELECT pushed_at, event_id FROM commits FINAL
         WHERE project_id = 15 AND sha = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'`,
    )
    const firstPush = events.find((e) =>
      e.push?.commits.some((c) => c.id === 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'),
    )
    expect(first?.event_id).toBe(firstPush?.event_id)
  })

  it('reads back deployments from both sources', async () => {
    const rows = await query<{ source: string; environment: string; deployed_at: string }>(
      `SELECT source, environment, deployed_at FROM deployments FINAL
         ORDER BY source, environment`,
    )
    expect(rows).toEqual([
      {
        source: 'deployment_hook',
        environment: 'production',
        deployed_at: '2021-04-29 08:00:00.000',
      },
      { source: 'deployment_hook', environment: 'staging', deployed_at: '2021-04-28 19:50:00.000' },
      { source: 'job', environment: 'production', deployed_at: '2021-02-23 03:01:30.500' },
    ])
  })

  it('reads back merge request transitions, comments included', async () => {
    const rows = await query<{ action: string; n: string }>(
      `SELECT action, count() AS n FROM merge_request_events FINAL GROUP BY action ORDER BY action`,
    )
    expect(rows.map((r) => [r.action, Number(r.n)])).toEqual([
      ['', 1],
      ['comment', 4],
      ['open', 4],
    ])
  })

  it('changes no count when the same rows are inserted again (a redelivered batch)', async () => {
    const before = await counts()
    await insert(fold(events, 1000))
    expect(await counts()).toEqual(before)
  })

  it('drops an identical retried insert outright by its insert_deduplication_token', async () => {
    // Rows of a project of their own, merges stopped: a duplicate would show without FINAL.
    await ch.client.command({ query: 'SYSTEM STOP MERGES jobs' })
    const values: Row[] = (all.get('jobs') ?? []).map((r) => ({ ...r, project_id: 88 }))
    for (let i = 0; i < 2; i++)
      await ch.client.insert({
        table: 'jobs',
        values,
        format: 'JSONEachRow',
        clickhouse_settings: {
          date_time_input_format: 'best_effort',
          insert_deduplication_token: 'batch-0-0-99-jobs',
        },
      })
    const [r] = await query<{ n: string }>('SELECT count() AS n FROM jobs WHERE project_id = 88')
    await ch.client.command({ query: 'SYSTEM START MERGES jobs' })
    // One insert folds its own twins (pipeline 31 comes from two seeds): one row per job id.
    expect(Number(r?.n)).toBe(new Set(values.map((v) => v.job_id)).size)
  })

  it('reads back a release', async () => {
    const rows = await query<{ tag: string; sha: string; released_at: string }>(
      'SELECT tag, sha, released_at FROM releases FINAL WHERE project_id = 2',
    )
    expect(rows).toEqual([
      {
        tag: 'v1.1',
        sha: 'ee0a3fb31ac16e11b9dbb596ad16d4af654d08f8',
        released_at: '2020-11-02 12:55:12.000',
      },
    ])
  })

  it('keeps success when an older running state of the pipeline arrives after it', async () => {
    const base = events.find((e) => e.pipeline?.id === 31 && e.project_id === 1)
    const pipeline = base?.pipeline
    if (!base || !pipeline) throw new Error('no pipeline 31')
    const mk = (status: string, finishedAt: number | null, id: string): Event => ({
      ...base,
      event_id: id,
      project_id: 77,
      pipeline: { ...pipeline, id: 4242, status, finished_at: finishedAt },
    })
    await insert(fold([mk('success', Date.parse('2026-01-01T10:05:00Z'), 'p-success')]))
    await insert(fold([mk('running', null, 'p-running')]))
    const rows = await query<{ status: string; event_id: string }>(
      'SELECT status, event_id FROM pipelines FINAL WHERE project_id = 77 AND pipeline_id = 4242',
    )
    expect(rows).toEqual([{ status: 'success', event_id: 'p-success' }])
  })

  it('ends a merge request merged when its merge arrives before its open', async () => {
    const base = events.find((e) => e.merge_request && e.project_id === 1)
    if (!base?.merge_request) throw new Error('no merge request')
    const merge: Event = {
      ...base,
      event_id: 'mr-merge',
      merge_request: {
        ...base.merge_request,
        action: 'merge',
        state: 'merged',
        updated_at: Date.parse('2013-12-05T10:00:00Z'),
      },
    }
    await insert(fold([merge]))
    await insert(fold([base]))
    const rows = await query<{ state: string; merged_at: string }>(
      'SELECT state, merged_at FROM merge_requests FINAL WHERE project_id = 1 AND mr_iid = 1',
    )
    expect(rows).toEqual([{ state: 'merged', merged_at: '2013-12-05 10:00:00.000' }])
  })
})
