import { describe, expect, it } from 'vitest'
import { derivedTables } from '../../lib/clickhouse/derived-tables.ts'
import { clusterize, loadMigrations, splitStatements } from '../../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../../lib/paths.ts'

describe('migration files', () => {
  it('are numbered without gaps and each holds at least one statement', () => {
    const all = loadMigrations(migrationsDir)
    expect(all.map((m) => m.version)).toEqual(all.map((_, i) => i + 1))
    for (const m of all) expect(m.statements.length).toBeGreaterThan(0)
  })
})

describe('derived tables', () => {
  it('lists every table a materialized view of the migrations fills, so replay empties it', () => {
    const targets = new Set<string>()
    for (const m of loadMigrations(migrationsDir))
      for (const s of m.statements) {
        const to =
          /^CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+TO\s+(\w+)/i.exec(s)
        if (to?.[1]) targets.add(to[1])
      }
    expect([...targets].sort()).toEqual([...derivedTables].sort())
  })
})

describe('splitStatements', () => {
  it('splits on semicolons that end a line and drops comment lines', () => {
    const sql =
      "-- a comment; with a semicolon\nCREATE TABLE a (x String DEFAULT ';')\nENGINE = Memory;\n\nSELECT 1;"
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (x String DEFAULT ';')\nENGINE = Memory",
      'SELECT 1',
    ])
  })
})

describe('clusterize', () => {
  it('adds ON CLUSTER and makes MergeTree engines Replicated, keeping their arguments', () => {
    const out = clusterize(
      'CREATE TABLE IF NOT EXISTS events (id String) ENGINE = ReplacingMergeTree(received_at) ORDER BY id',
      'main',
    )
    expect(out).toBe(
      "CREATE TABLE IF NOT EXISTS events ON CLUSTER main (id String) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', received_at) ORDER BY id",
    )
  })

  it('handles engines without arguments, views and ALTER', () => {
    expect(clusterize('CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x', 'c')).toBe(
      "CREATE TABLE t ON CLUSTER c (x UInt8) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') ORDER BY x",
    )
    expect(clusterize('CREATE MATERIALIZED VIEW IF NOT EXISTS mv TO t AS SELECT 1', 'c')).toBe(
      'CREATE MATERIALIZED VIEW IF NOT EXISTS mv ON CLUSTER c TO t AS SELECT 1',
    )
    expect(clusterize('CREATE OR REPLACE VIEW v (x UInt8) AS SELECT 1', 'c')).toBe(
      'CREATE OR REPLACE VIEW v ON CLUSTER c (x UInt8) AS SELECT 1',
    )
    expect(clusterize('ALTER TABLE t ADD COLUMN y UInt8', 'c')).toBe(
      'ALTER TABLE t ON CLUSTER c ADD COLUMN y UInt8',
    )
  })
})
