import { describe, expect, it } from 'vitest'
import { dropTrailingCommas, parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { parseTimestamp, parseTimestampText } from '../../services/ingest/normalise/timestamps.ts'

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

describe('parseTimestamp on the common shapes', () => {
  // The position reader must agree with the general reader on every shape, edges included.
  it('agrees with the general reader on 20,000 generated times', () => {
    let seed = 7
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const pad = (v: number, w = 2) => String(v).padStart(w, '0')
    const zones = [
      'Z',
      ' UTC',
      '+02:00',
      '-07:30',
      ' +0200',
      '-0530',
      ' -11:00',
      '+2400',
      'z',
      ' utc',
      '',
    ]
    for (let i = 0; i < 20_000; i++) {
      const year = [1969, 1970, 1971, 2015, 2026, 9999][rnd(6)] ?? 2015
      const date = `${pad(year, 4)}-${pad(rnd(14))}-${pad(rnd(33))}`
      const time = `${pad(rnd(26))}:${pad(rnd(62))}:${pad(rnd(62))}`
      const fraction = ['', '.1', '.12', '.123', '.1234', '.'][rnd(6)]
      const raw = `${date}${rnd(2) ? 'T' : ' '}${time}${fraction}${zones[rnd(zones.length)]}`
      expect(parseTimestamp(raw), raw).toBe(parseTimestampText(raw))
    }
  })
})
