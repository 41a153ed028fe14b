// Synthetic webhook deliveries shaped like the real GitLab 11 seeds, each unique (its own ids,
// shas and times), for benchmarks that need many distinct events. Deterministic per seed number.
import type { Codec } from '../lib/avro/codec.ts'
import type { Event } from '../lib/avro/types.generated.ts'
import { readDelivery } from '../services/ingest/delivery.ts'
import { normalise } from '../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../services/ingest/parse-body.ts'
import { seed } from '../test/support/seeds.ts'

export interface Delivery {
  headers: Record<string, string>
  body: string
}

/** A small fast PRNG (mulberry32), so runs are repeatable. */
export function rng(seedNumber: number): () => number {
  let a = seedNumber >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const template = (id: string) => JSON.parse(seed(id).body) as Record<string, unknown>
const templates = {
  push: template('gitlab-11/push'),
  pipeline: template('gitlab-11/pipeline'),
  job: template('gitlab-11/build'),
  mr: template('gitlab-11/merge-request'),
  note: template('gitlab-11/note-on-merge-request'),
}
const authors = ['ada', 'brian', 'chen', 'dana', 'eve', 'farid', 'grace', 'hiro', 'ines', 'jon']
const hex = (r: () => number, n = 40) =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('')
const iso = (ms: number) => new Date(ms).toISOString()
const gitlabTime = (ms: number) =>
  iso(ms)
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')

export interface SyntheticOptions {
  projects: number
  /** Epoch ms of the first event; events spread over `spanMs`. */
  startMs: number
  spanMs: number
}

// A merge request lives within one three-day window: opened at its start, and every update,
// approval, merge or comment of it falls inside, so no duration comes out negative.
const mrWindowMs = 3 * 86_400_000
const mrWindow = (at: number, opts: SyntheticOptions) =>
  Math.floor((at - opts.startMs) / mrWindowMs)
const mrIid = (i: number, at: number, opts: SyntheticOptions) =>
  1 + mrWindow(at, opts) * 20 + (i % 20)
const mrOpenedAt = (at: number, opts: SyntheticOptions) =>
  opts.startMs + mrWindow(at, opts) * mrWindowMs

/** The i-th synthetic delivery: a CI-heavy mix like the ingest benchmark's. */
export function syntheticDelivery(i: number, opts: SyntheticOptions): Delivery {
  const r = rng(i + 1)
  const project = 1000 + Math.floor(r() * opts.projects)
  const at = opts.startMs + (Math.floor((i / 1e6) * opts.spanMs + r() * 60_000) % opts.spanMs)
  const projectBlock = {
    ...(templates.push.project as object),
    id: project,
    path_with_namespace: `group-${project % 7}/project-${project}`,
  }
  const who = authors[Math.floor(r() * authors.length)] ?? 'ada'
  const pick = r()
  if (pick < 0.2) {
    const commits = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, k) => ({
      id: hex(r),
      message: `change ${i}.${k}\n\nbody`,
      timestamp: iso(at - 60_000 * (k + 1)),
      url: 'http://example.com/c',
      author: { name: who, email: `${who}@example.com` },
      added: ['a.ts'],
      modified: ['b.ts', 'c.ts'],
      removed: [],
    }))
    return {
      headers: { 'x-gitlab-event': 'Push Hook' },
      body: JSON.stringify({
        ...templates.push,
        project_id: project,
        project: projectBlock,
        after: commits.at(-1)?.id,
        commits,
        total_commits_count: commits.length,
      }),
    }
  }
  if (pick < 0.45) {
    const started = at - 300_000
    const builds = ['build', 'test', 'deploy'].map((stage, k) => ({
      id: i * 10 + k,
      stage,
      name: `${stage}-job`,
      status: r() < 0.9 ? 'success' : 'failed',
      created_at: gitlabTime(started - 20_000),
      started_at: gitlabTime(started + k * 60_000),
      finished_at: gitlabTime(started + (k + 1) * 60_000),
      when: 'on_success',
      manual: false,
      runner: { id: 1 + (i % 4), description: `runner-${i % 4}` },
    }))
    return {
      headers: { 'x-gitlab-event': 'Pipeline Hook' },
      body: JSON.stringify({
        ...templates.pipeline,
        object_attributes: {
          id: i,
          ref: 'main',
          tag: false,
          sha: hex(r),
          status: 'success',
          stages: ['build', 'test', 'deploy'],
          created_at: gitlabTime(started - 20_000),
          finished_at: gitlabTime(at),
          duration: 180 + Math.floor(r() * 120),
        },
        project: projectBlock,
        builds,
      }),
    }
  }
  if (pick < 0.75) {
    return {
      headers: { 'x-gitlab-event': 'Job Hook' },
      body: JSON.stringify({
        ...templates.job,
        build_id: i,
        build_name: r() < 0.5 ? 'unit' : 'lint',
        build_stage: 'test',
        build_status: r() < 0.85 ? 'success' : 'failed',
        build_started_at: gitlabTime(at - 90_000),
        build_finished_at: gitlabTime(at),
        build_duration: 90,
        project_id: project,
        sha: hex(r),
        commit: { ...(templates.job.commit as object), id: i - 1 },
      }),
    }
  }
  if (pick < 0.9) {
    const attrs = templates.mr.object_attributes as Record<string, unknown>
    return {
      headers: { 'x-gitlab-event': 'Merge Request Hook' },
      body: JSON.stringify({
        ...templates.mr,
        project: projectBlock,
        object_attributes: {
          ...attrs,
          id: i,
          iid: mrIid(i, at, opts),
          target_project_id: project,
          created_at: gitlabTime(mrOpenedAt(at, opts)),
          updated_at: gitlabTime(at),
          action: ['open', 'update', 'approved', 'merge'][Math.floor(r() * 4)],
        },
      }),
    }
  }
  const noteAttrs = templates.note.object_attributes as Record<string, unknown>
  return {
    headers: { 'x-gitlab-event': 'Note Hook' },
    body: JSON.stringify({
      ...templates.note,
      project_id: project,
      project: projectBlock,
      object_attributes: {
        ...noteAttrs,
        id: i,
        created_at: gitlabTime(at),
        updated_at: gitlabTime(at),
      },
      merge_request: { ...(templates.note.merge_request as object), iid: mrIid(i, at, opts) },
    }),
  }
}

/**
 * The i-th synthetic delivery as the ingest would put it on the log: key and Avro record, received
 * `i` ms after the start, for filling a topic without going through HTTP.
 */
export function syntheticRecord(
  i: number,
  opts: SyntheticOptions,
  codec: Codec<Event>,
): { key: string; value: Buffer } {
  const d = syntheticDelivery(i, opts)
  const body = Buffer.from(d.body)
  const parsed = parseWebhookBody(body)
  if (!parsed.ok) throw parsed.error
  const e = normalise({
    delivery: readDelivery(d.headers),
    body,
    json: parsed.value,
    receivedAt: opts.startMs + i,
  })
  return { key: String(e.project_id ?? 0), value: codec.encode(e) }
}
