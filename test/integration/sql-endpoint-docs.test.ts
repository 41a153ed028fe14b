// docs/querying.md cannot drift from what runs: every example query in it is read from the file and
// run on the endpoint with @clickhouse/client, its table reference names only tables the
// migrations create, every table and column carries a comment (migration 0008 adds the missing
// ones), and `hookhouse sql` answers on the endpoint as documented.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, type ClickHouseClient as Client } from '@clickhouse/client'
import { embedded } from '../../lib/clickhouse/client-factory.ts'
import { repoRoot } from '../../lib/paths.ts'
import type { RunningSqlEndpoint } from '../../services/sql-endpoint/index.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { insertSeeds, startEndpoint } from './sql-endpoint-fixture.ts'

const doc = readFileSync(join(repoRoot, 'docs', 'querying.md'), 'utf8')

/** The section of the doc under a `## ` heading. */
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`docs/querying.md has no "## ${heading}"`)
  const end = doc.indexOf('\n## ', start + 1)
  return doc.slice(start, end < 0 ? undefined : end)
}

/** Each `### title` of the examples with its ```sql block. */
const examples = [...section('Example queries').matchAll(/### (.+)\n+```sql\n([\s\S]*?)```/g)].map(
  (m) => ({ title: m[1] ?? '', sql: (m[2] ?? '').trim() }),
)

let ch: TestClickHouse
let endpoint: RunningSqlEndpoint
let client: Client

beforeAll(async () => {
  ch = await createTestClickHouse()
  await insertSeeds(ch.client)
  endpoint = await startEndpoint(ch)
  client = createClient({ url: endpoint.url })
})

afterAll(async () => {
  await client?.close()
  await endpoint?.close()
  await ch?.cleanup()
})

describe('the example queries of docs/querying.md', () => {
  it('are ten, each under its own title', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10)
    expect(new Set(examples.map((e) => e.title)).size).toBe(examples.length)
  })

  for (const { title, sql } of examples)
    it(title, async () => {
      const rs = await client.query({ query: sql, format: 'JSONCompactEachRowWithNames' })
      const [names] = (await rs.json()) as [string[], ...unknown[][]]
      expect(names.length).toBeGreaterThan(1)
    })
})

describe('the table reference', () => {
  it('names only tables and views the database has, the main ones all there', async () => {
    const documented = [...section('Tables').matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1])
    const rs = await ch.client.query({
      query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
      format: 'JSONEachRow',
    })
    const actual = (await rs.json<{ name: string }>()).map((r) => r.name)
    expect(documented.filter((name) => !actual.includes(name ?? ''))).toEqual([])
    for (const main of ['events', 'commits', 'pipelines', 'jobs', 'deployments', 'merge_requests'])
      expect(documented).toContain(main)
  })

  it('every table and column has a comment', async () => {
    const q = async (sql: string) =>
      (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>()
    expect(
      await q("SELECT name FROM system.tables WHERE database = currentDatabase() AND comment = ''"),
    ).toEqual([])
    expect(
      await q(
        "SELECT table, name FROM system.columns WHERE database = currentDatabase() AND comment = ''",
      ),
    ).toEqual([])
  })
})

describe('hookhouse sql', () => {
  const run = async (args: string[], input?: string) => {
    const listen = new URL(endpoint.url)
    const child = promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'bin', 'hookhouse.ts'), 'sql', ...args],
      { env: { ...process.env, SQL_LISTEN: `${listen.hostname}:${listen.port}` } },
    )
    if (input !== undefined) {
      child.child.stdin?.end(input)
    } else child.child.stdin?.end()
    return child
  }

  it('prints the raw format when piped, equal to the in-process answer', async () => {
    const sql = 'SELECT project_path, count() AS n FROM jobs FINAL GROUP BY project_path ORDER BY 1'
    const { stdout } = await run([sql])
    const native = embedded.get(ch.client)?.chdb
    expect(stdout).toBe((await native?.queryAsync(sql, { format: 'TabSeparated' }))?.text())
    const csv = await run(['--format', 'CSVWithNames', 'SELECT 1 AS one'])
    expect(csv.stdout).toBe('"one"\n1\n')
  })

  it('reads the query from stdin', async () => {
    expect((await run([], 'SELECT 40 + 2')).stdout).toBe('42\n')
  })

  it('--tables describes every table and column with its comment', async () => {
    const { stdout } = await run(['--tables'])
    expect(stdout).toMatch(/^pipelines {2}-- CI pipelines, latest known state/m)
    expect(stdout).toMatch(/^ {2}lead_time_s +Nullable\(Float64\) +-- Seconds from first push/m)
    expect(stdout).not.toMatch(/^schema_migrations/m)
  })

  it('says what went wrong, with the server error, and exits 1', async () => {
    await expect(run(['SELECT * FROM nope'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^hookhouse sql: Code: 60\. DB::Exception: .*UNKNOWN_TABLE/),
    })
  })
})
