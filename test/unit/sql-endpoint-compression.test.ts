// ClickHouse's block compression (compress=1): CityHash128 v1.0.2 and the block framing. The
// vectors are CityHash128 of bytes (i * 31 + 7) & 255 computed by ClickHouse's own CityHash v1.0.2
// code (contrib/cityhash102, compiled unchanged); the integration test also checks every block the
// embedded engine wrote to disk.
import { describe, expect, it } from 'vitest'
import { cityHash128 } from '../../services/sql-endpoint/cityhash128.ts'
import {
  blockSize,
  decodeBlocks,
  encodeBlock,
  methods,
  NativeCompressor,
} from '../../services/sql-endpoint/native-compression.ts'

const vectors: [number, string, string][] = [
  [0, '3df09dfc64c09a2b', '3cb540c392e51e29'],
  [1, '8be55b379cce0e40', '05ab4744478b1cba'],
  [3, 'e407deda7bb0f294', '0a3a0d146e27f1bd'],
  [4, '905dcb2063ae124f', '57fd5b5954a593c5'],
  [8, 'f5a4ca47208136a0', '3dd4575b3d46e5ab'],
  [11, '80de4bd4c297b52e', '6cedaf464e20519b'],
  [15, 'd956065c63d9ab15', '9623caadd0037b73'],
  [16, '3f3a3275564b7f48', 'b48a2a7a16bac60b'],
  [17, 'aee34bf68bb2e0a2', 'e0d6910555f00b87'],
  [32, '250e8c8007bfad61', 'e42486b6776ae8db'],
  [33, '4e495b057af3b520', 'abae1d24f18410b5'],
  [64, 'e225cf33b373dc02', '8d252ce5152d6d96'],
  [100, '49c189a397bdadee', '0e8155bdfd58d3d3'],
  [127, 'c244dc8a06ce8c41', 'f30e2cf6b33629a6'],
  [128, 'ba863c0c70f32346', '24b156fc6f3c170a'],
  [129, '238598064c8ee2f1', '6c89b9263ef7410b'],
  [200, '67b5c9a4f885f24b', 'b4a0f54a58082487'],
  [255, 'c87d0f456f6a514b', 'f35b13ec94eb8a52'],
  [256, 'b1cfa883f958dcfa', '39f0dfb3be182292'],
  [1000, '597ff4957972ad7e', '7f39a4abd7c010e1'],
]

const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255))

describe('cityHash128 (v1.0.2)', () => {
  for (const [len, low, high] of vectors)
    it(`${len} bytes`, () => {
      const h = cityHash128(pattern(len))
      expect([h.low.toString(16).padStart(16, '0'), h.high.toString(16).padStart(16, '0')]).toEqual(
        [low, high],
      )
    })

  it('hashes a slice as the bytes it covers', () => {
    const data = Buffer.concat([Buffer.from('xx'), pattern(200), Buffer.from('yy')])
    expect(cityHash128(data, 2, 202)).toEqual(cityHash128(pattern(200)))
  })
})

describe('compressed blocks', () => {
  it('round-trips, with method LZ4, the sizes in the header and the checksum first', () => {
    const data = Buffer.from('hookhouse '.repeat(5000))
    const block = encodeBlock(data)
    expect(block[16]).toBe(methods.lz4)
    expect(block.readUInt32LE(17)).toBe(block.length - 16)
    expect(block.readUInt32LE(21)).toBe(data.length)
    expect(block.length).toBeLessThan(data.length / 10)
    expect(decodeBlocks(Buffer.concat([block, encodeBlock(Buffer.from('tail'))])).toString()).toBe(
      `${data.toString()}tail`,
    )
  })

  it('reads an uncompressed (method 0x02) block', () => {
    const data = Buffer.from('plain')
    const block = Buffer.alloc(16 + 9 + data.length)
    block[16] = methods.none
    block.writeUInt32LE(9 + data.length, 17)
    block.writeUInt32LE(data.length, 21)
    data.copy(block, 25)
    const h = cityHash128(block, 16, block.length)
    block.writeBigUInt64LE(h.low, 0)
    block.writeBigUInt64LE(h.high, 8)
    expect(decodeBlocks(block).toString()).toBe('plain')
  })

  it('refuses a block whose checksum does not match', () => {
    const block = encodeBlock(Buffer.from('some data to compress, some data to compress'))
    block.writeUInt8((block.at(-1) ?? 0) ^ 1, block.length - 1)
    expect(() => decodeBlocks(block)).toThrow(/Checksum doesn't match/)
    expect(() => decodeBlocks(block.subarray(0, 20))).toThrow(/truncated/)
  })

  it('cuts a stream into blocks of at most 1 MiB', async () => {
    const compressor = new NativeCompressor()
    const out: Buffer[] = []
    compressor.on('data', (b: Buffer) => out.push(b))
    const input = Buffer.alloc(blockSize * 2 + 123, 'a')
    compressor.write(input.subarray(0, 1000))
    compressor.write(input.subarray(1000))
    await new Promise((r) => compressor.end(r))
    expect(out.map((b) => b.readUInt32LE(21))).toEqual([blockSize, blockSize, 123])
    expect(decodeBlocks(Buffer.concat(out)).equals(input)).toBe(true)
  })
})
