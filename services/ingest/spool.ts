// The local spool: where accepted events wait, fsync'd, while Kafka is unreachable, so a 202 is
// as durable as a 200. One append-only file of CRC-checked frames and a cursor file that says how
// far the drain has gone. A crash mid-append leaves a torn last frame, which open() cuts off:
// that event was never acknowledged to its sender.
import { open, readFile, rename, mkdir, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

export interface SpoolRecord {
  topic: string
  key: Buffer | null
  value: Buffer
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError'
}

const FRAME_HEADER = 8 // u32 length, u32 crc32 of the payload

function encodeRecord(r: SpoolRecord): Buffer {
  const topic = Buffer.from(r.topic)
  const key = r.key ?? Buffer.alloc(0)
  const payload = Buffer.alloc(2 + topic.length + 4 + key.length + r.value.length)
  let o = payload.writeUInt16BE(topic.length, 0)
  o += topic.copy(payload, o)
  o = payload.writeInt32BE(r.key === null ? -1 : key.length, o)
  o += key.copy(payload, o)
  r.value.copy(payload, o)
  const head = Buffer.alloc(FRAME_HEADER)
  head.writeUInt32BE(payload.length, 0)
  head.writeUInt32BE(crc32(payload), 4)
  return Buffer.concat([head, payload])
}

function decodeRecord(payload: Buffer): SpoolRecord {
  const tlen = payload.readUInt16BE(0)
  let o = 2
  const topic = payload.subarray(o, o + tlen).toString()
  o += tlen
  const klen = payload.readInt32BE(o)
  o += 4
  const key = klen < 0 ? null : Buffer.from(payload.subarray(o, o + klen))
  o += Math.max(klen, 0)
  return { topic, key, value: Buffer.from(payload.subarray(o)) }
}

interface PendingAppend {
  frames: Buffer[]
  bytes: number
  done: (err?: Error) => void
}

export class Spool {
  readonly dir: string
  readonly maxBytes: number
  #file: FileHandle
  #size: number
  #cursor: number
  #depth: number
  #queue: PendingAppend[] = []
  #writing: Promise<void> | undefined
  #reserved = 0

  private constructor(
    dir: string,
    maxBytes: number,
    file: FileHandle,
    size: number,
    cursor: number,
    depth: number,
  ) {
    this.dir = dir
    this.maxBytes = maxBytes
    this.#file = file
    this.#size = size
    this.#cursor = cursor
    this.#depth = depth
  }

  static async open(dir: string, maxBytes: number): Promise<Spool> {
    await mkdir(dir, { recursive: true })
    const file = await open(join(dir, 'spool.log'), 'a+')
    const data = await readFile(join(dir, 'spool.log'))
    let cursor = await readCursor(dir)
    if (cursor > data.length) cursor = 0
    // Walk the frames after the cursor; a torn or corrupt tail is cut off.
    let o = cursor
    let depth = 0
    while (o + FRAME_HEADER <= data.length) {
      const len = data.readUInt32BE(o)
      const end = o + FRAME_HEADER + len
      if (
        end > data.length ||
        crc32(data.subarray(o + FRAME_HEADER, end)) !== data.readUInt32BE(o + 4)
      )
        break
      o = end
      depth++
    }
    if (o < data.length) await file.truncate(o)
    await file.sync()
    return new Spool(dir, maxBytes, file, o, cursor, depth)
  }

  /** Records waiting to be drained. */
  get depth(): number {
    return this.#depth
  }

  /** Bytes the spool file holds (drained records included until it is emptied). */
  get bytes(): number {
    return this.#size
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#writing === undefined
  }

  /** Appends durably (after fsync), in call order; concurrent appends share one fsync. */
  append(records: SpoolRecord[]): Promise<void> {
    const frames = records.map(encodeRecord)
    const bytes = frames.reduce((n, f) => n + f.length, 0)
    if (this.#size + this.#reserved + bytes > this.maxBytes) {
      return Promise.reject(
        new SpoolFullError(`spool full: ${this.#size} of ${this.maxBytes} bytes used`),
      )
    }
    this.#reserved += bytes
    return new Promise((resolve, reject) => {
      this.#queue.push({ frames, bytes, done: (err) => (err ? reject(err) : resolve()) })
      if (!this.#writing) this.#writing = this.#writeLoop()
    })
  }

  async #writeLoop(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0)
      const bytes = batch.reduce((n, p) => n + p.bytes, 0)
      try {
        await this.#file.writev(batch.flatMap((p) => p.frames))
        await this.#file.datasync()
        this.#size += bytes
        this.#depth += batch.reduce((n, p) => n + p.frames.length, 0)
        for (const p of batch) p.done()
      } catch (err) {
        for (const p of batch) p.done(err as Error)
      } finally {
        this.#reserved -= bytes
      }
    }
    this.#writing = undefined
  }

  /** The oldest undrained records, at most `max` of them, with the position after them. */
  async peek(max: number): Promise<{ records: SpoolRecord[]; next: number }> {
    const records: SpoolRecord[] = []
    let o = this.#cursor
    const head = Buffer.alloc(FRAME_HEADER)
    while (records.length < max && o + FRAME_HEADER <= this.#size) {
      await this.#file.read(head, 0, FRAME_HEADER, o)
      const len = head.readUInt32BE(0)
      const payload = Buffer.alloc(len)
      await this.#file.read(payload, 0, len, o + FRAME_HEADER)
      records.push(decodeRecord(payload))
      o += FRAME_HEADER + len
    }
    return { records, next: o }
  }

  /** The position after the first `count` undrained records. */
  async positionAfter(count: number): Promise<number> {
    let o = this.#cursor
    const head = Buffer.alloc(FRAME_HEADER)
    for (let i = 0; i < count && o + FRAME_HEADER <= this.#size; i++) {
      await this.#file.read(head, 0, FRAME_HEADER, o)
      o += FRAME_HEADER + head.readUInt32BE(0)
    }
    return o
  }

  /** Marks records up to `next` as drained, durably; empties the file once all are drained. */
  async commit(next: number, count: number): Promise<void> {
    this.#cursor = next
    this.#depth -= count
    await writeCursor(this.dir, next)
    if (this.#cursor === this.#size && this.idle) {
      await this.#file.truncate(0)
      await this.#file.sync()
      this.#size = 0
      this.#cursor = 0
      await writeCursor(this.dir, 0)
    }
  }

  async close(): Promise<void> {
    await this.#writing
    await this.#file.close()
  }
}

async function readCursor(dir: string): Promise<number> {
  try {
    const n = Number((await readFile(join(dir, 'spool.cursor'), 'utf8')).trim())
    return Number.isSafeInteger(n) && n >= 0 ? n : 0
  } catch {
    return 0
  }
}

async function writeCursor(dir: string, at: number): Promise<void> {
  const tmp = join(dir, 'spool.cursor.tmp')
  const f = await open(tmp, 'w')
  await f.writeFile(`${at}\n`)
  await f.sync()
  await f.close()
  await rename(tmp, join(dir, 'spool.cursor'))
}
