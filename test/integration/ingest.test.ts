// The ingest against the real broker: every seed delivery lands on the topic, decodable, once per
// post; bad input gets a clear 4xx and its bytes in the dead-letter topic; bad tokens store nothing.
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { readTopic } from '../support/kafka.ts'
import { seed, seeds } from '../support/seeds.ts'
import { startTestIngest, type TestIngest } from '../support/ingest.ts'

const events = createCodec<Event>(schemasDir, 'event')
const deadLetters = createCodec<DeadLetter>(schemasDir, 'dead_letter')
const signingSecret = `whsec_${Buffer.from('a signing key of 32 bytes.......').toString('base64')}`

let ingest: TestIngest
const accepted: { id: string; seedId: string; postedAt: number }[] = []
const expectedDeadLetters: string[] = []

beforeAll(async () => {
  ingest = await startTestIngest(inject('kafkaBrokers'), {
    tokens: ['new-token', 'test-token'],
    signingSecrets: [signingSecret],
  })
})
afterAll(async () => {
  await ingest?.stop()
})

describe('every seed delivery', () => {
  it('is answered 200 with its id and kind', async () => {
    for (const s of seeds) {
      const postedAt = Date.now()
      const res = await ingest.post(s.body, s.headers)
      expect(res.status, s.id).toBe(200)
      const body = res.json as { id: string; kind: string; stored: string }
      expect(body.stored).toBe('kafka')
      accepted.push({ id: body.id, seedId: s.id, postedAt })
    }
  })

  it('gives a retried delivery the id of the first, and honours Idempotency-Key', async () => {
    const s = seed('gitlab-11/merge-request')
    const first = await ingest.post(s.body, s.headers)
    const retry = await ingest.post(s.body, s.headers)
    expect((retry.json as { id: string }).id).toBe((first.json as { id: string }).id)
    accepted.push({ id: (first.json as { id: string }).id, seedId: s.id, postedAt: Date.now() })
    accepted.push({ id: (retry.json as { id: string }).id, seedId: s.id, postedAt: Date.now() })

    const keyed = await ingest.post(s.body, { ...s.headers, 'idempotency-key': 'delivery-42' })
    expect(keyed.json).toMatchObject({ id: 'delivery-42', kind: 'merge_request' })
    accepted.push({ id: 'delivery-42', seedId: s.id, postedAt: Date.now() })
  })
})

describe('authentication', () => {
  const s = seed('gitlab-11/push')

  it('refuses a missing, wrong or rotated-out token with 401 and a reason', async () => {
    const missing = await ingest.post(s.body, { ...s.headers, 'x-gitlab-token': '' })
    expect(missing.status).toBe(401)
    expect(missing.json).toMatchObject({
      error: { code: 'HH_UNAUTHORIZED', message: expect.stringMatching(/no webhook token/) },
    })
    const wrong = await ingest.post(s.body, {
      ...s.headers,
      'x-gitlab-token': 'old-rotated-out-token',
    })
    expect(wrong.status).toBe(401)
    expect(wrong.json).toMatchObject({ error: { message: 'the webhook token is not valid' } })
  })

  it('accepts every token of the rotation, and Basic credentials as AtomGit sends them', async () => {
    const a = await ingest.post(s.body, { ...s.headers, 'x-gitlab-token': 'new-token' })
    expect(a.status).toBe(200)
    accepted.push({ id: (a.json as { id: string }).id, seedId: s.id, postedAt: Date.now() })
    const atom = seed('atomgit/push')
    const basic = Buffer.from('hook-user:test-token').toString('base64')
    const b = await ingest.post(atom.body, {
      ...atom.headers,
      'x-gitlab-token': '',
      authorization: `Basic ${basic}`,
    })
    expect(b.status).toBe(200)
    accepted.push({ id: (b.json as { id: string }).id, seedId: atom.id, postedAt: Date.now() })
    const badBasic = Buffer.from('hook-user:nope').toString('base64')
    const c = await ingest.post(atom.body, {
      ...atom.headers,
      'x-gitlab-token': '',
      authorization: `Basic ${badBasic}`,
    })
    expect(c.status).toBe(401)
  })

  it('verifies Standard Webhooks signatures', async () => {
    const sign = (id: string, ts: number, body: string) =>
      createHmac('sha256', Buffer.from(signingSecret.slice(6), 'base64'))
        .update(`${id}.${ts}.${body}`)
        .digest('base64')
    const ts = Math.floor(Date.now() / 1000)
    const good = await ingest.post(s.body, {
      ...s.headers,
      'x-gitlab-token': '',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${sign('msg_1', ts, s.body)}`,
    })
    expect(good.status).toBe(200)
    accepted.push({ id: (good.json as { id: string }).id, seedId: s.id, postedAt: Date.now() })
    const tampered = await ingest.post(`${s.body} `, {
      ...s.headers,
      'x-gitlab-token': '',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${sign('msg_1', ts, s.body)}`,
    })
    expect(tampered.status).toBe(401)
    const stale = await ingest.post(s.body, {
      ...s.headers,
      'x-gitlab-token': '',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts - 3600),
      'webhook-signature': `v1,${sign('msg_1', ts - 3600, s.body)}`,
    })
    expect(stale.status).toBe(401)
  })

  it('never writes a secret to the logs', () => {
    const all = ingest.logs.join('\n')
    for (const secret of ['new-token', 'test-token', 'old-rotated-out-token', signingSecret]) {
      expect(all).not.toContain(secret)
    }
  })
})

describe('bad input', () => {
  const cases: {
    name: string
    body: string | Buffer
    headers?: Record<string, string>
    status: number
    code: string
  }[] = [
    { name: 'not JSON', body: '{"object_kind": "push", ', status: 400, code: 'HH_INVALID_JSON' },
    { name: 'an empty body', body: '', status: 400, code: 'HH_EMPTY_BODY' },
    { name: 'a JSON array', body: '[1,2]', status: 400, code: 'HH_NOT_AN_OBJECT' },
    {
      name: 'invalid UTF-8',
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      status: 400,
      code: 'HH_INVALID_UTF8',
    },
    {
      name: 'a form body',
      body: 'a=1&b=2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'HH_UNSUPPORTED_MEDIA_TYPE',
    },
  ]
  for (const c of cases) {
    it(`answers ${c.name} with ${c.status} ${c.code} and dead-letters its bytes`, async () => {
      const res = await ingest.post(c.body, c.headers)
      expect(res.status).toBe(c.status)
      expect(res.json).toMatchObject({ error: { code: c.code, message: expect.any(String) } })
      expectedDeadLetters.push(`${c.code}:${Buffer.from(c.body).toString('hex')}`)
    })
  }

  it('answers a body over the limit with 413 and keeps the reason', async () => {
    const res = await ingest.post(
      JSON.stringify({ object_kind: 'push', pad: 'x'.repeat(2 * 1024 * 1024) }),
    )
    expect(res.status).toBe(413)
    expect(res.json).toMatchObject({
      error: { code: 'HH_BODY_TOO_LARGE', message: expect.stringContaining('1048576 bytes') },
    })
    expectedDeadLetters.push('HH_BODY_TOO_LARGE:')
  })

  it('stores a parseable delivery missing fields its kind needs, answers 200 and says why', async () => {
    const body = JSON.stringify({
      object_kind: 'pipeline',
      object_attributes: { status: 'success' },
    })
    const res = await ingest.post(body, { 'x-gitlab-event': 'Pipeline Hook' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ kind: 'pipeline', problems: ['missing object_attributes.id'] })
    accepted.push({
      id: (res.json as { id: string }).id,
      seedId: 'incomplete',
      postedAt: Date.now(),
    })
    expectedDeadLetters.push(`HH_INCOMPLETE:${Buffer.from(body).toString('hex')}`)
  })

  it('stores an event of a kind it does not know yet', async () => {
    const res = await ingest.post(
      JSON.stringify({ object_kind: 'vulnerability', object_attributes: { id: 1 } }),
      {
        'x-gitlab-event': 'Vulnerability Hook',
      },
    )
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ kind: 'vulnerability' })
    accepted.push({
      id: (res.json as { id: string }).id,
      seedId: 'unknown-kind',
      postedAt: Date.now(),
    })
  })
})

describe('the topics afterwards', () => {
  it('hold exactly the accepted events, decodable, with the envelope the payloads imply', async () => {
    const records = await readTopic(inject('kafkaBrokers'), ingest.topic, accepted.length)
    expect(records.length).toBe(accepted.length)
    const decoded = records.map((r) => ({ key: r.key, e: events.decode(r.value) }))
    expect(decoded.map((d) => d.e.event_id).sort()).toEqual(accepted.map((a) => a.id).sort())

    const byId = new Map(decoded.map((d) => [d.e.event_id, d]))
    for (const a of accepted.filter((x) => seeds.some((s) => s.id === x.seedId))) {
      const d = byId.get(a.id)
      const s = seed(a.seedId)
      expect(d, a.seedId).toBeDefined()
      if (!d) continue
      expect(d.e.body.toString(), a.seedId).toBe(s.body)
      expect(d.e.source, a.seedId).toBe(s.source === 'gitswarm' ? 'gitlab' : s.source)
      expect(d.e.received_at).toBeGreaterThanOrEqual(a.postedAt - 1000)
      expect(d.e.received_at).toBeLessThanOrEqual(Date.now())
      // The Kafka key is the project id, so one project's events share a partition.
      if (d.e.project_id !== null) expect(d.key).toBe(String(d.e.project_id))
    }
    const pipeline = decoded.find((d) => d.e.kind === 'pipeline' && d.e.pipeline?.id === 31)?.e
    expect(pipeline?.project_id).toBe(1)
    expect(pipeline?.pipeline?.duration).toBe(63)
    expect(pipeline?.occurred_at).toBe(Date.parse('2016-08-12T15:26:29Z'))
    expect(pipeline?.headers['x-gitlab-event']).toBe('Pipeline Hook')
    expect(pipeline?.headers['x-gitlab-token']).toBeUndefined()
    const kinds = new Set(decoded.map((d) => d.e.kind))
    for (const k of [
      'push',
      'tag_push',
      'issue',
      'note',
      'merge_request',
      'wiki_page',
      'pipeline',
      'job',
    ]) {
      expect(kinds, k).toContain(k)
    }
  })

  it('hold every refused body and every incomplete event in the dead-letter topic', async () => {
    const records = await readTopic(
      inject('kafkaBrokers'),
      ingest.deadLetterTopic,
      expectedDeadLetters.length,
    )
    const got = records
      .map((r) => deadLetters.decode(r.value))
      .map((d) => `${d.code}:${d.body.toString('hex')}`)
    expect(got.sort()).toEqual([...expectedDeadLetters].sort())
  })
})

describe('record sizes against the topic limit', () => {
  it('batches large events under the limit, and refuses only the one that cannot fit', async () => {
    const small = await startTestIngest(inject('kafkaBrokers'), {}, { maxMessageBytes: 200_000 })
    try {
      const push = JSON.parse(seed('gitlab-11/push').body) as Record<string, unknown>
      const sized = (n: number, bytes: number) =>
        JSON.stringify({ ...push, after: `size-${n}`, padding: 'x'.repeat(bytes) })
      // Twenty 60 KB events at once: together far over 200 KB, each well under it.
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          small.post(sized(n, 60_000), { 'x-gitlab-event': 'Push Hook' }),
        ),
      )
      expect(many.map((r) => r.status)).toEqual(Array(20).fill(200))
      const big = await small.post(sized(99, 300_000), { 'x-gitlab-event': 'Push Hook' })
      expect(big.status).toBe(413)
      expect(big.json).toMatchObject({
        error: {
          code: 'HH_EVENT_TOO_LARGE',
          message: expect.stringContaining('max.message.bytes'),
        },
      })
      const after = await small.post(sized(100, 100), { 'x-gitlab-event': 'Push Hook' })
      expect(after.status).toBe(200)
      expect(small.eventLog.kafkaHealthy).toBe(true)
      const records = await readTopic(inject('kafkaBrokers'), small.topic, 21)
      expect(records.length).toBe(21)
    } finally {
      await small.stop()
    }
  })
})
