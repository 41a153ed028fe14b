// CityHash128 as ClickHouse uses it: Google's CityHash v1.0.2, the version vendored in ClickHouse's
// contrib/cityhash102 and frozen there because the checksum of every compressed block (on disk
// and in the `compress=1` HTTP answer) is CityHash128 v1.0.2 of the block. Later CityHash
// versions (1.1) changed the function, so a current CityHash library gives other checksums.
//
// The function names follow city.cc so the two read side by side. Tests check it against the checksums of blocks the embedded engine itself wrote.

const mask = (1n << 64n) - 1n
const u64 = (x: bigint): bigint => x & mask

const k0 = 0xc3a5c85c97cb3127n
const k1 = 0xb492b66fbe98f273n
const k2 = 0x9ae16a3b2f90404fn
const k3 = 0xc949d7c7509e6557n
const kMul = 0x9ddfea08eb382d69n

export interface Hash128 {
  /** The first 8 bytes ClickHouse writes (little-endian). */
  low: bigint
  /** The second 8 bytes. */
  high: bigint
}

function fetch64(s: Buffer, i: number): bigint {
  return s.readBigUInt64LE(i)
}

function fetch32(s: Buffer, i: number): bigint {
  return BigInt(s.readUInt32LE(i))
}

function rotate(val: bigint, shift: bigint): bigint {
  return shift === 0n ? val : u64((val >> shift) | (val << (64n - shift)))
}

function shiftMix(val: bigint): bigint {
  return val ^ (val >> 47n)
}

function hash128to64(low: bigint, high: bigint): bigint {
  let a = u64((low ^ high) * kMul)
  a ^= a >> 47n
  let b = u64((high ^ a) * kMul)
  b ^= b >> 47n
  return u64(b * kMul)
}

const hashLen16 = hash128to64

function hashLen0to16(s: Buffer, at: number, len: number): bigint {
  const n = BigInt(len)
  if (len > 8) {
    const a = fetch64(s, at)
    const b = fetch64(s, at + len - 8)
    return hashLen16(a, rotate(u64(b + n), n)) ^ b
  }
  if (len >= 4) {
    const a = fetch32(s, at)
    return hashLen16(u64(n + (a << 3n)), fetch32(s, at + len - 4))
  }
  if (len > 0) {
    const a = BigInt(s[at] ?? 0)
    const b = BigInt(s[at + (len >> 1)] ?? 0)
    const c = BigInt(s[at + len - 1] ?? 0)
    const y = (a + (b << 8n)) & 0xffffffffn
    const z = (n + (c << 2n)) & 0xffffffffn
    return u64(shiftMix(u64(y * k2) ^ u64(z * k3)) * k2)
  }
  return k2
}

function weakHashLen32WithSeeds(s: Buffer, at: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = fetch64(s, at)
  const x = fetch64(s, at + 8)
  const y = fetch64(s, at + 16)
  const z = fetch64(s, at + 24)
  a = u64(a + w)
  b = rotate(u64(b + a + z), 21n)
  const c = a
  a = u64(a + x + y)
  b = u64(b + rotate(a, 44n))
  return [u64(a + z), u64(b + c)]
}

function cityMurmur(
  s: Buffer,
  at: number,
  len: number,
  seedLow: bigint,
  seedHigh: bigint,
): Hash128 {
  let a = seedLow
  let b = seedHigh
  let c: bigint
  let d: bigint
  let l = len - 16
  if (l <= 0) {
    a = u64(shiftMix(u64(a * k1)) * k1)
    c = u64(b * k1 + hashLen0to16(s, at, len))
    d = shiftMix(u64(a + (len >= 8 ? fetch64(s, at) : c)))
  } else {
    c = hashLen16(u64(fetch64(s, at + len - 8) + k1), a)
    d = hashLen16(u64(b + BigInt(len)), u64(c + fetch64(s, at + len - 16)))
    a = u64(a + d)
    let p = at
    do {
      a ^= u64(shiftMix(u64(fetch64(s, p) * k1)) * k1)
      a = u64(a * k1)
      b ^= a
      c ^= u64(shiftMix(u64(fetch64(s, p + 8) * k1)) * k1)
      c = u64(c * k1)
      d ^= c
      p += 16
      l -= 16
    } while (l > 0)
  }
  a = hashLen16(a, c)
  b = hashLen16(d, b)
  return { low: a ^ b, high: hashLen16(b, a) }
}

// The 128-byte loop below carries almost all the work for a block of a megabyte, so it runs on
// 32-bit halves (BigInt there measured 8 MB/s, this about 40: the checksum covers compressed
// bytes, so that is some 150 MB/s of result); the set-up and the tail stay in BigInt, where
// they read like city.cc. `out64` holds the (high, low) result of the helpers that follow.
// A typed array, not two `let`s: a uint32 above 2^30 stored in a variable shared between
// functions becomes a heap number, one allocation per operation.
const out64 = new Uint32Array(2)

/** (ah:al) + (bh:bl) into out64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const l = al + bl
  out64[1] = l >>> 0
  out64[0] = (ah + bh + (l > 0xffffffff ? 1 : 0)) >>> 0
}

/** Rotate (ah:al) right by r, 0 < r < 32, into out64. */
function rotr(ah: number, al: number, r: number): void {
  out64[1] = ((al >>> r) | (ah << (32 - r))) >>> 0
  out64[0] = ((ah >>> r) | (al << (32 - r))) >>> 0
}

/** Rotate right by 32 <= r < 64 into out64. */
function rotrHigh(ah: number, al: number, r: number): void {
  if (r === 32) {
    out64[0] = al
    out64[1] = ah
  } else rotr(al, ah, r - 32)
}

/** Low 64 bits of (ah:al) * (kh:kl) into out64. */
function mul(ah: number, al: number, kh: number, kl: number): void {
  const a0 = al & 0xffff
  const a1 = al >>> 16
  const b0 = kl & 0xffff
  const b1 = kl >>> 16
  const p00 = a0 * b0
  const p01 = a0 * b1
  const p10 = a1 * b0
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
  out64[1] = ((mid << 16) | (p00 & 0xffff)) >>> 0
  out64[0] =
    (a1 * b1 +
      (p01 >>> 16) +
      (p10 >>> 16) +
      (mid >>> 16) +
      Math.imul(ah, kl) +
      Math.imul(al, kh)) >>>
    0
}

const k1h = Number(k1 >> 32n)
const k1l = Number(k1 & 0xffffffffn)

const high = (x: bigint): number => Number(x >> 32n)
const low = (x: bigint): number => Number(x & 0xffffffffn)
const join = (h: number, l: number): bigint => (BigInt(h) << 32n) | BigInt(l)

/**
 * The state of the 128-byte loop as 32-bit halves: x, y, z, v = (v0, v1), w = (w0, w1).
 * `weak` is WeakHashLen32WithSeeds(s + p, a, b), writing its pair into out[0..3].
 */
function weak(
  u: Uint32Array,
  p: number,
  ah: number,
  al: number,
  bh: number,
  bl: number,
  out: Uint32Array,
  o: number,
): void {
  // a += w
  add(ah, al, u[(p + 4) >> 2] as number, u[p >> 2] as number)
  ah = out64[0] as number
  al = out64[1] as number
  // b = Rotate(b + a + z, 21)
  add(bh, bl, ah, al)
  add(
    out64[0] as number,
    out64[1] as number,
    u[(p + 28) >> 2] as number,
    u[(p + 24) >> 2] as number,
  )
  rotr(out64[0] as number, out64[1] as number, 21)
  bh = out64[0] as number
  bl = out64[1] as number
  const ch = ah
  const cl = al
  // a += x; a += y
  add(ah, al, u[(p + 12) >> 2] as number, u[(p + 8) >> 2] as number)
  add(
    out64[0] as number,
    out64[1] as number,
    u[(p + 20) >> 2] as number,
    u[(p + 16) >> 2] as number,
  )
  ah = out64[0] as number
  al = out64[1] as number
  // b += Rotate(a, 44)
  rotrHigh(ah, al, 44)
  add(bh, bl, out64[0] as number, out64[1] as number)
  bh = out64[0] as number
  bl = out64[1] as number
  // (a + z, b + c)
  add(ah, al, u[(p + 28) >> 2] as number, u[(p + 24) >> 2] as number)
  out[o] = out64[0] as number
  out[o + 1] = out64[1] as number
  add(bh, bl, ch, cl)
  out[o + 2] = out64[0] as number
  out[o + 3] = out64[1] as number
}

function cityHash128WithSeed(
  s: Buffer,
  at: number,
  length: number,
  seedLow: bigint,
  seedHigh: bigint,
): Hash128 {
  if (length < 128) return cityMurmur(s, at, length, seedLow, seedHigh)
  let len = length
  const x0 = seedLow
  const y0 = seedHigh
  const z0 = u64(BigInt(len) * k1)
  const v0 = u64(rotate(y0 ^ k1, 49n) * k1 + fetch64(s, at))
  const v1 = u64(rotate(v0, 42n) * k1 + fetch64(s, at + 8))
  const w0 = u64(rotate(u64(y0 + z0), 35n) * k1 + x0)
  const w1 = u64(rotate(u64(x0 + fetch64(s, at + 88)), 53n) * k1)

  let xh = high(x0)
  let xl = low(x0)
  let yh = high(y0)
  let yl = low(y0)
  let zh = high(z0)
  let zl = low(z0)
  // v = state[0..3], w = state[4..7], each (first (out64[0] as number), first (out64[1] as number), second (out64[0] as number), second (out64[1] as number))
  const st = new Uint32Array([
    high(v0),
    low(v0),
    high(v1),
    low(v1),
    high(w0),
    low(w0),
    high(w1),
    low(w1),
  ])
  // The loop reads 32-bit words: an aligned copy of the bytes it covers (offsets relative to at).
  const loopBytes = length - (length % 128)
  const u = new Uint32Array(loopBytes / 4)
  new Uint8Array(u.buffer).set(s.subarray(at, at + loopBytes))
  let p = 0
  do {
    for (let half = 0; half < 2; half++) {
      // x = Rotate(x + y + v.first + Fetch64(s + 16), 37) * k1
      add(xh, xl, yh, yl)
      add(out64[0] as number, out64[1] as number, st[0] as number, st[1] as number)
      add(
        out64[0] as number,
        out64[1] as number,
        u[(p + 20) >> 2] as number,
        u[(p + 16) >> 2] as number,
      )
      rotrHigh(out64[0] as number, out64[1] as number, 37)
      mul(out64[0] as number, out64[1] as number, k1h, k1l)
      xh = out64[0] as number
      xl = out64[1] as number
      // y = Rotate(y + v.second + Fetch64(s + 48), 42) * k1
      add(yh, yl, st[2] as number, st[3] as number)
      add(
        out64[0] as number,
        out64[1] as number,
        u[(p + 52) >> 2] as number,
        u[(p + 48) >> 2] as number,
      )
      rotrHigh(out64[0] as number, out64[1] as number, 42)
      mul(out64[0] as number, out64[1] as number, k1h, k1l)
      yh = out64[0] as number
      yl = out64[1] as number
      // x ^= w.second; y ^= v.first
      xh = (xh ^ (st[6] as number)) >>> 0
      xl = (xl ^ (st[7] as number)) >>> 0
      yh = (yh ^ (st[0] as number)) >>> 0
      yl = (yl ^ (st[1] as number)) >>> 0
      // z = Rotate(z ^ w.first, 33)
      rotrHigh((zh ^ (st[4] as number)) >>> 0, (zl ^ (st[5] as number)) >>> 0, 33)
      zh = out64[0] as number
      zl = out64[1] as number
      // v = WeakHashLen32WithSeeds(s, v.second * k1, x + w.first)
      mul(st[2] as number, st[3] as number, k1h, k1l)
      const ah = out64[0] as number
      const al = out64[1] as number
      add(xh, xl, st[4] as number, st[5] as number)
      weak(u, p, ah, al, out64[0] as number, out64[1] as number, st, 0)
      // w = WeakHashLen32WithSeeds(s + 32, z + w.second, y)
      add(zh, zl, st[6] as number, st[7] as number)
      weak(u, p + 32, out64[0] as number, out64[1] as number, yh, yl, st, 4)
      // std::swap(z, x)
      const th = zh
      const tl = zl
      zh = xh
      zl = xl
      xh = th
      xl = tl
      p += 64
    }
    len -= 128
  } while (len >= 128)

  p += at
  let x = join(xh, xl)
  let y = join(yh, yl)
  const z = join(zh, zl)
  let v: [bigint, bigint] = [
    join(st[0] as number, st[1] as number),
    join(st[2] as number, st[3] as number),
  ]
  const w: [bigint, bigint] = [
    join(st[4] as number, st[5] as number),
    join(st[6] as number, st[7] as number),
  ]
  y = u64(y + u64(rotate(w[0], 37n) * k0) + z)
  x = u64(x + u64(rotate(u64(v[0] + z), 49n) * k0))
  // If 0 < len < 128, hash up to 4 chunks of 32 bytes each from the end of s.
  for (let tailDone = 0; tailDone < len;) {
    tailDone += 32
    y = u64(u64(rotate(u64(y - x), 42n) * k0) + v[1])
    w[0] = u64(w[0] + fetch64(s, p + len - tailDone + 16))
    x = u64(u64(rotate(x, 49n) * k0) + w[0])
    w[0] = u64(w[0] + v[0])
    v = weakHashLen32WithSeeds(s, p + len - tailDone, v[0], v[1])
  }
  x = hashLen16(x, v[0])
  y = hashLen16(y, w[0])
  return {
    low: u64(hashLen16(u64(x + v[1]), w[1]) + y),
    high: hashLen16(u64(x + w[1]), u64(y + v[1])),
  }
}

/** CityHash128 v1.0.2 of `data` (or of `data[start, end)`). */
export function cityHash128(data: Buffer, start = 0, end = data.length): Hash128 {
  const len = end - start
  if (len >= 16) {
    return cityHash128WithSeed(
      data,
      start + 16,
      len - 16,
      fetch64(data, start) ^ k3,
      fetch64(data, start + 8),
    )
  }
  if (len >= 8) {
    // v1.0.2 hashes no bytes here, only the seed made of the first and last 8 bytes.
    return cityHash128WithSeed(
      data,
      start,
      0,
      fetch64(data, start) ^ u64(BigInt(len) * k0),
      fetch64(data, start + len - 8) ^ k1,
    )
  }
  return cityHash128WithSeed(data, start, len, k0, k1)
}

/** The 16 checksum bytes as ClickHouse writes them before a compressed block. */
export function cityHash128Bytes(data: Buffer, start = 0, end = data.length): Buffer {
  const h = cityHash128(data, start, end)
  const out = Buffer.allocUnsafe(16)
  out.writeBigUInt64LE(h.low, 0)
  out.writeBigUInt64LE(h.high, 8)
  return out
}
