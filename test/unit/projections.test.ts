// Every seed delivery, normalised as the ingest does and folded through every projection: the
// rows must say what the payloads say. test/fixtures/projection-deliveries.json adds what the seeds
// lack: GitLab's current Deployment Hook and Job Hook examples (and production variants of them).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Event } from '../../lib/avro/types.generated.ts'
import { repoRoot } from '../../lib/paths.ts'
import { readDelivery } from '../../services/ingest/delivery.ts'
import { normalise } from '../../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { projections } from '../../services/projector/projections/index.ts'
import type { Row } from '../../services/projector/projections/types.ts'
import { seeds, type SeedDelivery } from '../support/seeds.ts'

const extra = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'fixtures', 'projection-deliveries.json'), 'utf8'),
) as SeedDelivery[]
const deliveries = [...seeds, ...extra]
const receivedAt = Date.UTC(2026, 10, 23, 12, 0, 0)

function event(id: string, at = receivedAt): Event {
  const s = deliveries.find((d) => d.id === id)
  if (!s) throw new Error(`no delivery ${id}`)
  const body = Buffer.from(s.body)
  const parsed = parseWebhookBody(body)
  if (!parsed.ok) throw parsed.error
  return normalise({ delivery: readDelivery(s.headers), body, json: parsed.value, receivedAt: at })
}

/** A table's rows, with times shown as ISO strings so the expectations read like the payloads. */
function rows(table: string, e: Event, offset = '7'): Row[] {
  const p = projections.find((x) => x.table === table)
  if (!p) throw new Error(`no projection for ${table}`)
  return p
    .project(e, { partition: 2, offset })
    .map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
      ),
    )
}

const timeColumns = /(_at|^at)$/

describe('every delivery through every projection', () => {
  it('has one projection per table', () => {
    const tables = projections.map((p) => p.table)
    expect(new Set(tables).size).toBe(tables.length)
    expect(tables.sort()).toEqual([
      'commits',
      'deployments',
      'events',
      'issues',
      'jobs',
      'merge_request_events',
      'merge_requests',
      'pipelines',
      'pushes',
      'releases',
    ])
  })

  it.each(deliveries.map((d) => d.id))('%s: one events row, and every time is an instant', (id) => {
    const e = event(id)
    expect(rows('events', e)).toHaveLength(1)
    for (const p of projections) {
      const out = p.project(e, { partition: 0, offset: '0' })
      expect(p.project(e, { partition: 0, offset: '0' }), 'pure').toEqual(out)
      for (const r of out) {
        for (const [k, v] of Object.entries(r)) {
          if (timeColumns.test(k) && v !== null) {
            expect(v, `${p.table}.${k}`).toBeInstanceOf(Date)
            expect(Number.isFinite((v as Date).getTime()), `${p.table}.${k}`).toBe(true)
          }
          expect(v, `${p.table}.${k}`).not.toBeUndefined()
        }
      }
    }
  })
})

describe('events', () => {
  it('keeps the envelope, the body and the log position', () => {
    const e = event('gitswarm/pipeline')
    const [r] = rows('events', e, '9007199254740993')
    expect(r).toMatchObject({
      event_id: e.event_id,
      source: 'gitlab',
      kind: 'pipeline',
      event_header: 'Pipeline Hook',
      instance: '',
      project_id: 0, // this payload names no project id
      project_path: 'gitlab-org/gitlab-test',
      group_path: 'gitlab-org',
      occurred_at: '2016-08-12T15:26:29.000Z',
      received_at: '2026-11-23T12:00:00.000Z',
      kafka_partition: 2,
      kafka_offset: '9007199254740993',
    })
    expect(Buffer.from(r?.payload as Uint8Array).toString('utf8')).toBe(
      deliveries.find((d) => d.id === 'gitswarm/pipeline')?.body,
    )
  })
})

describe('commits and pushes', () => {
  it('reads the GitLab 11 push commits with authors, UTC times and file counts', () => {
    const e = event('gitlab-11/push')
    const out = rows('commits', e)
    expect(out).toEqual([
      {
        project_id: 15,
        project_path: 'mike/diaspora',
        sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
        author_name: 'Jordi Mallach',
        author_email: 'jordi@softcatala.org',
        committed_at: '2011-12-12T12:27:31.000Z', // 14:27:31+02:00
        message: 'Update Catalan translation to e38cb41.',
        title: 'Update Catalan translation to e38cb41.',
        files_added: 1,
        files_modified: 1,
        files_removed: 0,
        branch: 'master',
        pushed_at: '2026-11-23T12:00:00.000Z',
        event_id: e.event_id,
        version: 1e13 - receivedAt,
      },
      expect.objectContaining({
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        author_name: 'GitLab dev user',
        author_email: 'gitlabdev@dv6700.(none)',
        committed_at: '2012-01-03T21:36:29.000Z', // 23:36:29+02:00
        title: 'fixed readme',
        files_added: 1,
        files_modified: 1,
        files_removed: 0,
      }),
    ])
  })

  it('lets the first push of a commit win: an earlier receipt has the greater version', () => {
    const early = rows('commits', event('gitlab-11/push', receivedAt))[0]
    const late = rows('commits', event('gitlab-11/push', receivedAt + 60_000))[0]
    expect(Number(early?.version)).toBeGreaterThan(Number(late?.version))
  })

  it('makes no commits from a tag push, but records the push', () => {
    const e = event('gitlab-11/tag')
    expect(rows('commits', e)).toEqual([])
    expect(rows('pushes', e)).toEqual([
      expect.objectContaining({
        ref: 'refs/tags/v1.0.0',
        branch: '',
        is_tag: true,
        commit_count: 0,
        before: '0000000000000000000000000000000000000000',
      }),
    ])
  })

  it('records a push with its real commit count and its pusher', () => {
    expect(rows('pushes', event('gitlab-11/push'))).toEqual([
      expect.objectContaining({
        project_id: 15,
        ref: 'refs/heads/master',
        branch: 'master',
        is_tag: false,
        after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        user_name: 'John Smith',
        user_username: 'jsmith',
        commit_count: 4, // total_commits_count; the payload lists 2
        pushed_at: '2026-11-23T12:00:00.000Z',
      }),
    ])
  })
})

describe('pipelines and jobs', () => {
  it('reads pipeline 31 with its 63 s duration', () => {
    const [p] = rows('pipelines', event('gitlab-11/pipeline'))
    expect(p).toMatchObject({
      project_id: 1,
      pipeline_id: 31,
      ref: 'master',
      sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      status: 'success',
      created_at: '2016-08-12T15:23:28.000Z',
      started_at: '2016-08-12T15:24:56.000Z', // the earliest build start
      finished_at: '2016-08-12T15:26:29.000Z',
      duration_s: 63,
      queued_s: null,
    })
  })

  it('makes its 5 builds jobs, with stages, statuses and durations in seconds', () => {
    const out = rows('jobs', event('gitlab-11/pipeline'))
    const byId = Object.fromEntries(out.map((r) => [r.job_id, r]))
    expect(out).toHaveLength(5)
    for (const r of out) expect(r).toMatchObject({ project_id: 1, pipeline_id: 31 })
    expect(byId[376]).toMatchObject({
      name: 'build-image',
      stage: 'build',
      status: 'success',
      started_at: '2016-08-12T15:24:56.000Z',
      finished_at: '2016-08-12T15:25:26.000Z',
      duration_s: 30,
    })
    expect(byId[377]).toMatchObject({ name: 'test-image', stage: 'test', status: 'success' })
    expect(byId[377]?.duration_s).toBeNull() // started, no finished_at in the payload
    expect(byId[378]).toMatchObject({
      name: 'test-build',
      stage: 'test',
      status: 'success',
      duration_s: 17, // 15:26:12 to 15:26:29, the payload has no duration
    })
    expect(byId[379]).toMatchObject({ name: 'staging', stage: 'deploy', status: 'created' })
    expect(byId[380]).toMatchObject({
      name: 'production',
      stage: 'deploy',
      status: 'skipped',
      manual: true,
    })
    expect(byId[379]?.duration_s).toBeNull()
    expect(byId[380]?.duration_s).toBeNull()
  })

  it('reads the legacy Build Hook as a job of pipeline 2366', () => {
    expect(rows('jobs', event('gitlab-11/build'))).toEqual([
      expect.objectContaining({
        project_id: 380,
        job_id: 1977,
        pipeline_id: 2366,
        name: 'test',
        stage: 'test',
        status: 'created',
        allow_failure: false,
        ref: 'gitlab-script-trigger',
        sha: '2293ada6b400935a1378653304eaf6221e0fdb8f',
        duration_s: null,
      }),
    ])
  })

  it('reads a current Job Hook with its runner and queued time', () => {
    expect(rows('jobs', event('gitlab-current/job'))).toEqual([
      expect.objectContaining({
        job_id: 1977,
        pipeline_id: 2366,
        runner_id: 380987,
        runner_description: 'shared-runners-manager-6.gitlab.com',
        queued_s: 1095.588715,
        duration_s: null,
      }),
    ])
  })

  it('ranks statuses so a late running never beats success, nor a late created a finished job', () => {
    const version = (table: string, e: Event) => Number(rows(table, e)[0]?.version)
    const success = event('gitlab-11/pipeline')
    const running = event('gitlab-11/pipeline')
    if (!running.pipeline) throw new Error('no pipeline')
    running.pipeline = { ...running.pipeline, status: 'running', finished_at: null, builds: [] }
    running.pipeline.created_at = Date.parse('2030-01-01T00:00:00Z') // even a later time loses
    expect(version('pipelines', success)).toBeGreaterThan(version('pipelines', running))
    expect(version('jobs', event('gitlab-current/job-production-success'))).toBeGreaterThan(
      version('jobs', event('gitlab-current/job')),
    )
  })
})

describe('deployments', () => {
  it('reads a Deployment Hook (GitLab docs example)', () => {
    const e = event('gitlab-current/deployment')
    expect(e.kind).toBe('deployment')
    expect(rows('deployments', e)).toEqual([
      expect.objectContaining({
        project_id: 30,
        project_path: 'root/test-deployment-webhooks',
        deployment_key: 'deployment:15',
        deployment_id: 15,
        job_id: 796,
        pipeline_id: null,
        environment: 'staging',
        environment_tier: 'staging',
        status: 'success',
        sha: '279484c09fbe69ededfced8c1bb6e6d24616b468',
        deployed_at: '2021-04-28T19:50:00.000Z', // 21:50:00 +0200
        source: 'deployment_hook',
        user_username: 'root',
      }),
    ])
    expect(rows('deployments', event('gitlab-current/deployment-production'))).toEqual([
      expect.objectContaining({
        deployment_key: 'deployment:16',
        environment: 'production',
        environment_tier: 'production',
        deployed_at: '2021-04-29T08:00:00.000Z',
      }),
    ])
  })

  it('makes a successful job with environment production a deployment with source job', () => {
    const e = event('gitlab-current/job-production-success')
    expect(rows('deployments', e)).toEqual([
      expect.objectContaining({
        project_id: 380,
        deployment_key: 'job:1980',
        deployment_id: null,
        job_id: 1980,
        pipeline_id: 2366,
        environment: 'production',
        environment_tier: 'production',
        status: 'success',
        sha: '2293ada6b400935a1378653304eaf6221e0fdb8f',
        ref: 'gitlab-script-trigger',
        deployed_at: '2021-02-23T03:01:30.500Z',
        source: 'job',
      }),
    ])
    expect(rows('jobs', e)[0]).toMatchObject({ duration_s: 90.5, environment: 'production' })
  })

  it('makes no deployment of jobs without an environment, nor of ones that did not run', () => {
    for (const id of ['gitlab-current/job', 'gitlab-11/build', 'gitlab-11/pipeline'])
      expect(rows('deployments', event(id)), id).toEqual([])
    const approval = event('gitlab-current/deployment-production')
    if (!approval.deployment) throw new Error('no deployment')
    approval.deployment.status = 'approved'
    expect(rows('deployments', approval)).toEqual([])
  })
})

describe('merge requests', () => {
  it('reads the state and the open transition', () => {
    const e = event('gitlab-11/merge-request')
    expect(rows('merge_requests', e)).toEqual([
      expect.objectContaining({
        project_id: 1,
        mr_iid: 1,
        title: 'MS-Viewport',
        state: 'opened',
        author_id: 51,
        source_branch: 'ms-viewport',
        target_branch: 'master',
        created_at: '2013-12-03T17:23:34.000Z',
        updated_at: '2013-12-03T17:23:34.000Z',
        merged_at: null,
        labels: ['API'],
        draft: false,
      }),
    ])
    expect(rows('merge_request_events', e)).toEqual([
      {
        event_id: e.event_id,
        project_id: 1,
        mr_iid: 1,
        action: 'open',
        actor_id: null,
        actor_username: 'root',
        actor_name: 'Administrator',
        at: '2013-12-03T17:23:34.000Z',
        note_id: null,
      },
    ])
  })

  it('gives every merge request seed a transition, with its action when the sender names one', () => {
    const actions = Object.fromEntries(
      [
        'gitlab-6/merge-request',
        'gitlab-8/merge-request',
        'gitswarm/merge-request',
        'atomgit/code-review',
      ].map((id) => [id, rows('merge_request_events', event(id)).map((r) => r.action)]),
    )
    expect(actions).toEqual({
      'gitlab-6/merge-request': [''],
      'gitlab-8/merge-request': ['open'],
      'gitswarm/merge-request': ['open'],
      'atomgit/code-review': ['open'],
    })
  })

  it('folds a merge seen before its open into merged: the later update wins', () => {
    const open = event('gitlab-11/merge-request')
    const merge = event('gitlab-11/merge-request')
    if (!merge.merge_request) throw new Error('no merge request')
    const mergedAt = Date.parse('2013-12-04T09:00:00Z')
    merge.merge_request = {
      ...merge.merge_request,
      action: 'merge',
      state: 'merged',
      updated_at: mergedAt,
    }
    const [m] = rows('merge_requests', merge)
    expect(m).toMatchObject({ state: 'merged', merged_at: '2013-12-04T09:00:00.000Z' })
    expect(Number(m?.version)).toBeGreaterThan(Number(rows('merge_requests', open)[0]?.version))
    expect(rows('merge_request_events', merge)[0]).toMatchObject({ action: 'merge' })
  })

  it('makes a note on a merge request a comment transition by its author', () => {
    const e = event('gitlab-11/note-on-merge-request')
    expect(rows('merge_request_events', e)).toEqual([
      {
        event_id: e.event_id,
        project_id: 5,
        mr_iid: 1,
        action: 'comment',
        actor_id: 1,
        actor_username: 'root',
        actor_name: 'Administrator',
        at: '2015-05-17T18:21:36.000Z',
        note_id: 1244,
      },
    ])
    expect(rows('merge_request_events', event('atomgit/code-review-comments'))).toEqual([
      expect.objectContaining({ action: 'comment', mr_iid: 1, note_id: 1244 }),
    ])
    for (const id of ['gitlab-11/note-on-commit', 'gitlab-11/note-on-issue'])
      expect(rows('merge_request_events', event(id)), id).toEqual([])
  })
})

describe('issues and releases', () => {
  it('reads an issue with its type and labels', () => {
    expect(rows('issues', event('gitlab-11/issues'))).toEqual([
      expect.objectContaining({
        project_id: 1,
        iid: 23,
        issue_id: 301,
        issue_type: 'issue',
        state: 'opened',
        labels: ['API'],
        created_at: '2013-12-03T17:15:43.000Z',
        closed_at: null,
      }),
    ])
  })

  it('reads a Release Hook (GitLab docs example); other kinds make no release rows', () => {
    expect(rows('releases', event('gitlab-current/release'))).toEqual([
      {
        project_id: 2,
        project_path: 'gitlab-org/release-webhook-example',
        tag: 'v1.1',
        release_id: 1,
        name: 'v1.1',
        action: 'create',
        created_at: '2020-11-02T12:55:12.000Z',
        released_at: '2020-11-02T12:55:12.000Z',
        sha: 'ee0a3fb31ac16e11b9dbb596ad16d4af654d08f8',
        url: 'https://example.com/gitlab-org/release-webhook-example/-/releases/v1.1',
        version: receivedAt,
      },
    ])
    for (const d of deliveries.filter((x) => x.id !== 'gitlab-current/release'))
      expect(rows('releases', event(d.id)), d.id).toEqual([])
  })
})
