// The SQL endpoint is read-only by construction and cannot starve the pipeline: every write, every
// way out of the database and every setting change is refused with ClickHouse's own error and
// changes no table; the limits on results, time, concurrency and credentials hold; and a projector
// batch committed while a 5-second user query runs is visible within the usual freshness.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { pino } from 'pino'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { createProjectorMetrics } from '../../services/projector/metrics.ts'
import { startProjector, type RunningProjector } from '../../services/projector/projector.ts'
import type { RunningSqlEndpoint } from '../../services/sql-endpoint/index.ts'
import { codes } from '../../services/sql-endpoint/errors.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { startTestIngest, type TestIngest } from '../support/ingest.ts'
import { seed } from '../support/seeds.ts'

const PUSH_SEED = 'gitlab-11/push'
import { http, insertSeeds, startEndpoint, tableCounts } from './sql-endpoint-fixture.ts'

let ch: TestClickHouse
let open: RunningSqlEndpoint
let tight: RunningSqlEndpoint
let before: Record<string, number>
const outfile = join(mkdtempSync(join(tmpdir(), 'hookhouse-outfile-')), 'leak.csv')

beforeAll(async () => {
  ch = await createTestClickHouse()
  // Raw row counts prove nothing was written; a background merge folding twins of a
  // ReplacingMergeTree (project_paths) would change them too, so merges wait for the test.
  await ch.client.command({ query: 'SYSTEM STOP MERGES' })
  await insertSeeds(ch.client)
  before = await tableCounts(ch.client)
  open = await startEndpoint(ch)
  tight = await startEndpoint(
    ch,
    { maxResultRows: 1000, maxExecutionSeconds: 1, maxConcurrentQueries: 1 },
    { user: 'analyst', password: 's3cret' },
  )
})

afterAll(async () => {
  await open?.close()
  await tight?.close()
  await ch?.cleanup()
})

async function refused(sql: string, code: number, text: RegExp) {
  const res = await http(`${open.url}?query=${encodeURIComponent(sql)}`)
  expect(res.status, `${sql}: ${res.text}`).toBeGreaterThanOrEqual(400)
  expect(res.headers.get('x-clickhouse-exception-code'), `${sql}: ${res.text}`).toBe(String(code))
  expect(res.text).toMatch(/^Code: \d+\. DB::Exception: /)
  expect(res.text).toMatch(text)
}

const readonlyMode = /Cannot execute query in readonly mode/

describe('refused by the engine on the endpoint session (readonly=1)', () => {
  const cases: [string, number, RegExp][] = [
    ['INSERT INTO pipelines (project_id, pipeline_id) VALUES (1, 1)', codes.READONLY, readonlyMode],
    ['CREATE TABLE t (a Int8) ENGINE = Memory', codes.READONLY, readonlyMode],
    ['DROP TABLE pipelines', codes.READONLY, readonlyMode],
    ['TRUNCATE TABLE jobs', codes.READONLY, readonlyMode],
    ['ALTER TABLE jobs DELETE WHERE 1', codes.READONLY, readonlyMode],
    ['OPTIMIZE TABLE jobs FINAL', codes.READONLY, readonlyMode],
    ['SET readonly = 0', codes.READONLY, /Cannot modify 'readonly' setting in readonly mode/],
    [
      'SELECT 1 SETTINGS readonly = 0',
      codes.READONLY,
      /Cannot modify 'readonly' setting in readonly mode/,
    ],
    ['SET max_result_rows = 0', codes.READONLY, /Cannot modify 'max_result_rows' setting/],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", codes.READONLY, readonlyMode],
    ["SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')", codes.READONLY, readonlyMode],
    ["SELECT * FROM s3('http://127.0.0.1:9/bucket/key.csv', 'CSV')", codes.READONLY, readonlyMode],
    ["SELECT * FROM remote('127.0.0.1:9', system.one)", codes.READONLY, readonlyMode],
    [
      "SELECT * FROM executable('cat /etc/passwd', 'LineAsString', 'x String')",
      codes.READONLY,
      readonlyMode,
    ],
    // clickhouse-local's default database reads files named as tables.
    ['SELECT * FROM default.`/etc/passwd`', codes.READONLY, readonlyMode],
    ['SYSTEM FLUSH LOGS', codes.READONLY, /not allowed on this endpoint/],
  ]
  for (const [sql, code, text] of cases) it(sql, () => refused(sql, code, text))

  it('refuses a setting change sent as a URL parameter, and accepts the value already set', async () => {
    const change = await http(`${open.url}?query=SELECT+1&max_threads=1`)
    expect(change.headers.get('x-clickhouse-exception-code')).toBe(String(codes.READONLY))
    expect(change.text).toMatch(/Cannot modify 'max_threads' setting in readonly mode/)
    expect((await http(`${open.url}?query=SELECT+1&readonly=1`)).text).toBe('1\n')
  })
})

describe('refused by the endpoint before the engine (the engine lets these through on readonly=1)', () => {
  it('SYSTEM STOP MERGES', () =>
    refused('SYSTEM STOP MERGES', codes.READONLY, /SYSTEM is not allowed/))
  it('KILL QUERY', () => refused('KILL QUERY WHERE 1', codes.READONLY, /KILL is not allowed/))
  it('UNDROP', () => refused('UNDROP TABLE jobs', codes.READONLY, /UNDROP is not allowed/))
  it('SET ROLE', () => refused('SET ROLE NONE', codes.READONLY, /SET ROLE is not allowed/))
  it("the scalar file('/etc/passwd'), which reads any file", () =>
    refused("SELECT file('/etc/passwd')", codes.READONLY, /function file\(\) reads files/))
  it('INTO OUTFILE, which writes a file', async () => {
    await refused(
      `SELECT 1 INTO OUTFILE '${outfile}'`,
      codes.INTO_OUTFILE_NOT_ALLOWED,
      /INTO OUTFILE is not allowed/,
    )
    expect(existsSync(outfile)).toBe(false)
  })
  it('several statements in one request', () =>
    refused('SELECT 1; DROP TABLE jobs', codes.SYNTAX_ERROR, /Multi-statements are not allowed/))
  it('a file() call hidden in a quoted identifier or a subquery', async () => {
    await refused("SELECT `file`('/etc/passwd')", codes.READONLY, /function file\(\)/)
    await refused(
      "SELECT * FROM (SELECT FILE('/etc/passwd') AS x)",
      codes.READONLY,
      /function FILE\(\)/,
    )
  })
  it('but not the word file in a string, a comment or a column name', async () => {
    const res = await http(
      `${open.url}?query=${encodeURIComponent("SELECT 'file(x)' AS file -- file('/etc/passwd')")}`,
    )
    expect(res.text).toBe('file(x)\n')
  })
})

describe('the tables after every refusal', () => {
  it('are unchanged', async () => {
    expect(await tableCounts(ch.client)).toEqual(before)
  })
})

describe('limits and credentials', () => {
  const auth = { 'X-ClickHouse-User': 'analyst', 'X-ClickHouse-Key': 's3cret' }

  it('refuses a result over max_result_rows', async () => {
    const res = await http(
      `${tight.url}?query=${encodeURIComponent('SELECT number FROM numbers(5000)')}`,
      { headers: auth },
    )
    expect(res.headers.get('x-clickhouse-exception-code')).toBe(
      String(codes.TOO_MANY_ROWS_OR_BYTES),
    )
    expect(res.status).toBe(500)
    expect(res.text).toMatch(/Limit for result exceeded, max rows: 1\.00 thousand/)
  })

  it('stops a query over max_execution_time with 408', async () => {
    const res = await http(
      `${tight.url}?query=${encodeURIComponent('SELECT count() FROM numbers(1000000000000)')}`,
      { headers: auth },
    )
    expect(res.headers.get('x-clickhouse-exception-code')).toBe(String(codes.TIMEOUT_EXCEEDED))
    expect(res.status).toBe(408)
    // The endpoint has one session here: the next answer on it is whole (the dashboards' client
    // path once returned the stopped query's JSON ahead of the next answer).
    const next = await http(`${tight.url}?query=${encodeURIComponent('SELECT 41 + 1')}`, {
      headers: auth,
    })
    expect(next.status).toBe(200)
    expect(next.text).toBe('42\n')
  })

  it('refuses a wrong or missing password with 403, accepts the right one in every form', async () => {
    const q = `${tight.url}?query=SELECT+1`
    for (const res of [
      await http(q),
      await http(q, { headers: { ...auth, 'X-ClickHouse-Key': 'wrong' } }),
      await http(`${q}&user=analyst&password=nope`),
      await http(q, {
        headers: { Authorization: `Basic ${Buffer.from('default:s3cret').toString('base64')}` },
      }),
    ]) {
      expect(res.status).toBe(403)
      expect(res.headers.get('x-clickhouse-exception-code')).toBe(
        String(codes.AUTHENTICATION_FAILED),
      )
    }
    for (const res of [
      await http(q, { headers: auth }),
      await http(`${q}&user=analyst&password=s3cret`),
      await http(q, {
        headers: { Authorization: `Basic ${Buffer.from('analyst:s3cret').toString('base64')}` },
      }),
    ])
      expect(res.text).toBe('1\n')
  })

  it('answers like the server when more queries run than allowed', async () => {
    const slow = http(`${tight.url}?query=${encodeURIComponent('SELECT sleep(0.8)')}`, {
      headers: auth,
    })
    await new Promise((r) => setTimeout(r, 200))
    const second = await http(`${tight.url}?query=SELECT+1`, { headers: auth })
    expect(second.headers.get('x-clickhouse-exception-code')).toBe(
      String(codes.TOO_MANY_SIMULTANEOUS_QUERIES),
    )
    expect(second.text).toMatch(/Too many simultaneous queries\. Maximum: 1/)
    expect((await slow).status).toBe(200)
  })
})

describe('a slow user query and the projector', () => {
  let ingest: TestIngest
  let projector: RunningProjector

  afterAll(async () => {
    await projector?.close()
    await ingest?.stop()
  })

  it('a batch committed while a 5-second user query runs is visible within the usual freshness', async () => {
    const brokers = inject('kafkaBrokers')
    ingest = await startTestIngest(brokers)
    projector = await startProjector({
      brokers,
      topic: ingest.topic,
      deadLetterTopic: ingest.deadLetterTopic,
      groupId: `projector-${randomUUID()}`,
      clickhouse: ch.client,
      eventCodec: createCodec<Event>(schemasDir, 'event'),
      deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
      log: pino({ level: 'silent' }),
      metrics: createProjectorMetrics(),
      batchMaxEvents: 100,
      batchMaxWaitMs: 250,
    })
    // A delivery with its own Idempotency-Key: a new event id, so a new row.
    const eventId = randomUUID()
    const countEvents = async () => {
      const rs = await ch.client.query({
        query: 'SELECT count() AS n FROM events WHERE event_id = {id:String}',
        query_params: { id: eventId },
        format: 'JSONEachRow',
      })
      return Number((await rs.json<{ n: number }>())[0]?.n)
    }
    const eventsBefore = await countEvents()
    expect(eventsBefore).toBe(0)

    // Two sleeps of 2.5 s one after the other (the scalar subquery runs first and its value is
    // the outer sleep's argument): one 5-second query on the endpoint's session.
    const fiveSeconds =
      'SELECT sleepEachRow((SELECT 2.5 + sleepEachRow(2.5) FROM numbers(1))) FROM numbers(1)'
    const startedAt = Date.now()
    const slow = http(`${open.url}?query=${encodeURIComponent(fiveSeconds)}`)
    await new Promise((r) => setTimeout(r, 300))

    const delivery = seed(PUSH_SEED)
    const posted = Date.now()
    const res = await ingest.post(delivery.body, {
      ...delivery.headers,
      'Idempotency-Key': eventId,
    })
    expect(res.status).toBe(200)
    while ((await countEvents()) === eventsBefore) {
      if (Date.now() - posted > 4000) throw new Error('the batch did not show up within 4 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    const visibleAfter = Date.now() - posted
    const slowAnswer = await slow
    const slowTook = Date.now() - startedAt
    expect(slowAnswer.status, slowAnswer.text).toBe(200)
    expect(slowTook).toBeGreaterThanOrEqual(4900)
    // Visible while the user query was still running, well inside the freshness the
    // benchmarks report (batch wait 250 ms plus the insert).
    expect(posted + visibleAfter).toBeLessThan(startedAt + slowTook)
    expect(visibleAfter).toBeLessThan(3000)
  })
})
