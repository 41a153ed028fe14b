// The merge request cycle kept at insert time (migrations/0014_merge_request_cycle.sql) against
// the view it replaces (0007), under every order the projector can meet the rows in. GitLab-shaped
// payloads go through the real normaliser and projections into an embedded ClickHouse migrated
// like production; between scenarios every projection table and every table the materialized
// views fill is emptied, as `hookhouse replay` does.
//
// acme/web (100), T = 2026-03-02 09:00 UTC:
//   f1 pushed to feature/x at T-2h (committed T-3h); c1 to main at T, deployed (production) T+2h.
//   MR !5 (feature/x, by alice, created T-1h): alice comments T-55m, renovate[bot] T-50m, bob
//   T-30m; alice updates T-45m and T+30m; bob approves T+1h and merges T+4h as c2; main push
//   [f1, c2] at T+4h; production deploy of c2 fails T+5h, succeeds T+7h.
//   MR !7 (feature/y, its hooks carry no created_at, so it opens with the open event at T+8h):
//   y1 pushed to feature/y at T+7h30 (committed T+6h30); bob comments T+8h30, approves T+9h,
//   merges T+9h30 as m7; main push [m7] at T+9h45; production deploy of m7 at T+10h30.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Event } from '../../lib/avro/types.generated.ts'
import { createTestClickHouse, queryRows, type TestClickHouse } from '../support/clickhouse.ts'
import { H, iso, toEvent } from '../support/dora-story.ts'
import { mergeRequestHistory, T } from '../support/merge-request-history.ts'
import {
  inBatches,
  panelRows,
  replayInto,
  shuffled,
  viewFromMigration,
} from '../support/replay-history.ts'

const history = mergeRequestHistory

/** The events in batches, each batch inserted as the projector inserts one. */
const scenarios: Record<string, (events: Event[]) => Event[][]> = {
  'one batch per event, in order': (events) => events.map((e) => [e]),
  'one batch per event, in reverse (every merge and deployment before its pushes and opens)': (
    events,
  ) => [...events].reverse().map((e) => [e]),
  'shuffled in batches of three, each event delivered twice': (events) =>
    inBatches(shuffled([...events, ...events], 5), 3),
  'shuffled in batches of two, each event delivered twice': (events) =>
    inBatches(shuffled([...events, ...events], 11), 2),
  'shuffled in batches of five': (events) => inBatches(shuffled(events, 23), 5),
  'everything in one batch, redelivered': (events) => [events, events],
}

const cycleColumns = `project_id, mr_iid, author_username, author_is_bot, first_commit_at, opened_at,
  first_review_at, approved_at, merged_at, deployed_at, coding_s, pickup_s, review_s, merge_s,
  deploy_s, review_rounds`

describe('merge request cycle kept at insert time', () => {
  let ch: TestClickHouse
  const events = history.map(toEvent)
  const query = <X>(sql: string): Promise<X[]> => queryRows<X>(ch.client, sql)

  beforeAll(async () => {
    for (const e of events) expect(e.problems, e.kind).toEqual([])
    ch = await createTestClickHouse()
    // The 0007 view, as the reference the new one must equal.
    await viewFromMigration(
      ch.client,
      '0007_metrics.sql',
      'CREATE VIEW IF NOT EXISTS merge_request_cycle AS',
      'CREATE VIEW merge_request_cycle_0007 AS',
    )
  })
  afterAll(async () => {
    await ch?.cleanup()
  })

  const cycleRows = () => panelRows(ch.client, 'merge_request_cycle', T - 24 * H, T + 24 * H, T)

  const expected = [
    {
      mr_iid: 5,
      author_username: 'alice',
      coding_s: 2 * 3600, // f1 committed T-3h, pushed to feature/x before the open at T-1h
      pickup_s: 1800, // bob's comment; alice's own and renovate[bot]'s do not count
      review_s: 5400,
      merge_s: 3 * 3600,
      deploy_s: 3 * 3600, // the failed deployment at T+5h does not count
      review_rounds: 1, // alice's update at T+30m; the one at T-45m was before review
    },
    {
      mr_iid: 7,
      author_username: 'alice',
      coding_s: 1.5 * 3600, // y1 committed T+6h30; no created_at, so open is the open event T+8h
      pickup_s: 1800,
      review_s: 1800,
      merge_s: 1800,
      deploy_s: 3600,
      review_rounds: 0,
    },
  ]

  let first: { view: unknown[]; panel: unknown[] } | undefined
  for (const [name, batchesOf] of Object.entries(scenarios)) {
    it(`${name}: the same rows as the 0007 view, and the same panel`, async () => {
      await replayInto(ch.client, batchesOf(events))
      const view = await query<Record<string, unknown>>(
        `SELECT ${cycleColumns} FROM merge_request_cycle ORDER BY project_id, mr_iid`,
      )
      const reference = await query<Record<string, unknown>>(
        `SELECT ${cycleColumns} FROM merge_request_cycle_0007 ORDER BY project_id, mr_iid`,
      )
      expect(view).toEqual(reference)
      expect(
        view.map((r) => ({
          mr_iid: Number(r.mr_iid),
          author_username: r.author_username,
          coding_s: r.coding_s,
          pickup_s: r.pickup_s,
          review_s: r.review_s,
          merge_s: r.merge_s,
          deploy_s: r.deploy_s,
          review_rounds: Number(r.review_rounds),
        })),
      ).toEqual(expected)
      const between = await query<Record<string, unknown>>(
        `SELECT ${cycleColumns} FROM merge_request_cycle_between(from_time = '${iso(T + 4 * H)
          .slice(0, 19)
          .replace('T', ' ')}',
           to_time = '${iso(T + 9.5 * H)
             .slice(0, 19)
             .replace('T', ' ')}', all_merge_requests = false)`,
      )
      expect(between).toEqual(view.filter((r) => Number(r.mr_iid) === 5)) // merged in [T+4h, T+9h30)
      const rows = await cycleRows()
      expect(rows).toHaveLength(1)
      if (first === undefined) first = { view, panel: rows }
      else expect({ view, panel: rows }).toEqual(first)
    })
  }
})
