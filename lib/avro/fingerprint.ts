// CRC-64-AVRO (Rabin) fingerprint of a schema's Parsing Canonical Form, as the Avro spec defines
// it for single-object encoding: https://avro.apache.org/docs/1.11.1/specification/#schema-fingerprints
const EMPTY = 0xc15d213aa4d7a795n
const MASK = 0xffffffffffffffffn

const table: bigint[] = (() => {
  const t: bigint[] = []
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i)
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK)
    t.push(fp & MASK)
  }
  return t
})()

/** The 8 fingerprint bytes, little-endian, as single-object encoding writes them. */
export function rabinFingerprint(canonical: string): Buffer {
  let fp = EMPTY
  for (const byte of Buffer.from(canonical, 'utf8')) {
    fp = ((fp >> 8n) ^ (table[Number((fp ^ BigInt(byte)) & 0xffn)] ?? 0n)) & MASK
  }
  const out = Buffer.alloc(8)
  out.writeBigUInt64LE(fp)
  return out
}
