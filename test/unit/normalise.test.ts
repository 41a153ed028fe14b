import { describe, expect, it } from 'vitest'
import { createCodec } from '../../lib/avro/codec.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { readDelivery } from '../../services/ingest/delivery.ts'
import { normalise } from '../../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { seed, seeds } from '../support/seeds.ts'

const codec = createCodec<Event>(schemasDir, 'event')
const receivedAt = Date.UTC(2026, 10, 23, 12, 0, 0)

function normaliseSeed(id: string): Event {
  const s = seed(id)
  const body = Buffer.from(s.body)
  const parsed = parseWebhookBody(body)
  if (!parsed.ok) throw parsed.error
  return normalise({ delivery: readDelivery(s.headers), body, json: parsed.value, receivedAt })
}

describe('every seed payload', () => {
  it.each(seeds.map((s) => s.id))(
    '%s parses, normalises to a known kind and survives Avro',
    (id) => {
      const e = normaliseSeed(id)
      expect(e.kind).not.toBe('unknown')
      expect(e.problems).toEqual([])
      const back = codec.decode(codec.encode(e))
      expect(back).toEqual(e)
      expect(back.body.toString()).toBe(seed(id).body)
    },
  )
})

describe('kinds, projects and times', () => {
  it('reads a GitLab 6 push without headers or object_kind', () => {
    const e = normaliseSeed('gitlab-6/push')
    expect(e.source).toBe('gitlab')
    expect(e.event_header).toBeNull()
    expect(e.kind).toBe('push')
    expect(e.project_id).toBe(15)
    expect(e.push?.commits.map((c) => c.author_name)).toEqual(['Jordi Mallach', 'GitLab dev user'])
    expect(e.push?.commits[0]?.timestamp).toBe(Date.parse('2011-12-12T12:27:31Z'))
    expect(e.push?.total_commits_count).toBe(4)
  })

  it('reads AtomGit pushes with a trailing comma and its own event header', () => {
    const e = normaliseSeed('atomgit/push')
    expect(e.source).toBe('atomgit')
    expect(e.event_header).toBe('Push Hook')
    expect(e.kind).toBe('push')
    expect(e.push?.commits.length).toBeGreaterThan(0)
  })

  it('reads the GitLab 11 pipeline with its builds and the 63 s duration', () => {
    const e = normaliseSeed('gitlab-11/pipeline')
    expect(e.kind).toBe('pipeline')
    expect(e.project_id).toBe(1)
    expect(e.project_path).toBe('gitlab-org/gitlab-test')
    expect(e.group_path).toBe('gitlab-org')
    expect(e.pipeline?.duration).toBe(63)
    expect(e.pipeline?.created_at).toBe(Date.parse('2016-08-12T15:23:28Z'))
    expect(e.pipeline?.builds.map((b) => b.name).sort()).toEqual([
      'build-image',
      'production',
      'staging',
      'test-build',
      'test-image',
    ])
    expect(e.occurred_at).toBe(Date.parse('2016-08-12T15:26:29Z'))
  })

  it('reads the legacy Build Hook as a job whose commit.id is the pipeline id', () => {
    const e = normaliseSeed('gitlab-11/build')
    expect(e.kind).toBe('job')
    expect(e.project_id).toBe(380)
    expect(e.project_path).toBe('gitlab-org/gitlab-test')
    expect(e.job?.pipeline_id).toBe(2366)
    expect(e.job?.build.id).toBe(1977)
    expect(e.job?.build.allow_failure).toBe(false)
  })

  it('reads merge requests of every format', () => {
    for (const id of [
      'gitlab-6/merge-request',
      'gitlab-8/merge-request',
      'gitlab-11/merge-request',
      'gitswarm/merge-request',
      'atomgit/code-review',
    ]) {
      const e = normaliseSeed(id)
      expect(e.kind, id).toBe('merge_request')
      expect(e.merge_request?.iid ?? e.merge_request?.id, id).not.toBeNull()
      expect(e.project_id, id).not.toBeNull()
    }
  })

  it('gives the same id to the same delivery and a different one to another body', () => {
    expect(normaliseSeed('gitlab-11/push').event_id).toBe(normaliseSeed('gitlab-11/push').event_id)
    expect(normaliseSeed('gitlab-11/push').event_id).not.toBe(
      normaliseSeed('gitlab-8/push').event_id,
    )
  })
})

describe('numbers at the edge of what Avro longs take', () => {
  it('keeps an id the codec can encode, and drops one it cannot', () => {
    const s = seed('gitlab-11/merge-request')
    for (const id of [9007199254740990, 9007199254740991, -9007199254740991, 1e300]) {
      const json = JSON.parse(s.body) as Record<string, unknown>
      json.object_attributes = { ...(json.object_attributes as object), id }
      const body = Buffer.from(JSON.stringify(json))
      const e = normalise({ delivery: readDelivery(s.headers), body, json, receivedAt })
      expect(codec.decode(codec.encode(e)).merge_request?.id).toBe(
        Math.abs(id) < Number.MAX_SAFE_INTEGER ? id : null,
      )
    }
  })
})
