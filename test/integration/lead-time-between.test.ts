// lead_time_for_changes_between and lead_time_for_changes_in_scope (migration 0018) read only the
// commits that can be first deployed in a range; they must give exactly the rows of
// lead_time_for_changes (0012) whose deployed_at lies in it. One generated history exercises what
// makes the range subtle: several deployed branches, commits reaching two branches (a feature
// merged to main, main carried to a release branch), deployments before their sha was pushed,
// failed and staging deployments, redelivered pushes, and batches inserted out of order, one of
// them twice. Each range compares the two with EXCEPT both ways.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestClickHouse,
  insertProjected,
  queryRows,
  type TestClickHouse,
} from '../support/clickhouse.ts'
import { rng } from '../../bench/synthetic.ts'
import {
  deploymentHook,
  fold,
  H,
  push,
  toEvent,
  WEB,
  type Delivery,
} from '../support/dora-story.ts'
import { inBatches, shuffled } from '../support/replay-history.ts'

const T = Date.UTC(2026, 0, 5, 0, 0, 0)
const DAY = 24 * H
const SVC = { id: 300, path_with_namespace: 'acme/svc' }
const OTHER = { id: 400, path_with_namespace: 'other/app' }
const sha = (name: string) => createHash('sha1').update(name).digest('hex')

/** Ten days of pushes, merges and deployments per project, in the order they happened. */
function generateHistory(seed: number): Delivery[] {
  const rnd = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const out: Delivery[] = []
  let deploymentId = 1
  for (const project of [WEB, SVC, OTHER]) {
    const onBranch = new Map<string, string[]>()
    let next = 0
    const newSha = () => sha(`${project.id}-${next++}`)
    let t = T
    for (let step = 0; step < 90; step++) {
      t += Math.round(rnd() * 5 * H) + 1
      const r = rnd()
      if (r < 0.4) {
        // new commits on a branch, the push sometimes delivered again later
        const branch = pick(['main', 'main', 'release/1', 'feature/a', 'feature/b'])
        const commits = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({
          id: newSha(),
          at: t - H,
        }))
        onBranch.set(branch, [...(onBranch.get(branch) ?? []), ...commits.map((c) => c.id)])
        out.push(push(project, branch, commits, t))
        if (rnd() < 0.2) out.push(push(project, branch, commits, t + Math.round(rnd() * 3 * H)))
      } else if (r < 0.6) {
        // a merge: commits of a feature branch reach main, or main's reach the release branch
        const from = pick(['feature/a', 'feature/b', 'main'])
        const to = from === 'main' ? 'release/1' : 'main'
        const shas = (onBranch.get(from) ?? []).slice(-1 - Math.floor(rnd() * 3))
        if (shas.length === 0) continue
        onBranch.set(to, [...(onBranch.get(to) ?? []), ...shas])
        out.push(
          push(
            project,
            to,
            shas.map((id) => ({ id, at: t - 2 * H })),
            t,
          ),
        )
      } else {
        // a deployment: of a pushed sha of a deployed branch, of one pushed only later (the next
        // new commit), of a feature branch's, or of one never pushed; some fail, some to staging
        const s = rnd()
        const branch = pick(['main', 'main', 'release/1'])
        const commit =
          s < 0.65
            ? pick((onBranch.get(branch) ?? [newSha()]).slice(-4))
            : s < 0.8
              ? sha(`${project.id}-${next}`)
              : s < 0.92
                ? pick(onBranch.get('feature/a') ?? [sha('never')])
                : sha(`never-${step}`)
        const environment = rnd() < 0.8 ? 'production' : 'staging'
        const status = rnd() < 0.85 ? 'success' : 'failed'
        out.push(
          deploymentHook(
            deploymentId++,
            environment,
            environment,
            status,
            t,
            commit,
            null,
            project,
          ),
        )
      }
    }
  }
  return out.sort((a, b) => a.receivedAt - b.receivedAt)
}

let ch: TestClickHouse
const deliveries = generateHistory(20261123)

beforeAll(async () => {
  ch = await createTestClickHouse()
  // Out of order: the history shuffled into five batches, the third inserted twice.
  const batches = inBatches(shuffled(deliveries, 7), Math.ceil(deliveries.length / 5))
  for (const [i, batch] of batches.entries()) {
    const rows = fold(batch.map(toEvent))
    await insertProjected(ch.client, rows)
    if (i === 2) await insertProjected(ch.client, rows)
  }
}, 60_000)

afterAll(async () => {
  await ch?.cleanup()
})

const ms = (t: number) => new Date(t).toISOString().replace('T', ' ').replace('Z', '')

async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const rs = await ch.client.query({ query: sql, format: 'JSONEachRow', query_params: params })
  const [row] = await rs.json<{ n: number | string }>()
  return Number(row?.n)
}

interface LeadTimeRow {
  project_id: number
  sha: string
  deployed_at: string
}

const sorted = (rows: LeadTimeRow[]) => rows.map((r) => JSON.stringify(r)).sort()

const plain = `SELECT * FROM lead_time_for_changes
  WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')}`
const between = `SELECT * FROM lead_time_for_changes_between(from_time = {from:DateTime64(3, 'UTC')},
  to_time = {to:DateTime64(3, 'UTC')})`

/** Rows of `a` missing from `b` and of `b` missing from `a`, and how many `a` has. */
async function compare(a: string, b: string, params: Record<string, unknown>) {
  return {
    rows: await count(`SELECT count() AS n FROM (${a})`, params),
    onlyFirst: await count(`SELECT count() AS n FROM (${a} EXCEPT ${b})`, params),
    onlySecond: await count(`SELECT count() AS n FROM (${b} EXCEPT ${a})`, params),
  }
}

describe('lead_time_for_changes_between', () => {
  it('runs on a history with the cases that make a range subtle', async () => {
    // deployments whose sha reached its branch after they happened
    expect(
      await count(
        'SELECT count() AS n FROM production_deployment_branches WHERE sha_arrived_at > deployed_at',
      ),
    ).toBeGreaterThan(0)
    // more than one deployed branch in a project
    expect(
      await count(
        `SELECT count() AS n FROM (SELECT project_id FROM production_deployment_branches
          GROUP BY project_id HAVING uniqExact(branch) > 1)`,
      ),
    ).toBeGreaterThan(0)
    // deployed commits that reached two branches
    expect(
      await count(
        `SELECT count() AS n FROM lead_time_for_changes WHERE deployed_at IS NOT NULL
          AND (project_id, sha) IN (SELECT project_id, sha FROM branch_arrivals
            GROUP BY project_id, sha HAVING uniqExact(branch) > 1)`,
      ),
    ).toBeGreaterThan(10)
    // and a commit first deployed on the release branch although it reached main first
    expect(
      await count(
        `SELECT count() AS n FROM lead_time_for_changes AS l
          INNER JOIN production_deployment_branches AS d
            ON d.project_id = l.project_id AND d.sha = l.deployed_sha AND d.deployed_at = l.deployed_at
          WHERE d.branch = 'release/1' AND l.first_branch != 'release/1'`,
      ),
    ).toBeGreaterThan(0)
  })

  it('gives the rows of lead_time_for_changes first deployed in each range', async () => {
    const windows: [number, number][] = []
    for (let from = T - DAY; from < T + 16 * DAY; from += 19 * H)
      for (const length of [6 * H, DAY, 3 * DAY, 30 * DAY]) windows.push([from, from + length])
    // ranges that start or end exactly at a deployment
    const deployed = await queryRows<{ at: string }>(
      ch.client,
      `SELECT toString(deployed_at) AS at FROM production_deployments ORDER BY deployed_at LIMIT 6 BY project_id`,
    )
    for (const { at } of deployed) {
      const t = Date.parse(`${at.replace(' ', 'T')}Z`)
      windows.push([t, t + DAY], [t - DAY, t])
    }
    windows.push([T - 400 * DAY, T + 400 * DAY], [T + 5 * DAY, Date.UTC(2299, 11, 31)])

    // every deployed commit of the plain view once, each range's share picked out here
    const all = await queryRows<LeadTimeRow>(
      ch.client,
      'SELECT * FROM lead_time_for_changes WHERE deployed_at IS NOT NULL',
    )
    expect(all.length).toBeGreaterThan(100)
    let total = 0
    for (const [from, to] of windows) {
      const range = { from: ms(from), to: ms(to) }
      const expected = all.filter((r) => r.deployed_at >= range.from && r.deployed_at < range.to)
      const rs = await ch.client.query({
        query: between,
        format: 'JSONEachRow',
        query_params: range,
      })
      const got = await rs.json<LeadTimeRow>()
      expect({ range, rows: sorted(got) }).toEqual({ range, rows: sorted(expected) })
      total += got.length
    }
    expect(total).toBeGreaterThan(200)
  }, 120_000)

  it('gives the same rows for the projects a scope names (path, id or group)', async () => {
    const scoped = `SELECT * FROM lead_time_for_changes_in_scope(from_time = {from:DateTime64(3, 'UTC')},
      to_time = {to:DateTime64(3, 'UTC')}, scope_project = {project:String}, scope_group = {group:String})`
    const filter = `project_id IN (SELECT project_id FROM project_paths
      WHERE ({project:String} = '' OR project_path = {project:String} OR toString(project_id) = {project:String})
        AND ({group:String} = '' OR startsWith(project_path, concat({group:String}, '/'))))`
    const scopes = [
      { project: 'acme/svc', group: '' },
      { project: String(WEB.id), group: '' },
      { project: '', group: 'acme' },
      { project: 'other/app', group: 'acme' },
    ]
    let total = 0
    for (const scope of scopes)
      for (const [from, to] of [
        [T, T + 3 * DAY],
        [T + 2 * DAY, T + 9 * DAY],
        [T - DAY, T + 30 * DAY],
      ] as const) {
        const params = { from: ms(from), to: ms(to), ...scope }
        const { rows, onlyFirst, onlySecond } = await compare(
          `${scoped} WHERE ${filter}`,
          `${plain} AND ${filter}`,
          params,
        )
        expect({ params, onlyFirst, onlySecond }).toEqual({ params, onlyFirst: 0, onlySecond: 0 })
        total += rows
      }
    expect(total).toBeGreaterThan(50)
  }, 60_000)
})
