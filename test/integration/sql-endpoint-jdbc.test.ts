// The ClickHouse JDBC driver (what DBeaver uses), unmodified and with its default properties,
// against the endpoint: it asks for compress=1 (LZ4 blocks with CityHash128 checksums, which it
// checks) and RowBinaryWithNamesAndTypes, and sends async_insert=0 with every query. A tiny Java
// program run by `java` prints what the driver read; the driver comes from Maven Central like the
// test broker's jars (Java and Maven are already needed for those).
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSqlEndpoint } from '../../services/sql-endpoint/index.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { insertSeeds, startEndpoint } from './sql-endpoint-fixture.ts'

const run = promisify(execFile)
const driver = 'com.clickhouse:clickhouse-jdbc:0.9.4:jar:all'
const slf4j = 'org.slf4j:slf4j-api:1.7.36'

const probe = `
import java.sql.*;
import java.util.Properties;
public class Probe {
  public static void main(String[] a) throws Exception {
    Class.forName("com.clickhouse.jdbc.Driver");
    Properties p = new Properties();
    p.setProperty("user", "default");
    p.setProperty("password", "");
    try (Connection c = DriverManager.getConnection(a[0], p)) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(a[1])) {
        long rows = 0, sum = 0;
        while (rs.next()) { rows++; sum += rs.getLong(1); }
        System.out.println("big " + rows + " " + sum);
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(a[2])) {
        while (rs.next()) System.out.println("row " + rs.getString(1) + " " + rs.getString(2));
      }
      try (ResultSet t = c.getMetaData().getTables(null, "hookhouse", "%", null)) {
        int n = 0;
        while (t.next()) n++;
        System.out.println("tables " + n);
      }
    }
  }
}
`

let ch: TestClickHouse
let endpoint: RunningSqlEndpoint
let dir: string

beforeAll(async () => {
  ch = await createTestClickHouse()
  await insertSeeds(ch.client)
  endpoint = await startEndpoint(ch)
  dir = mkdtempSync(join(tmpdir(), 'hookhouse-jdbc-'))
  for (const artifact of [driver, slf4j])
    await run(
      'mvn',
      ['-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`],
      {
        timeout: 240_000,
      },
    )
  writeFileSync(join(dir, 'Probe.java'), probe)
}, 300_000)

afterAll(async () => {
  await endpoint?.close()
  await ch?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('ClickHouse JDBC driver 0.9.4, default properties', () => {
  it('reads a 2M-row result in compressed blocks, a table, and the table list', async () => {
    const classpath = readdirSync(dir)
      .filter((f) => f.endsWith('.jar'))
      .map((f) => join(dir, f))
      .join(':')
    const { port } = new URL(endpoint.url)
    const { stdout } = await run(
      'java',
      [
        '-cp',
        classpath,
        join(dir, 'Probe.java'),
        `jdbc:clickhouse://127.0.0.1:${port}/hookhouse`,
        'SELECT number FROM numbers(2000000)',
        'SELECT count(), sum(pipeline_id) FROM pipelines FINAL',
      ],
      { timeout: 120_000 },
    )
    const lines = stdout.trim().split('\n')
    expect(lines).toContain(`big 2000000 ${(1999999 * 2000000) / 2}`)
    const rs = await ch.client.query({
      query: 'SELECT count() AS n, sum(pipeline_id) AS s FROM pipelines FINAL',
      format: 'JSONEachRow',
    })
    const [want] = await rs.json<{ n: number; s: number }>()
    expect(lines).toContain(`row ${want?.n} ${want?.s}`)
    const tables = await ch.client.query({
      query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase()',
      format: 'JSONEachRow',
    })
    const [t] = await tables.json<{ n: number }>()
    expect(lines).toContain(`tables ${t?.n}`)
  })
})
