// merge_request_cycle_merged_facts and the merge_request_cycle_in_scope that reads it
// (migrations/0020_merge_request_cycle_merged_facts.sql) against what they replace, under every
// order the projector can meet the rows in: the table must hold, once aggregated, the finalised
// facts of merge_request_cycle_facts_by_merge, and the view the rows of 0019's view, for ranges
// and project filters that take each of its paths. GitLab-shaped payloads go through the real
// normaliser and projections into an embedded ClickHouse migrated like production.
//
// acme/web (100), T = 2026-03-02 09:00 UTC:
//   MR !5 (feature/x, created T-1h): f1 pushed T-2h; alice (the author), renovate[bot] and bob
//   comment; alice updates before and after bob's review; bob approves T+1h, merges T+4h as c2;
//   main push [f1, c2] T+4h; production deployments: c1 T+2h, c2 failed T+5h, c2 T+7h.
//   MR !7 (feature/y, its hooks carry no created_at): y1 pushed T+7h30, opened T+8h, bob comments
//   and approves, merges T+9h30 as m7; main push [m7] T+9h45; deployed T+10h30.
//   MR !8 (feature/z, created T+2h): two merge hooks with different times, T+5h and T+6h (GitLab
//   resent it after an edit), so it has two merge times; bob comments T+3h, approves T+4h30.
//   MR !9 (feature/w): opened, never merged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Event } from '../../lib/avro/types.generated.ts'
import { createTestClickHouse, queryRows, type TestClickHouse } from '../support/clickhouse.ts'
import {
  alice,
  bob,
  chTime,
  H,
  iso,
  note,
  toEvent,
  mergeRequestHook as mergeRequest,
  type Delivery,
} from '../support/dora-story.ts'
import { mergeRequestHistory, push, sha, T } from '../support/merge-request-history.ts'
import { inBatches, replayInto, shuffled, viewFromMigration } from '../support/replay-history.ts'

const [z1, m8] = ['z1', 'm8'].map(sha) as [string, string]
const mr8 = { source_branch: 'feature/z', created_at: iso(T + 2 * H) }
const mr9 = { source_branch: 'feature/w', created_at: iso(T + 3 * H) }
const history: Delivery[] = [
  ...mergeRequestHistory,
  push('feature/z', [{ id: z1, at: T + H }], T + 1.5 * H),
  mergeRequest(8, 'open', alice, T + 2 * H, mr8),
  note(8, 905, bob, T + 3 * H),
  mergeRequest(8, 'approved', bob, T + 4.5 * H, mr8),
  mergeRequest(8, 'merge', bob, T + 5 * H, {
    ...mr8,
    merged_at: iso(T + 5 * H),
    merge_commit_sha: m8,
  }),
  mergeRequest(8, 'merge', bob, T + 6 * H, {
    ...mr8,
    title: 'Change 8, edited',
    merged_at: iso(T + 5 * H),
    merge_commit_sha: m8,
  }),
  push('main', [{ id: m8, at: T + 5 * H }], T + 5.25 * H),
  mergeRequest(9, 'open', alice, T + 3 * H, mr9),
]

/** The events in batches, each batch inserted as the projector inserts one. */
const scenarios: Record<string, (events: Event[]) => Event[][]> = {
  'one batch per event, in order': (events) => events.map((e) => [e]),
  'one batch per event, in reverse (every merge before its open, pushes and comments)': (events) =>
    [...events].reverse().map((e) => [e]),
  'shuffled in batches of three, each event delivered twice': (events) =>
    inBatches(shuffled([...events, ...events], 7), 3),
  'shuffled in batches of two': (events) => inBatches(shuffled(events, 13), 2),
  'everything in one batch, redelivered': (events) => [events, events],
}

// Each merge time's facts, aggregated, from the new table and from the states it copies.
const mergedFacts = `SELECT merged_at_bucket, project_id, mr_iid, max(mr) AS mr, max(title).title AS title,
    min(opened_at) AS opened_at, min(opener).username AS opener, min(merged_at) AS merged_at,
    minMap(reviews) AS reviews, minMap(approvals) AS approvals,
    arraySort(groupUniqArrayArray(updates)) AS updates, min(first_commit_at) AS first_commit_at,
    minMap(merge_commit_arrivals) AS merge_commit_arrivals
  FROM merge_request_cycle_merged_facts
  GROUP BY merged_at_bucket, project_id, mr_iid
  ORDER BY merged_at_bucket, project_id, mr_iid`
const factsByMerge = `SELECT merged_at_bucket, project_id, mr_iid,
    CAST((version, latest.project_path, latest.state, latest.author_id, latest.created_at,
        latest.source_project_id, latest.source_branch, latest.target_branch, latest.merge_commit_sha),
      'Tuple(version UInt64, project_path String, state String, author_id Nullable(Int64), created_at Nullable(DateTime64(3, \\'UTC\\')), source_project_id Int64, source_branch String, target_branch String, merge_commit_sha String)') AS mr,
    title, opened_at, opener, merged_at, reviews, approvals, arraySort(updates) AS updates,
    first_commit_at, merge_commit_arrivals
  FROM
  (
    SELECT merged_at_bucket, project_id, mr_iid, max(mr_version) AS version, argMaxMerge(mr) AS latest,
      argMaxMerge(title) AS title, min(opened_at) AS opened_at, argMinMerge(opener) AS opener,
      min(merged_at) AS merged_at, minMapMerge(reviews) AS reviews, minMapMerge(approvals) AS approvals,
      groupUniqArrayMerge(updates) AS updates, min(first_commit_at) AS first_commit_at,
      minMapMerge(merge_commit_arrivals) AS merge_commit_arrivals
    FROM merge_request_cycle_facts_by_merge
    GROUP BY merged_at_bucket, project_id, mr_iid
  )
  ORDER BY merged_at_bucket, project_id, mr_iid`

// Ranges that take each path of the view: one merge time of MR !8 in the range (its first, or
// only its second, which leaves it out), both of them (aggregated), none, all of time.
const ranges: [string, number, number][] = [
  ['the day', T - 24 * H, T + 24 * H],
  ['!5 and the first merge of !8', T + 4 * H, T + 5.5 * H],
  ['only the second merge of !8', T + 5.5 * H, T + 7 * H],
  ['both merges of !8', T + 5 * H, T + 7 * H],
  ['nothing merged', T + 10 * H, T + 20 * H],
]
const scopes: [string, string][] = [
  ['', ''],
  ['acme/web', ''],
  ['100', ''],
  ['', 'acme'],
  ['acme/api', ''],
]

const inScope = (
  view: string,
  from: number,
  to: number,
  all: boolean,
  project: string,
  group: string,
) =>
  `SELECT * FROM ${view}(from_time = '${chTime(from)}', to_time = '${chTime(to)}',
     all_merge_requests = ${all}, scope_project = '${project}', scope_group = '${group}')
   ORDER BY project_id, mr_iid`

describe('merge request cycle from finalised facts (0020)', () => {
  let ch: TestClickHouse
  const events = history.map(toEvent)
  const query = <X>(sql: string): Promise<X[]> => queryRows<X>(ch.client, sql)

  beforeAll(async () => {
    for (const e of events) expect(e.problems, e.kind).toEqual([])
    ch = await createTestClickHouse()
    // 0019's view, the reference the new one must equal.
    await viewFromMigration(
      ch.client,
      '0019_merge_request_cycle_scope.sql',
      'CREATE OR REPLACE VIEW merge_request_cycle_in_scope',
      'CREATE OR REPLACE VIEW merge_request_cycle_in_scope_0019',
    )
  })
  afterAll(async () => {
    await ch?.cleanup()
  })

  let first: unknown[] | undefined
  // Every range with every filter after the first order (a view query costs about half a second
  // here, mostly planning); after the others, whose facts must equal the first's, every range for
  // all projects and every filter over the day.
  const everyCase = ranges.flatMap(([, from, to]) => scopes.map((s) => [from, to, ...s] as const))
  const someCases = everyCase.filter(
    ([from, to, project, group]) =>
      (project === '' && group === '') || (from === ranges[0]?.[1] && to === ranges[0]?.[2]),
  )
  for (const [index, [name, batchesOf]] of Object.entries(scenarios).entries()) {
    it(`${name}: the facts of every merge time, and the view's rows, as before`, async () => {
      await replayInto(ch.client, batchesOf(events))

      const facts = await query<Record<string, unknown>>(mergedFacts)
      expect(facts).toEqual(await query(factsByMerge))
      // !5, !7 and !8 twice; !9 never merged
      expect(facts.map((f) => Number(f.mr_iid))).toEqual([5, 8, 8, 7])
      if (first === undefined) first = facts
      else expect(facts).toEqual(first)

      let rows = 0
      for (const [from, to, project, group] of index === 0 ? everyCase : someCases) {
        const view = await query(
          inScope('merge_request_cycle_in_scope', from, to, false, project, group),
        )
        expect(view, `${chTime(from)} ${project} ${group}`).toEqual(
          await query(
            inScope('merge_request_cycle_in_scope_0019', from, to, false, project, group),
          ),
        )
        rows += view.length
      }
      expect(rows).toBeGreaterThan(10)
      for (const [project, group] of scopes.slice(0, 2))
        expect(
          await query(inScope('merge_request_cycle_in_scope', 0, T, true, project, group)),
        ).toEqual(
          await query(inScope('merge_request_cycle_in_scope_0019', 0, T, true, project, group)),
        )
    }, 180_000)
  }

  it('reads !8 from both of its merge times, and its cycle from the first', async () => {
    const [row] = await query<{
      mr_iid: number
      merged_at: string
      title: string
      review_s: number
    }>(
      `SELECT toUInt8(mr_iid) AS mr_iid, merged_at, title, review_s FROM merge_request_cycle_in_scope(
         from_time = '${chTime(T + 5 * H)}', to_time = '${chTime(T + 7 * H)}', all_merge_requests = false,
         scope_project = '', scope_group = '')`,
    )
    expect(row).toEqual({
      mr_iid: 8,
      merged_at: chTime(T + 5 * H),
      title: 'Change 8, edited',
      review_s: 1.5 * 3600,
    })
  })
})
