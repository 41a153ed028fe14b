// A reader compiled for one schema, for the projector's hot path: the records it reads most are
// written with the newest schema, so no resolution is needed, and avsc's generic reader spent
// most of the projector's decode + fold time in its primitives (a native call per string, a
// generic union reader, a pooled copy of every body; docs/benchmarks.md, "Projector throughput,
// session 3"). This one reads the same values into the same shapes: records as objects in field
// order, `["null", T]` unions unwrapped, long and int as numbers, maps as objects, bytes as a
// Buffer. Two differences, both by design: a bytes value is a view into the input buffer, not a
// copy; and a schema with a type it does not know (enum, fixed, float, other unions) gets no
// reader at all, so the caller keeps avsc's.
// Wire format: Avro specification, "Binary Encoding" (zig-zag varints, length-prefixed strings
// and bytes, blocked arrays and maps).
import type avro from 'avsc'

export class TruncatedRecord extends Error {
  override name = 'TruncatedRecord'
}

/** Reads one value from `buf` at `pos`, and checks that it ends exactly at the buffer's end. */
export type FastReader = (buf: Buffer, pos: number) => unknown

/** Where a read stands: the buffer and the next byte. */
interface State {
  b: Buffer
  p: number
}

function readLong(s: State): number {
  const b = s.b
  let p = s.p
  let byte = b[p++] ?? truncated()
  let n = byte & 0x7f
  let k = 1
  // Up to 28 bits with integer arithmetic, then floats (as avsc does): exact below 2^53.
  while (byte & 0x80 && k < 4) {
    byte = b[p++] ?? truncated()
    n |= (byte & 0x7f) << (7 * k)
    k++
  }
  if (byte & 0x80) {
    let f = n
    let m = 268435456
    do {
      byte = b[p++] ?? truncated()
      f += (byte & 0x7f) * m
      m *= 128
    } while (byte & 0x80)
    s.p = p
    return (f % 2 ? -(f + 1) : f) / 2
  }
  s.p = p
  return (n >> 1) ^ -(n & 1)
}

function truncated(): never {
  throw new TruncatedRecord('truncated record')
}

function end(s: State, len: number): number {
  if (len < 0) throw new TruncatedRecord(`negative length ${len}`)
  const start = s.p
  s.p = start + len
  if (s.p > s.b.length) truncated()
  return start
}

/** Short ASCII strings in JS: a native utf8Slice call costs more than the loop. */
function readString(s: State): string {
  const len = readLong(s)
  const start = end(s, len)
  const b = s.b
  if (len <= 12) {
    let out = ''
    for (let i = start; i < start + len; i++) {
      const c = b[i] as number
      if (c > 0x7f) return b.toString('utf8', start, start + len)
      out += String.fromCharCode(c)
    }
    return out
  }
  return b.toString('utf8', start, start + len)
}

function readBytes(s: State): Buffer {
  const len = readLong(s)
  const start = end(s, len)
  return s.b.subarray(start, start + len)
}

function readBoolean(s: State): boolean {
  const start = end(s, 1)
  return s.b[start] === 1
}

function readDouble(s: State): number {
  return s.b.readDoubleLE(end(s, 8))
}

function badUnion(index: number): never {
  throw new TruncatedRecord(`union branch ${index} out of range`)
}

/** Block counts: negative means a byte size follows (skippable blocks), which a reader ignores. */
function blockCount(s: State): number {
  const n = readLong(s)
  if (n >= 0) return n
  readLong(s)
  return -n
}

const helpers = { readLong, readString, readBytes, readBoolean, readDouble, badUnion, blockCount }

/** null when the schema holds a type this reader does not compile. */
export function compileReader(type: avro.Type): FastReader | null {
  const functions: string[] = []
  const named = new Map<string, string>()
  let unsupported = false

  const define = (name: string, body: string) => {
    functions.push(`function ${name}(s) {\n${body}\n}`)
  }

  // A JS expression that reads one value of `t` from `s`.
  const expr = (t: avro.Type): string => {
    const any = t as avro.Type & {
      fields?: { name: string; type: avro.Type }[]
      itemsType?: avro.Type
      valuesType?: avro.Type
      types?: avro.Type[]
    }
    switch (t.typeName) {
      case 'null':
        return 'null'
      case 'boolean':
        return 'h.readBoolean(s)'
      case 'int':
      case 'long':
        return 'h.readLong(s)'
      case 'double':
        return 'h.readDouble(s)'
      case 'string':
        return 'h.readString(s)'
      case 'bytes':
        return 'h.readBytes(s)'
      case 'record': {
        const key = t.name ?? `anonymous${named.size}`
        let fn = named.get(key)
        if (fn === undefined) {
          fn = `record${named.size}`
          named.set(key, fn)
          const fields = (any.fields ?? []).map(
            (f) => `    ${JSON.stringify(f.name)}: ${expr(f.type)},`,
          )
          define(fn, `  return {\n${fields.join('\n')}\n  }`)
        }
        return `${fn}(s)`
      }
      case 'array': {
        const fn = `array${functions.length}_${named.size}`
        const item = expr(any.itemsType as avro.Type)
        define(
          fn,
          `  const out = []\n  for (let n = h.blockCount(s); n !== 0; n = h.blockCount(s)) {\n    for (let i = 0; i < n; i++) out.push(${item})\n  }\n  return out`,
        )
        return `${fn}(s)`
      }
      case 'map': {
        const fn = `map${functions.length}_${named.size}`
        const value = expr(any.valuesType as avro.Type)
        define(
          fn,
          `  const out = {}\n  for (let n = h.blockCount(s); n !== 0; n = h.blockCount(s)) {\n    for (let i = 0; i < n; i++) { const k = h.readString(s); out[k] = ${value} }\n  }\n  return out`,
        )
        return `${fn}(s)`
      }
      case 'union:unwrapped': {
        const branches = any.types ?? []
        if (branches.length !== 2 || branches[0]?.typeName !== 'null') {
          unsupported = true
          return 'null'
        }
        const value = expr(branches[1] as avro.Type)
        const fn = `union${functions.length}_${named.size}`
        define(
          fn,
          `  const i = h.readLong(s)\n  return i === 0 ? null : i === 1 ? ${value} : h.badUnion(i)`,
        )
        return `${fn}(s)`
      }
      default:
        unsupported = true
        return 'null'
    }
  }

  const top = expr(type)
  if (unsupported) return null
  // Compiled once per codec from the schema files, never from record data.
  const make = new Function('h', `'use strict'\n${functions.join('\n')}\nreturn (s) => ${top}`) as (
    h: typeof helpers,
  ) => (s: State) => unknown
  const read = make(helpers)
  return (buf, pos) => {
    const s: State = { b: buf, p: pos }
    const value = read(s)
    if (s.p !== buf.length) throw new TruncatedRecord(`${buf.length - s.p} bytes after the record`)
    return value
  }
}
