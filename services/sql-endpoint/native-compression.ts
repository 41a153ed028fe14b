// ClickHouse's own block compression, what `compress=1` asks for in an answer and `decompress=1`
// announces for a request body (src/Compression/CompressedWriteBuffer.cpp, ICompressionCodec.cpp).
// Each block is:
//   16 bytes  CityHash128 v1.0.2 of the 9-byte header and the compressed data (low, high; LE)
//    1 byte   method: 0x82 LZ4, 0x02 none, 0x90 ZSTD
//    4 bytes  size of header + compressed data (LE)
//    4 bytes  size of the data once decompressed (LE)
//   the compressed data (an LZ4 block: raw, no frame)
// The server compresses its output in blocks of at most 1 MiB (DBMS_DEFAULT_BUFFER_SIZE).
import { Transform, type TransformCallback } from 'node:stream'
import zlib from 'node:zlib'
import { compressSync, uncompressSync } from 'lz4-napi'
import { cityHash128Bytes } from './cityhash128.ts'
import { errors } from './errors.ts'

export const methods = { none: 0x02, lz4: 0x82, zstd: 0x90 } as const

const checksumSize = 16
const headerSize = 9
/** Uncompressed bytes per block, as the server's CompressedWriteBuffer. */
export const blockSize = 1024 * 1024
/** Largest block accepted from a client (the server's limit, DBMS_MAX_COMPRESSED_SIZE). */
const maxCompressedSize = 0x40000000

/** One compressed block: checksum, header, LZ4 data. */
export function encodeBlock(data: Buffer): Buffer {
  // lz4-napi writes lz4_flex's size-prepended block: 4 bytes of length, then the raw block.
  const prepended = compressSync(data)
  const compressedSize = prepended.length - 4 + headerSize
  const out = Buffer.allocUnsafe(checksumSize + compressedSize)
  out[checksumSize] = methods.lz4
  out.writeUInt32LE(compressedSize, checksumSize + 1)
  out.writeUInt32LE(data.length, checksumSize + 5)
  prepended.copy(out, checksumSize + headerSize, 4)
  cityHash128Bytes(out, checksumSize, out.length).copy(out, 0)
  return out
}

/** Cuts a byte stream into blocks of at most 1 MiB and compresses each, as the server does. */
export class NativeCompressor extends Transform {
  #pending: Buffer[] = []
  #pendingBytes = 0

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data = chunk
    while (this.#pendingBytes + data.length >= blockSize) {
      const take = blockSize - this.#pendingBytes
      this.#pending.push(data.subarray(0, take))
      data = data.subarray(take)
      this.push(encodeBlock(Buffer.concat(this.#pending)))
      this.#pending = []
      this.#pendingBytes = 0
    }
    if (data.length > 0) {
      this.#pending.push(data)
      this.#pendingBytes += data.length
    }
    done()
  }

  /** Sends what is pending as a block now (the server's `next()`), for an error message. */
  flushBlock(): void {
    if (this.#pendingBytes === 0) return
    this.push(encodeBlock(Buffer.concat(this.#pending)))
    this.#pending = []
    this.#pendingBytes = 0
  }

  override _flush(done: TransformCallback): void {
    this.flushBlock()
    done()
  }
}

/** Decompresses a whole sequence of blocks, checking every checksum. */
export function decodeBlocks(input: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  while (at < input.length) {
    if (input.length - at < checksumSize + headerSize)
      throw errors.cannotDecompress('truncated block header')
    const method = input[at + checksumSize] ?? 0
    const compressedSize = input.readUInt32LE(at + checksumSize + 1)
    const size = input.readUInt32LE(at + checksumSize + 5)
    if (compressedSize > maxCompressedSize) throw errors.compressedTooLarge(compressedSize)
    if (compressedSize < headerSize) throw errors.cannotDecompress('block smaller than its header')
    const end = at + checksumSize + compressedSize
    if (end > input.length) throw errors.cannotDecompress('truncated block')
    const expected = input.subarray(at, at + checksumSize)
    if (!cityHash128Bytes(input, at + checksumSize, end).equals(expected))
      throw errors.checksumMismatch()
    const data = input.subarray(at + checksumSize + headerSize, end)
    parts.push(decodeData(method, data, size))
    at = end
  }
  return Buffer.concat(parts)
}

function decodeData(method: number, data: Buffer, size: number): Buffer {
  if (method === methods.none) return data
  if (method === methods.lz4) {
    const prefixed = Buffer.allocUnsafe(data.length + 4)
    prefixed.writeUInt32LE(size, 0)
    data.copy(prefixed, 4)
    const out = uncompressSync(prefixed)
    if (out.length !== size) throw errors.cannotDecompress('LZ4 block of the wrong size')
    return out
  }
  if (method === methods.zstd && typeof zlib.zstdDecompressSync === 'function')
    return zlib.zstdDecompressSync(data)
  throw errors.unknownCompression(`0x${method.toString(16)}`)
}
