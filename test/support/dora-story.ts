// A small, explicit delivery history for the metric views and the DORA panels: two projects,
// deployments by hook and by job, an incident, a revert, a rollback and a flaky job, with every
// number they imply worked out by hand in test/integration/metrics.test.ts.
//
// acme/web (100) sends Deployment Hooks; acme/api (200) sends only Job Hooks.
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
import type { Event } from '../../lib/avro/types.generated.ts'
import { readDelivery } from '../../services/ingest/delivery.ts'
import { normalise } from '../../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { projections } from '../../services/projector/projections/index.ts'
import type { Row } from '../../services/projector/projections/types.ts'

export const MIN = 60_000
export const H = 60 * MIN
export const iso = (ms: number) => new Date(ms).toISOString()
/** How ClickHouse prints a DateTime64(3, 'UTC') in JSON. */
export const chTime = (ms: number) => iso(ms).replace('T', ' ').replace('Z', '')
const sha = (name: string) => createHash('sha1').update(name).digest('hex')

export const WEB = { id: 100, path_with_namespace: 'acme/web' }
export const API = { id: 200, path_with_namespace: 'acme/api' }
export const alice = { id: 1, name: 'Alice', username: 'alice' }
export const bob = { id: 2, name: 'Bob', username: 'bob' }
export const renovate = { id: 3, name: 'Renovate', username: 'renovate[bot]' }

export interface Delivery {
  header: string
  receivedAt: number
  body: Record<string, unknown>
}

export function push(
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

export function deploymentHook(
  id: number,
  environment: string,
  tier: string,
  status: string,
  at: number,
  commit: string,
  deployableId: number | null,
  project: typeof WEB = WEB,
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
      project,
      short_sha: commit.slice(0, 8),
      commit_url: `https://gitlab.example.com/${project.path_with_namespace}/-/commit/${commit}`,
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

/**
 * A Merge Request Hook on WEB by `actor`, received a second after `updatedAt`; `attributes` add
 * to or replace the object's (source branch, created_at, merged_at, ...).
 */
export function mergeRequestHook(
  iid: number,
  action: string,
  actor: typeof alice,
  updatedAt: number,
  attributes: Record<string, unknown> = {},
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
        title: `Change ${iid}`,
        state: action === 'merge' ? 'merged' : 'opened',
        action,
        target_branch: 'main',
        source_project_id: WEB.id,
        target_project_id: WEB.id,
        author_id: alice.id,
        updated_at: iso(updatedAt),
        ...attributes,
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
  return mergeRequestHook(iid, action, actor, updatedAt, {
    title,
    source_branch: 'feature/x',
    created_at: iso(createdAt),
    ...extra,
  })
}

export function note(mrIid: number, noteId: number, author: typeof alice, at: number): Delivery {
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

export interface DoraStory {
  history: Delivery[]
  shas: { f1: string; c1: string; c2: string; c3: string; a1: string; a2: string }
}

/** The story above, its times relative to T (a Monday 09:00 UTC keeps it in one week). */
export function doraStory(T: number): DoraStory {
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

  return { history, shas: { f1, c1, c2, c3, a1, a2 } }
}

export function toEvent(d: Delivery): Event {
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

export function fold(events: Event[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>(projections.map((p) => [p.table, []]))
  events.forEach((e, i) => {
    for (const p of projections)
      out.get(p.table)?.push(...p.project(e, { partition: 0, offset: String(i) }))
  })
  return out
}
