// Hostile input against the real ingest: property-based bodies and headers (fast-check), deep
// nesting, huge strings, invalid UTF-8, header injection and a slow client. Every answer is a 2xx
// for a parseable body or a 4xx that says why; never a 5xx, never a crash, never a stalled server.
import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { seed } from '../support/seeds.ts'
import { startTestIngest, type TestIngest } from '../support/ingest.ts'

let ingest: TestIngest
let inputs = 0

beforeAll(async () => {
  ingest = await startTestIngest(inject('kafkaBrokers'), {}, { bodyLimit: 256 * 1024 })
})
afterAll(async () => {
  await ingest?.stop()
  console.log(`hostile inputs sent: ${inputs}`)
})

async function postRaw(body: Buffer | string, headers: Record<string, string> = {}) {
  inputs++
  const res = await fetch(ingest.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-token': 'test-token', ...headers },
    body,
  })
  const text = await res.text()
  return { status: res.status, text }
}

function expectHandled(r: { status: number; text: string }) {
  expect(r.status, r.text).toBeLessThan(500)
  if (r.status >= 400)
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: expect.any(String) } })
}

describe('property-based bodies', () => {
  it('answers any JSON value with 2xx (object) or 400 (anything else)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const r = await postRaw(JSON.stringify(value) ?? 'null', { 'x-gitlab-event': 'Push Hook' })
        expectHandled(r)
        const isObject = value !== null && typeof value === 'object' && !Array.isArray(value)
        expect(r.status >= 200 && r.status < 300).toBe(isObject)
      }),
      { numRuns: 150 },
    )
  })

  it('answers arbitrary bytes without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expectHandled(await postRaw(Buffer.from(bytes)))
      }),
      { numRuns: 150 },
    )
  })

  it('stores a real payload whatever type each of its fields is given', async () => {
    const base = JSON.parse(seed('gitlab-11/merge-request').body) as Record<string, unknown>
    const attrs = base.object_attributes as Record<string, unknown>
    const keys = Object.keys(attrs)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...keys),
        fc.oneof(
          fc.string(),
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.jsonValue(),
        ),
        async (key, value) => {
          const body = { ...base, object_attributes: { ...attrs, [key]: value } }
          const r = await postRaw(JSON.stringify(body), { 'x-gitlab-event': 'Merge Request Hook' })
          expectHandled(r)
          expect(r.status).toBe(200)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('answers random header values without a 5xx', async () => {
    const printable = fc.string({
      unit: fc.constantFrom(...'abcXYZ019 -_:/.,;=()"\'<>{}'.split('')),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          'x-gitlab-event': printable,
          'x-gitlab-token': printable,
          'idempotency-key': printable,
          'content-type': printable,
          'webhook-signature': printable,
        }),
        async (headers) => {
          expectHandled(await postRaw(seed('gitlab-11/push').body, headers))
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('pathological bodies', () => {
  it('answers 100,000 levels of nesting with a 4xx or 2xx, not a crash', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    expectHandled(await postRaw(deep))
    const deepObject = `{"object_kind":"push","a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`
    expectHandled(await postRaw(deepObject))
  })

  it('refuses a body over the limit with 413 and stays up', async () => {
    const r = await postRaw(JSON.stringify({ object_kind: 'push', s: 'x'.repeat(300 * 1024) }))
    expect(r.status).toBe(413)
    expect(
      (await postRaw(seed('gitlab-11/push').body, { 'x-gitlab-event': 'Push Hook' })).status,
    ).toBe(200)
  })

  it('refuses header injection at the HTTP layer', async () => {
    inputs++
    const reply = await rawRequest(
      `POST /webhooks HTTP/1.1\r\nHost: x\r\nX-Gitlab-Token: test-token\r\nX-Gitlab-Event: Push Hook\rX-Injected: 1\r\nContent-Length: 2\r\n\r\n{}`,
    )
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
  })
})

describe('a slow client', () => {
  it('does not stop others from being served', async () => {
    inputs++
    const slow = connect(Number(new URL(ingest.url).port), '127.0.0.1')
    await new Promise<void>((ok) => slow.once('connect', () => ok()))
    slow.write(
      'POST /webhooks HTTP/1.1\r\nHost: x\r\nX-Gitlab-Token: test-token\r\nContent-Length: 100000\r\n\r\n{',
    )
    const drip = setInterval(() => slow.write(' '), 200)
    try {
      const started = Date.now()
      for (let i = 0; i < 20; i++) {
        const r = await postRaw(seed('gitlab-11/push').body, { 'x-gitlab-event': 'Push Hook' })
        expect(r.status).toBe(200)
      }
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      clearInterval(drip)
      slow.destroy()
    }
  })
})

function rawRequest(text: string): Promise<string> {
  return new Promise((ok, fail) => {
    const s = connect(Number(new URL(ingest.url).port), '127.0.0.1', () => s.write(text))
    let got = ''
    s.on('data', (d) => {
      got += d.toString()
      s.end()
    })
    s.on('end', () => ok(got))
    s.on('error', fail)
    s.setTimeout(5000, () => {
      s.destroy()
      ok(got)
    })
  })
}
