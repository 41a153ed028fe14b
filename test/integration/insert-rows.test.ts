// insertRows against the real engine: every column type the tables use survives the RowBinary
// path (and the JSON path a server gets) byte for byte, and a value that does not fit its column
// is refused with the column's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { insertRows, sweepOrphans, type InsertRow } from '../../lib/clickhouse/insert-rows.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'

let ch: TestClickHouse

beforeAll(async () => {
  ch = await createTestClickHouse()
  await ch.client.command({
    query: `CREATE TABLE every_type (
      s String,
      lc LowCardinality(String),
      i Int64,
      u UInt64,
      u32 UInt32,
      b Bool,
      f Nullable(Float64),
      ni Nullable(Int64),
      t DateTime64(3, 'UTC'),
      nt Nullable(DateTime64(3, 'UTC')),
      a Array(String)
    ) ENGINE = MergeTree ORDER BY s`,
  })
})

afterAll(async () => {
  await ch?.cleanup()
})

async function readBack(): Promise<Record<string, unknown>[]> {
  const rs = await ch.client.query({
    query: `SELECT s, lc, toString(i) AS i, toString(u) AS u, u32, b, f, ni,
      toUnixTimestamp64Milli(t) AS t, toUnixTimestamp64Milli(nt) AS nt, a
      FROM every_type ORDER BY s`,
    format: 'JSONEachRow',
  })
  return rs.json()
}

describe('insertRows', () => {
  it('stores every column type it writes exactly as given', async () => {
    const long = `{"note": "tab\\t, newline\\n, quote \\" and ünïcødé ✓", "x": "${'y'.repeat(300)}"}`
    const rows: InsertRow[] = [
      {
        s: 'a-short ü ✓',
        lc: 'push',
        i: -42,
        u: '18446744073709551615',
        u32: 4_294_967_295,
        b: true,
        f: 63.5,
        ni: null,
        t: '2016-08-12T15:23:28.123Z',
        nt: null,
        a: ['x', 'ÿ', ''],
      },
      {
        s: 'b-bytes',
        lc: '',
        i: 9_007_199_254_740_991,
        u: 0,
        u32: 0,
        b: false,
        f: null,
        ni: -9_007_199_254_740_991,
        t: 0,
        nt: Date.UTC(2026, 10, 23, 12, 0, 0, 7),
        a: [],
      },
      { ...emptyRow(), s: `c-${long}` },
      { ...emptyRow(), s: 'd-body', lc: 'payload' },
    ]
    // An event's body arrives as bytes: written as they are, read back as the same text.
    const withBytes = rows.map((r) =>
      r.lc === 'payload' ? { ...r, s: Buffer.from(`d-${long}`, 'utf8') } : r,
    )
    await insertRows(ch.client, 'every_type', withBytes)
    expect(await readBack()).toEqual([
      {
        s: 'a-short ü ✓',
        lc: 'push',
        i: '-42',
        u: '18446744073709551615',
        u32: 4_294_967_295,
        b: true,
        f: 63.5,
        ni: null,
        t: Date.UTC(2016, 7, 12, 15, 23, 28, 123),
        nt: null,
        a: ['x', 'ÿ', ''],
      },
      {
        s: 'b-bytes',
        lc: '',
        i: '9007199254740991',
        u: '0',
        u32: 0,
        b: false,
        f: null,
        ni: -9_007_199_254_740_991,
        t: 0,
        nt: Date.UTC(2026, 10, 23, 12, 0, 0, 7),
        a: [],
      },
      { ...emptyRead(), s: `c-${long}` },
      { ...emptyRead(), s: `d-${long}`, lc: 'payload' },
    ])
  })

  it('refuses a value its column cannot hold, naming the column, and stores nothing', async () => {
    await ch.client.command({ query: 'TRUNCATE TABLE every_type' })
    await expect(
      insertRows(ch.client, 'every_type', [
        { ...emptyRow(), s: 'ok' },
        { ...emptyRow(), u32: -1 },
      ]),
    ).rejects.toThrow(/column u32 \(UInt32\)/)
    await expect(
      insertRows(ch.client, 'every_type', [{ ...emptyRow(), t: 'not a time' }]),
    ).rejects.toThrow(/column t \(DateTime64/)
    await expect(insertRows(ch.client, 'every_type', [{ ...emptyRow(), nope: 1 }])).rejects.toThrow(
      /has no column nope/,
    )
    expect(await readBack()).toEqual([])
  })
})

describe('sweepOrphans', () => {
  it('removes the scratch files of processes that no longer run, and only those', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookhouse-scratch-'))
    try {
      // A pid that just ran and exited: free, and not reused this soon.
      const dead = spawnSync('true').pid
      const uuid = '0d2f3a4e-1111-4222-8333-944455556666'
      const names = [
        `hookhouse-insert-${dead}-${uuid}.rowbinary`,
        `hookhouse-insert-${process.pid}-${uuid}.rowbinary`,
        `hookhouse-insert-1-${uuid}.rowbinary`, // init always runs
        'unrelated-file',
      ]
      for (const n of names) writeFileSync(join(dir, n), 'x')
      sweepOrphans(dir)
      expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

function emptyRow(): Record<string, InsertRow[string]> {
  return { s: '', lc: '', i: 0, u: 0, u32: 0, b: false, f: null, ni: null, t: 0, nt: null, a: [] }
}

function emptyRead(): Record<string, unknown> {
  return {
    lc: '',
    i: '0',
    u: '0',
    u32: 0,
    b: false,
    f: null,
    ni: null,
    t: 0,
    nt: null,
    a: [],
  }
}
