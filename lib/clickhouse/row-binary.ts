// Rows to ClickHouse's RowBinary format, for the column types hookhouse's tables use. Binary rows
// cost the engine no text parsing: a String is a length and its bytes, so an event's original
// body goes from the Avro record to the table without ever becoming a JS string or being escaped
// (docs/benchmarks.md, "Projector": JSON text was the largest single cost of the fold).
// Format reference: ClickHouse docs, interfaces/formats/RowBinary.

export type CellValue =
  string | number | boolean | null | Date | Uint8Array | readonly (string | number)[]

export interface Column {
  name: string
  /** The ClickHouse type as system.columns spells it, e.g. `Nullable(DateTime64(3, 'UTC'))`. */
  type: string
}

export class UnsupportedColumnType extends Error {
  override name = 'UnsupportedColumnType'
}

/** A growing byte buffer with the writers RowBinary needs. */
class Writer {
  buf: Buffer
  pos = 0

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, size))
  }

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  u8(v: number): void {
    this.reserve(1)
    this.buf[this.pos++] = v
  }

  varint(v: number): void {
    this.reserve(10)
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.pos++] = v
  }

  u32(v: number): void {
    this.reserve(4)
    this.buf.writeUInt32LE(v, this.pos)
    this.pos += 4
  }

  /** A 64-bit integer; numbers within 2^53 take the fast path, anything else goes through BigInt. */
  i64(v: number | bigint, signed: boolean): void {
    this.reserve(8)
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      this.buf.writeUInt32LE(v % 0x1_0000_0000, this.pos)
      this.buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), this.pos + 4)
    } else if (signed) this.buf.writeBigInt64LE(BigInt(v), this.pos)
    else this.buf.writeBigUInt64LE(BigInt(v), this.pos)
    this.pos += 8
  }

  f64(v: number): void {
    this.reserve(8)
    this.buf.writeDoubleLE(v, this.pos)
    this.pos += 8
  }

  string(s: string): void {
    // Short strings: one worst-case reservation and a write, then the length patched in front.
    if (s.length < 42) {
      this.reserve(1 + s.length * 3)
      const n = this.buf.write(s, this.pos + 1, 'utf8')
      this.buf[this.pos] = n
      this.pos += 1 + n
      return
    }
    const n = Buffer.byteLength(s, 'utf8')
    this.varint(n)
    this.reserve(n)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length)
    this.reserve(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  take(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

type Write = (w: Writer, v: unknown, column: string) => void

function wrongValue(column: string, type: string, v: unknown): Error {
  return new TypeError(`column ${column} (${type}): cannot write ${JSON.stringify(v)}`)
}

/** Milliseconds since the epoch from a Date, a number of milliseconds or an ISO 8601 string. */
function epochMs(v: unknown, column: string, type: string): number {
  const ms =
    v instanceof Date
      ? v.getTime()
      : typeof v === 'number'
        ? v
        : typeof v === 'string'
          ? Date.parse(v)
          : NaN
  if (!Number.isFinite(ms)) throw wrongValue(column, type, v)
  return ms
}

function writerFor(type: string): Write {
  const inner = (prefix: string) =>
    type.startsWith(`${prefix}(`) && type.endsWith(')') ? type.slice(prefix.length + 1, -1) : null
  const nullable = inner('Nullable')
  if (nullable !== null) {
    const write = writerFor(nullable)
    return (w, v, c) => {
      if (v === null || v === undefined) return w.u8(1)
      w.u8(0)
      write(w, v, c)
    }
  }
  // LowCardinality changes the storage, not the RowBinary form.
  const lowCardinality = inner('LowCardinality')
  if (lowCardinality !== null) return writerFor(lowCardinality)
  const array = inner('Array')
  if (array !== null) {
    const write = writerFor(array)
    return (w, v, c) => {
      if (!Array.isArray(v)) throw wrongValue(c, type, v)
      w.varint(v.length)
      for (const item of v) write(w, item, c)
    }
  }
  if (type === 'String') {
    return (w, v, c) => {
      if (typeof v === 'string') w.string(v)
      else if (v instanceof Uint8Array) w.bytes(v)
      else throw wrongValue(c, type, v)
    }
  }
  if (/^DateTime64\(3(, '[^']*')?\)$/.test(type)) {
    return (w, v, c) => w.i64(epochMs(v, c, type), true)
  }
  const integer = (signed: boolean): Write => {
    return (w, v, c) => {
      if (typeof v === 'number' && Number.isInteger(v)) w.i64(v, signed)
      else if (typeof v === 'string' && /^-?\d+$/.test(v)) w.i64(BigInt(v), signed)
      else if (typeof v === 'bigint') w.i64(v, signed)
      else throw wrongValue(c, type, v)
    }
  }
  switch (type) {
    case 'Int64':
      return integer(true)
    case 'UInt64':
      return integer(false)
    case 'UInt32':
      return (w, v, c) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw wrongValue(c, type, v)
        w.u32(v)
      }
    case 'Bool':
    case 'UInt8':
      return (w, v, c) => {
        if (typeof v === 'boolean') w.u8(v ? 1 : 0)
        else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256) w.u8(v)
        else throw wrongValue(c, type, v)
      }
    case 'Float64':
      return (w, v, c) => {
        if (typeof v !== 'number') throw wrongValue(c, type, v)
        w.f64(v)
      }
  }
  throw new UnsupportedColumnType(`RowBinary writer has no support for ${type}`)
}

export interface RowBinaryEncoder {
  readonly columns: readonly Column[]
  encode(rows: readonly Readonly<Record<string, unknown>>[]): Buffer
}

/**
 * An encoder for rows with exactly these columns, in this order. Throws UnsupportedColumnType at
 * construction for a type it cannot write, so a caller can fall back to a text format.
 */
export function rowBinaryEncoder(columns: readonly Column[]): RowBinaryEncoder {
  const writers = columns.map((c) => ({ name: c.name, write: writerFor(c.type) }))
  // Sized from the previous batch, so a batch of bodies is not copied again on every doubling.
  let bytesPerRow = 256
  return {
    columns,
    encode(rows) {
      const w = new Writer(Math.ceil(rows.length * bytesPerRow * 1.1))
      for (const row of rows) {
        for (const { name, write } of writers) write(w, row[name], name)
      }
      if (rows.length > 0) bytesPerRow = w.pos / rows.length
      return w.take()
    },
  }
}
