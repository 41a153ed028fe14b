// The compiled reader the event codec uses for records of the newest schema: it must read exactly
// what avsc reads, for every seed, synthetic and random event, and refuse what avsc refuses.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { AvroDecodeError, createCodec } from '../../lib/avro/codec.ts'
import { compileReader, TruncatedRecord } from '../../lib/avro/fast-reader.ts'
import type { Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { readDelivery } from '../../services/ingest/delivery.ts'
import { normalise } from '../../services/ingest/normalise/index.ts'
import { parseWebhookBody } from '../../services/ingest/parse-body.ts'
import { syntheticRecord } from '../../bench/synthetic.ts'
import { seeds } from '../support/seeds.ts'

/** The newest event schema as avsc parses it, its includes in the same registry. */
function newestEventType(): avro.Type {
  const files = readdirSync(schemasDir).filter((f) => f.endsWith('.avsc'))
  const newest = files
    .filter((f) => f.startsWith('event.v'))
    .sort((a, b) => Number(/v(\d+)/.exec(a)?.[1]) - Number(/v(\d+)/.exec(b)?.[1]))
    .at(-1)
  const json = (f: string) =>
    JSON.parse(readFileSync(join(schemasDir, f), 'utf8')) as avro.Schema & {
      'x-includes'?: string[]
    }
  const top = json(newest ?? '')
  const registry = {}
  for (const inc of top['x-includes'] ?? []) avro.Type.forSchema(json(`${inc}.avsc`), { registry })
  return avro.Type.forSchema(top, { registry })
}

const type = newestEventType()
const read = compileReader(type)
const codec = createCodec<Event>(schemasDir, 'event')
const HEADER = 10

function seedEvents(): Buffer[] {
  return seeds.map((s) => {
    const body = Buffer.from(s.body)
    const parsed = parseWebhookBody(body)
    if (!parsed.ok) throw parsed.error
    const e = normalise({
      delivery: readDelivery(s.headers),
      body,
      json: parsed.value,
      receivedAt: Date.UTC(2026, 10, 23),
    })
    return codec.encode(e)
  })
}

describe('the compiled event reader', () => {
  it('compiles for the event schema', () => {
    expect(read).not.toBeNull()
  })

  it('reads every seed event and 500 synthetic ones exactly as avsc does', () => {
    const synth = { projects: 20, startMs: Date.UTC(2026, 9, 1), spanMs: 86_400_000 }
    const records = [
      ...seedEvents(),
      ...Array.from({ length: 500 }, (_, i) => syntheticRecord(i, synth, codec).value),
    ]
    expect(records.length).toBeGreaterThan(500)
    for (const buf of records) {
      expect(read?.(buf, HEADER)).toEqual(type.fromBuffer(buf.subarray(HEADER)))
    }
  })

  it('reads 300 random events of the schema exactly as avsc does', () => {
    for (let i = 0; i < 300; i++) {
      const value: unknown = type.random()
      const buf = Buffer.concat([Buffer.alloc(HEADER), type.toBuffer(value)])
      expect(read?.(buf, HEADER)).toEqual(type.fromBuffer(buf.subarray(HEADER)))
    }
  })

  it('reads longs to the edge avsc writes (2^52), non-ASCII strings, arrays and maps', () => {
    const t = avro.Type.forSchema({
      type: 'record',
      name: 'Edges',
      fields: [
        { name: 'longs', type: { type: 'array', items: 'long' } },
        { name: 'maybe', type: ['null', 'long'] },
        { name: 'small', type: 'int' },
        { name: 'ratio', type: ['null', 'double'] },
        { name: 'flag', type: 'boolean' },
        { name: 'words', type: { type: 'array', items: 'string' } },
        { name: 'counts', type: { type: 'map', values: 'long' } },
        { name: 'raw', type: 'bytes' },
      ],
    })
    const value = {
      longs: [0, 1, -1, 63, -64, 2 ** 31, -(2 ** 31), 2 ** 40 + 7, -(2 ** 52), 2 ** 52 - 1],
      maybe: null,
      small: -2147483648,
      ratio: 63.5,
      flag: true,
      words: ['', 'a', 'é', '日本', 'abcdefghijklm', 'x'.repeat(300), 'fünf Wörter hier'],
      counts: { a: 1, 'ü-key': -5 },
      raw: Buffer.from([0, 255, 128]),
    }
    const buf = t.toBuffer(value)
    expect(compileReader(t)?.(buf, 0)).toEqual(t.fromBuffer(buf))
    expect(compileReader(t)?.(buf, 0)).toEqual(value)
  })

  it('throws on a record cut short or followed by more bytes, and the codec says corrupt', () => {
    const [buf] = seedEvents()
    if (!buf) throw new Error('no seed event')
    expect(() => read?.(buf.subarray(0, buf.length - 3), HEADER)).toThrow(TruncatedRecord)
    expect(() => read?.(Buffer.concat([buf, Buffer.from([0])]), HEADER)).toThrow(TruncatedRecord)
    expect(() => codec.decode(buf.subarray(0, buf.length - 3))).toThrow(AvroDecodeError)
    expect(() => codec.decode(buf.subarray(0, buf.length - 3))).toThrow(/corrupt event v\d+ record/)
  })

  it('declines a schema with a type it does not compile, so the codec keeps avsc', () => {
    const withEnum = avro.Type.forSchema({
      type: 'record',
      name: 'WithEnum',
      fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } }],
    })
    expect(compileReader(withEnum)).toBeNull()
  })
})
