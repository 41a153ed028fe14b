// The one Avro codec. Every record on a topic is Avro single-object encoded (0xC3 0x01, the
// writer schema's 8-byte CRC-64-AVRO fingerprint, then the binary body), so a reader resolves any
// older writer version it knows to its own newest schema. Schemas live in schemas/NAME.vN.avsc;
// a top-level schema lists the files its named types come from in "x-includes".
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import avro from 'avsc'
import { compileReader } from './fast-reader.ts'
import { rabinFingerprint } from './fingerprint.ts'

export class AvroDecodeError extends Error {
  override name = 'AvroDecodeError'
}

const MAGIC = Buffer.from([0xc3, 0x01])
const HEADER = MAGIC.length + 8

interface SchemaFile {
  name: string
  version: number
  json: Record<string, unknown>
}

function readSchemaFiles(dir: string): Map<string, SchemaFile> {
  const out = new Map<string, SchemaFile>()
  for (const f of readdirSync(dir)) {
    const m = /^([a-z_]+)\.v(\d+)\.avsc$/.exec(f)
    if (!m) continue
    out.set(`${m[1]}.v${m[2]}`, {
      name: m[1] ?? f,
      version: Number(m[2]),
      json: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>,
    })
  }
  return out
}

/** Parses one top-level schema with the files it includes, in a registry of its own. */
function parseVersion(files: Map<string, SchemaFile>, key: string): avro.Type {
  const top = files.get(key)
  if (!top) throw new Error(`schema ${key}.avsc not found`)
  const registry = {}
  const includes = (top.json['x-includes'] as string[] | undefined) ?? []
  for (const inc of includes) {
    const f = files.get(inc)
    if (!f) throw new Error(`${key}.avsc includes ${inc}.avsc, which does not exist`)
    avro.Type.forSchema(f.json as avro.Schema, { registry })
  }
  return avro.Type.forSchema(top.json as avro.Schema, { registry })
}

export interface Codec<T> {
  /** The newest version: what this process writes and reads into. */
  readonly version: number
  readonly fingerprint: Buffer
  encode(value: T): Buffer
  /** Bytes fields of the value may share memory with `buf`. */
  decode(buf: Buffer): T
  /** Fingerprints (hex) of every version this codec reads. */
  readonly readable: ReadonlyMap<string, number>
}

/** A codec for the schema family `name` (e.g. "event"): writes the newest, reads every version. */
export function createCodec<T>(schemasDir: string, name: string): Codec<T> {
  const files = readSchemaFiles(schemasDir)
  const versions = [...files.values()]
    .filter((f) => f.name === name)
    .map((f) => f.version)
    .sort((a, b) => a - b)
  const newest = versions.at(-1)
  if (newest === undefined) throw new Error(`no schema ${name}.vN.avsc in ${schemasDir}`)
  const reader = parseVersion(files, `${name}.v${newest}`)
  const fingerprint = rabinFingerprint(JSON.stringify(reader.schema()))
  const withHeader = (size: number) => {
    const buf = Buffer.alloc(size)
    MAGIC.copy(buf, 0)
    fingerprint.copy(buf, MAGIC.length)
    return buf
  }
  // The newest version needs no resolution: a reader compiled for it (fast-reader.ts) when the
  // schema allows; every older version, and any record it cannot read, goes through avsc.
  const fastRead = compileReader(reader)
  let scratch = withHeader(64 * 1024)
  const writers = new Map<string, { version: number; resolver: avro.Resolver | undefined }>()
  for (const v of versions) {
    const writer = v === newest ? reader : parseVersion(files, `${name}.v${v}`)
    const fp = rabinFingerprint(JSON.stringify(writer.schema())).toString('hex')
    writers.set(fp, {
      version: v,
      resolver: v === newest ? undefined : reader.createResolver(writer),
    })
  }
  return {
    version: newest,
    fingerprint,
    readable: new Map([...writers].map(([fp, w]) => [fp, w.version])),
    encode(value: T): Buffer {
      // Straight after the header in a scratch buffer that grows to the largest record seen, then
      // one copy out: toBuffer would encode into its own 1 KiB buffer, re-encode any bigger
      // record, and a concat would copy it once more.
      for (;;) {
        const end = reader.encode(value, scratch, HEADER)
        if (end >= 0) return Buffer.from(scratch.subarray(0, end))
        scratch = withHeader(Math.max(2 * scratch.length, scratch.length - end))
      }
    },
    decode(buf: Buffer): T {
      if (buf.length < 10 || buf[0] !== 0xc3 || buf[1] !== 0x01) {
        throw new AvroDecodeError('not Avro single-object encoded (no C3 01 marker)')
      }
      const fp = buf.subarray(2, 10).toString('hex')
      const w = writers.get(fp)
      if (!w) throw new AvroDecodeError(`unknown writer schema fingerprint ${fp}`)
      if (!w.resolver && fastRead) {
        try {
          return fastRead(buf, HEADER) as T
        } catch {
          // avsc reads it again below, for its verdict and its message
        }
      }
      try {
        return (
          w.resolver
            ? reader.fromBuffer(buf.subarray(10), w.resolver)
            : reader.fromBuffer(buf.subarray(10))
        ) as T
      } catch (err) {
        throw new AvroDecodeError(`corrupt ${name} v${w.version} record: ${(err as Error).message}`)
      }
    },
  }
}
