import { describe, expect, it } from 'vitest'
import { dropTrailingCommas, parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { parseTimestamp } from '../../services/ingest/normalise/timestamps.ts'

describe('parseWebhookBody', () => {
  it('repairs trailing commas but not commas inside strings', () => {
    expect(dropTrailingCommas('{"a": [1, 2,], "b": "x,}",\n}')).toBe('{"a": [1, 2], "b": "x,}"\n}')
    const r = parseWebhookBody(Buffer.from('{"a": {"b": 1,},}'))
    expect(r).toEqual({ ok: true, value: { a: { b: 1 } }, repaired: true })
  })

  it('keeps the last of duplicated keys', () => {
    expect(parseWebhookBody(Buffer.from('{"u": 1, "u": 2}'))).toMatchObject({
      value: { u: 2 },
      repaired: false,
    })
  })

  it('says what is wrong with a body it cannot use', () => {
    expect(parseWebhookBody(Buffer.from('  '))).toMatchObject({
      ok: false,
      error: { code: 'HH_EMPTY_BODY' },
    })
    expect(parseWebhookBody(Buffer.from('{"a": '))).toMatchObject({
      ok: false,
      error: { code: 'HH_INVALID_JSON' },
    })
    expect(parseWebhookBody(Buffer.from('"text"'))).toMatchObject({
      ok: false,
      error: { code: 'HH_NOT_AN_OBJECT' },
    })
    expect(parseWebhookBody(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toMatchObject({
      ok: false,
      error: { code: 'HH_INVALID_UTF8' },
    })
  })
})

describe('parseTimestamp', () => {
  it.each([
    ['2013-12-03T17:15:43Z', '2013-12-03T17:15:43.000Z'],
    ['2015-05-17 18:08:09 UTC', '2015-05-17T18:08:09.000Z'],
    ['2019-01-01T00:08:00+08:00', '2018-12-31T16:08:00.000Z'],
    ['2019-04-08T21: 00:25-07:00', '2019-04-09T04:00:25.000Z'],
    ['2016-08-12 15:23:28 +0200', '2016-08-12T13:23:28.000Z'],
    ['2021-03-01T10:00:00.123Z', '2021-03-01T10:00:00.123Z'],
  ])('reads %s as %s', (raw, iso) => {
    expect(new Date(parseTimestamp(raw) ?? NaN).toISOString()).toBe(iso)
  })

  it('gives null for what is not a time', () => {
    for (const v of [
      null,
      undefined,
      '',
      'yesterday',
      '2019-13-45 99:99',
      {},
      Number.NaN,
      -9007199254740.992,
      1e300,
      '1969-12-31T00:00:00Z',
    ]) {
      expect(parseTimestamp(v)).toBeNull()
    }
  })
})
