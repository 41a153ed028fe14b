import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { format, resolveConfig } from 'prettier'
import { AvroDecodeError, createCodec } from '../../lib/avro/codec.ts'
import { rabinFingerprint } from '../../lib/avro/fingerprint.ts'
import type { DeadLetter } from '../../lib/avro/types.generated.ts'
import { repoRoot, schemasDir } from '../../lib/paths.ts'
import { generateAvroTypes } from '../../scripts/generate-avro-types.ts'

describe('CRC-64-AVRO fingerprints', () => {
  it('match the Avro specification test vectors', () => {
    expect(rabinFingerprint('"int"').readBigInt64LE()).toBe(8247732601305521295n)
    expect(rabinFingerprint('"string"').readBigInt64LE()).toBe(-8142146995180207161n)
  })
})

describe('single-object encoding', () => {
  const codec = createCodec<DeadLetter>(schemasDir, 'dead_letter')
  const letter: DeadLetter = {
    reason: 'r',
    code: 'C',
    received_at: 1,
    source: null,
    event_id: 'e',
    headers: { a: 'b' },
    body: Buffer.from('x'),
  }

  it('starts with C3 01 and the writer fingerprint', () => {
    const buf = codec.encode(letter)
    expect(buf.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]))
    expect(buf.subarray(2, 10)).toEqual(codec.fingerprint)
    expect(codec.decode(buf)).toEqual(letter)
  })

  it('encodes records larger than its scratch buffer, and earlier results stay intact', () => {
    const big = { ...letter, body: Buffer.alloc(200 * 1024, 7) }
    const first = codec.encode(big)
    const second = codec.encode(letter)
    const third = codec.encode({ ...big, body: Buffer.alloc(300 * 1024, 9) })
    expect(codec.decode(first)).toEqual(big)
    expect(codec.decode(second)).toEqual(letter)
    expect(codec.decode(third).body.length).toBe(300 * 1024)
    expect(third.subarray(2, 10)).toEqual(codec.fingerprint)
  })

  it('refuses bytes that are not its records, saying why', () => {
    expect(() => codec.decode(Buffer.from('{"json": true}'))).toThrow(AvroDecodeError)
    const unknown = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 7), Buffer.from('x')])
    expect(() => codec.decode(unknown)).toThrow(/unknown writer schema fingerprint/)
  })
})

describe('lib/avro/types.generated.ts', () => {
  it('is what the schemas generate (run node scripts/generate-avro-types.ts)', async () => {
    const file = join(repoRoot, 'lib', 'avro', 'types.generated.ts')
    const options = await resolveConfig(file)
    const fresh = await format(generateAvroTypes(), { ...options, filepath: file })
    expect(readFileSync(file, 'utf8')).toBe(fresh)
  })
})
