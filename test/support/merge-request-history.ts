// The merge request history both merge request cycle tests replay, on WEB: !5 (reviews by a bot,
// the author and bob, approved, merged, deployed after a failed deployment) and !7 (no created_at
// in its hooks), with their pushes and production deployments.
import { createHash } from 'node:crypto'
import {
  alice,
  bob,
  deploymentHook,
  H,
  iso,
  mergeRequestHook as mergeRequest,
  MIN,
  note,
  push as storyPush,
  renovate,
  WEB,
  type Delivery,
} from './dora-story.ts'

export const T = Date.UTC(2026, 2, 2, 9, 0, 0)
export const sha = (name: string) => createHash('sha1').update(name).digest('hex')
const [f1, c1, c2, y1, m7] = ['f1', 'c1', 'c2', 'y1', 'm7'].map(sha) as [
  string,
  string,
  string,
  string,
  string,
]

export const push = (branch: string, commits: { id: string; at: number }[], at: number): Delivery =>
  storyPush(WEB, branch, commits, at)

export const deployment = (id: number, status: string, at: number, commit: string): Delivery =>
  deploymentHook(id, 'production', 'production', status, at, commit, null)

const mr5 = { source_branch: 'feature/x', created_at: iso(T - H) }
const mr7 = { source_branch: 'feature/y' }
export const mergeRequestHistory: Delivery[] = [
  push('feature/x', [{ id: f1, at: T - 3 * H }], T - 2 * H),
  push('main', [{ id: c1, at: T - 10 * MIN }], T),
  deployment(1001, 'success', T + 2 * H, c1),
  mergeRequest(5, 'open', alice, T - H, mr5),
  mergeRequest(5, 'update', alice, T - 45 * MIN, mr5),
  note(5, 901, alice, T - 55 * MIN),
  note(5, 902, renovate, T - 50 * MIN),
  note(5, 903, bob, T - 30 * MIN),
  mergeRequest(5, 'update', alice, T + 30 * MIN, mr5),
  mergeRequest(5, 'approved', bob, T + H, mr5),
  mergeRequest(5, 'merge', bob, T + 4 * H, {
    ...mr5,
    merged_at: iso(T + 4 * H),
    merge_commit_sha: c2,
  }),
  push(
    'main',
    [
      { id: f1, at: T - 3 * H },
      { id: c2, at: T + 4 * H },
    ],
    T + 4 * H,
  ),
  deployment(1003, 'failed', T + 5 * H, c2),
  deployment(1004, 'success', T + 7 * H, c2),
  push('feature/y', [{ id: y1, at: T + 6.5 * H }], T + 7.5 * H),
  mergeRequest(7, 'open', alice, T + 8 * H, mr7),
  note(7, 904, bob, T + 8.5 * H),
  mergeRequest(7, 'approved', bob, T + 9 * H, mr7),
  mergeRequest(7, 'merge', bob, T + 9.5 * H, {
    ...mr7,
    merged_at: iso(T + 9.5 * H),
    merge_commit_sha: m7,
  }),
  push('main', [{ id: m7, at: T + 9.5 * H }], T + 9.75 * H),
  deployment(1005, 'success', T + 10.5 * H, m7),
]
