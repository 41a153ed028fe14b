// The SQL endpoint speaks ClickHouse's HTTP interface well enough for unmodified clients: the
// official @clickhouse/client (bound parameters; JSONEachRow, CSV, Parquet; with and without
// response compression) and curl-style requests (?query=, a POST body, both, compress=1 decoded
// here, RowBinaryWithNamesAndTypes decoded here). Every answer is compared with the same query run
// in-process on the same engine; the seed deliveries are the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ClickHouseLogLevel,
  createClient,
  extractErrorAtTheEndOfChunk,
  type ClickHouseClient as Client,
} from '@clickhouse/client'
import { get } from 'node:http'
import { uncompressSync } from 'lz4-napi'
import { embedded } from '../../lib/clickhouse/client-factory.ts'
import type { RunningSqlEndpoint } from '../../services/sql-endpoint/index.ts'
import { cityHash128Bytes } from '../../services/sql-endpoint/cityhash128.ts'
import { codes } from '../../services/sql-endpoint/errors.ts'
import { encodeBlock } from '../../services/sql-endpoint/native-compression.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { http, insertSeeds, startEndpoint } from './sql-endpoint-fixture.ts'

let ch: TestClickHouse
let endpoint: RunningSqlEndpoint
let client: Client
let compressed: Client

/** The same query, in-process: the engine's own bytes in that format. */
async function inProcess(sql: string, format: string): Promise<Buffer> {
  const native = embedded.get(ch.client)?.chdb
  if (!native) throw new Error('embedded engine expected')
  const r = await native.queryAsync(sql, { format })
  return Buffer.from(r.bytes())
}

const url = (query: string, extra = '') =>
  `${endpoint.url}?query=${encodeURIComponent(query)}${extra}`

beforeAll(async () => {
  ch = await createTestClickHouse()
  await insertSeeds(ch.client)
  endpoint = await startEndpoint(ch)
  // Quiet: the error tests below make the client log each refused query.
  const log = { level: ClickHouseLogLevel.OFF }
  client = createClient({ url: endpoint.url, log })
  compressed = createClient({ url: endpoint.url, compression: { response: true }, log })
})

afterAll(async () => {
  await client?.close()
  await compressed?.close()
  await endpoint?.close()
  await ch?.cleanup()
})

const pipelinesSql =
  'SELECT project_id, pipeline_id, project_path, status, duration_s, created_at, is_tag FROM pipelines FINAL ORDER BY project_id, pipeline_id'

describe('@clickhouse/client, unmodified', () => {
  it('has data to read: the seeds are projected', async () => {
    const rs = await client.query({
      query: 'SELECT count() AS n FROM pipelines',
      format: 'JSONEachRow',
    })
    const [row] = await rs.json<{ n: number }>()
    expect(Number(row?.n)).toBeGreaterThan(0)
  })

  for (const [name, c] of [
    ['without response compression', () => client],
    ['with response compression', () => compressed],
  ] as const) {
    describe(name, () => {
      it('runs a query with bound parameters and reads JSONEachRow equal to the in-process rows', async () => {
        const query =
          'SELECT project_path, status, count() AS n FROM jobs FINAL WHERE project_id >= {min:Int64} AND status IN {statuses:Array(String)} GROUP BY project_path, status ORDER BY project_path, status'
        const query_params = { min: 0, statuses: ['success', 'failed', 'running', 'pending'] }
        const rs = await c().query({ query, query_params, format: 'JSONEachRow' })
        const got = await rs.json()
        const want = await (
          await ch.client.query({ query, query_params, format: 'JSONEachRow' })
        ).json()
        expect(got.length).toBeGreaterThan(0)
        expect(got).toEqual(want)
      })

      it('reads CSV equal to the in-process text', async () => {
        const rs = await c().query({ query: pipelinesSql, format: 'CSV' })
        const got = await rs.text()
        expect(got).toBe((await inProcess(pipelinesSql, 'CSV')).toString())
        expect(got.split('\n').length).toBeGreaterThan(2)
      })

      it('reads Parquet byte for byte as the engine writes it', async () => {
        const rs = await c().exec({ query: `${pipelinesSql} FORMAT Parquet` })
        const parts: Buffer[] = []
        for await (const chunk of rs.stream as AsyncIterable<Buffer>) parts.push(chunk)
        const got = Buffer.concat(parts)
        expect(got.subarray(0, 4).toString()).toBe('PAR1')
        expect(got.equals(await inProcess(pipelinesSql, 'Parquet'))).toBe(true)
      })
    })
  }

  it('gets a ClickHouseError with the engine code for an unknown table', async () => {
    await expect(
      client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }),
    ).rejects.toMatchObject({
      code: String(codes.UNKNOWN_TABLE),
      type: 'UNKNOWN_TABLE',
    })
  })

  it('pings', async () => {
    expect((await client.ping()).success).toBe(true)
  })
})

describe('curl-style requests', () => {
  it('answers a GET with ?query= in TabSeparated, with the headers clients read', async () => {
    const res = await http(
      url(
        'SELECT project_path, count() FROM commits GROUP BY project_path ORDER BY 1',
        '&query_id=q-1',
      ),
    )
    expect(res.status).toBe(200)
    expect(res.text).toBe(
      (
        await inProcess(
          'SELECT project_path, count() FROM commits GROUP BY project_path ORDER BY 1',
          'TabSeparated',
        )
      ).toString(),
    )
    expect(res.headers.get('x-clickhouse-query-id')).toBe('q-1')
    expect(res.headers.get('x-clickhouse-format')).toBe('TabSeparated')
    expect(res.headers.get('x-clickhouse-timezone')).toBeTruthy()
    expect(res.headers.get('x-clickhouse-server-display-name')).toBeTruthy()
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=UTF-8')
    const summary = JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}') as Record<
      string,
      string
    >
    expect(Number(summary.result_rows)).toBeGreaterThan(0)
  })

  it('takes the query from a POST body, and joins ?query= and the body with a newline', async () => {
    const body = await http(endpoint.url, {
      method: 'POST',
      body: `${pipelinesSql} FORMAT JSONEachRow`,
    })
    expect(body.status).toBe(200)
    expect(body.text).toBe((await inProcess(pipelinesSql, 'JSONEachRow')).toString())
    const joined = await http(url('SELECT count() FROM pipelines'), {
      method: 'POST',
      body: "WHERE status = 'success'",
    })
    expect(joined.text).toBe(
      (
        await inProcess("SELECT count() FROM pipelines\nWHERE status = 'success'", 'TabSeparated')
      ).toString(),
    )
  })

  it('takes the format from X-ClickHouse-Format, then default_format; the SQL FORMAT wins over both', async () => {
    const viaHeader = await http(url('SELECT 1 AS x'), {
      headers: { 'X-ClickHouse-Format': 'JSONEachRow' },
    })
    expect(viaHeader.text).toBe('{"x":1}\n')
    const viaParam = await http(url('SELECT 1 AS x', '&default_format=CSVWithNames'))
    expect(viaParam.text).toBe('"x"\n1\n')
    const sqlWins = await http(url('SELECT 1 AS x FORMAT TSVWithNames', '&default_format=CSV'))
    expect(sqlWins.text).toBe('x\n1\n')
    expect(sqlWins.headers.get('x-clickhouse-format')).toBe('TabSeparatedWithNames')
  })

  it('binds param_ values and reads database from the parameter or the header', async () => {
    const res = await http(
      url(
        'SELECT {p:String} AS v, currentDatabase() AS db FORMAT JSONEachRow',
        '&param_p=a%09b&database=system',
      ),
    )
    expect(JSON.parse(res.text)).toEqual({ v: 'a\tb', db: 'system' })
    const header = await http(url('SELECT currentDatabase()'), {
      headers: { 'X-ClickHouse-Database': 'system' },
    })
    expect(header.text).toBe('system\n')
    // The next request is back on the default database.
    expect((await http(url('SELECT currentDatabase()'))).text).toBe(`${ch.target.database}\n`)
  })

  it('answers compress=1 in ClickHouse blocks: CityHash128 checksums and LZ4, decoded here', async () => {
    const sql = 'SELECT number, toString(number * 7) AS s FROM numbers(300000) FORMAT CSV'
    const res = await http(url(sql, '&compress=1'))
    expect(res.status).toBe(200)
    const plain: Buffer[] = []
    let at = 0
    let blocks = 0
    while (at < res.body.length) {
      const method = res.body[at + 16]
      const compressedSize = res.body.readUInt32LE(at + 17)
      const size = res.body.readUInt32LE(at + 21)
      const end = at + 16 + compressedSize
      expect(method).toBe(0x82)
      expect(res.body.subarray(at, at + 16).equals(cityHash128Bytes(res.body, at + 16, end))).toBe(
        true,
      )
      const prefixed = Buffer.alloc(4 + compressedSize - 9)
      prefixed.writeUInt32LE(size, 0)
      res.body.copy(prefixed, 4, at + 25, end)
      plain.push(uncompressSync(prefixed))
      expect(size).toBeLessThanOrEqual(1024 * 1024)
      at = end
      blocks++
    }
    expect(blocks).toBeGreaterThan(1)
    expect(Buffer.concat(plain).equals(await inProcess(sql, 'CSV'))).toBe(true)
  })

  it('answers a RowBinaryWithNamesAndTypes result decoded here equal to the in-process rows', async () => {
    const res = await http(url(`${pipelinesSql} FORMAT RowBinaryWithNamesAndTypes`))
    const decoded = decodeRowBinary(res.body)
    expect(decoded.names).toEqual([
      'project_id',
      'pipeline_id',
      'project_path',
      'status',
      'duration_s',
      'created_at',
      'is_tag',
    ])
    const want = (await inProcess(pipelinesSql, 'JSONEachRow'))
      .toString()
      .trim()
      .split('\n')
      .map((l) => Object.values(JSON.parse(l) as Record<string, unknown>))
    expect(decoded.rows).toEqual(want)
  })

  it('streams a large result in the joinable formats exactly as the one-shot engine answer', async () => {
    const sql = 'SELECT number, toString(number) AS s, number % 7 = 0 AS b FROM numbers(250000)'
    for (const format of [
      'JSONEachRow',
      'CSVWithNames',
      'TabSeparatedWithNamesAndTypes',
      'RowBinaryWithNamesAndTypes',
      'JSONCompactEachRowWithNames',
      'Values',
    ]) {
      const res = await http(url(`${sql} FORMAT ${format}`))
      expect(res.status, format).toBe(200)
      expect(res.body.equals(await inProcess(sql, format)), format).toBe(true)
    }
  })

  it('compresses with gzip when enable_http_compression=1 and Accept-Encoding allow it', async () => {
    const res = await fetch(url(pipelinesSql, '&enable_http_compression=1'), {
      headers: { 'Accept-Encoding': 'gzip' },
    })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(await res.text()).toBe((await inProcess(pipelinesSql, 'TabSeparated')).toString())
  })

  it('answers errors with the status and code the server gives', async () => {
    const unknown = await http(url('SELECT * FROM nope'))
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('x-clickhouse-exception-code')).toBe(String(codes.UNKNOWN_TABLE))
    expect(unknown.text).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\)\n$/)
    const syntax = await http(url('SELECT (1'))
    expect(syntax.status).toBe(400)
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe(String(codes.SYNTAX_ERROR))
  })

  it('ends an answer that fails after its first MiB with the exception in-band and a cut stream', async () => {
    const sql = "SELECT number, throwIf(number = 600000, 'boom') FROM numbers(1000000) FORMAT TSV"
    const got = await new Promise<{ status: number; tag: string; body: Buffer; complete: boolean }>(
      (resolve, reject) => {
        get(url(sql), (res) => {
          const parts: Buffer[] = []
          res.on('data', (c: Buffer) => parts.push(c))
          res.on('close', () =>
            resolve({
              status: res.statusCode ?? 0,
              tag: String(res.headers['x-clickhouse-exception-tag']),
              body: Buffer.concat(parts),
              complete: res.complete,
            }),
          )
        }).on('error', reject)
      },
    )
    expect(got.status).toBe(200)
    expect(got.complete).toBe(false)
    const tail = got.body.subarray(-400).toString()
    expect(tail).toContain(`\r\n__exception__\r\n${got.tag}\n`)
    expect(tail).toMatch(
      /Code: 395\. DB::Exception: .*boom.*\(FUNCTION_THROW_IF_VALUE_IS_NON_ZERO\)\n\d+ /,
    )
    expect(tail.endsWith(`${got.tag}\r\n__exception__\r\n`)).toBe(true)
    // clickhouse-js's own reader of 25.11+ in-band exceptions finds it.
    expect(extractErrorAtTheEndOfChunk(got.body, got.tag)).toMatchObject({ code: '395' })
  })

  it('holds the whole answer with wait_end_of_query=1, so a late error still gets its status', async () => {
    const sql = "SELECT number, throwIf(number = 600000, 'boom') FROM numbers(1000000) FORMAT TSV"
    const res = await http(url(sql, '&wait_end_of_query=1'))
    expect(res.status).toBe(500)
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('395')
    expect(res.text).toMatch(/^Code: 395\. DB::Exception: .*boom/)
    const ok = await http(
      url('SELECT number FROM numbers(300000) FORMAT TSV', '&wait_end_of_query=1'),
    )
    expect(ok.body.equals(await inProcess('SELECT number FROM numbers(300000)', 'TSV'))).toBe(true)
  })

  it('reads a body in ClickHouse blocks with decompress=1', async () => {
    const body = encodeBlock(Buffer.from('SELECT count() FROM pipelines FINAL'))
    const res = await http(`${endpoint.url}?decompress=1`, { method: 'POST', body })
    expect(res.text).toBe(
      (await inProcess('SELECT count() FROM pipelines FINAL', 'TSV')).toString(),
    )
  })

  it('answers /, /ping and /replicas_status with Ok.', async () => {
    for (const path of ['', 'ping', 'replicas_status'])
      expect((await http(`${endpoint.url}${path}`)).text).toBe('Ok.\n')
  })
})

describe('protocol constants', () => {
  it('names every error code as the engine does', async () => {
    const names = Object.entries(codes)
    const sql = `SELECT ${names.map(([, c]) => `errorCodeToName(${c})`).join(', ')} FORMAT JSONCompactEachRow`
    const row = JSON.parse((await inProcess(sql, 'JSONCompactEachRow')).toString()) as string[]
    expect(row).toEqual(names.map(([n]) => n))
  })

  it('computes the CityHash128 of every block the engine wrote to disk', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs')
    const { join } = await import('node:path')
    const files: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.endsWith('.bin')) files.push(p)
      }
    }
    walk(ch.target.dataDir)
    let checked = 0
    for (const f of files) {
      const bin = readFileSync(f)
      let at = 0
      while (at + 25 <= bin.length) {
        const end = at + 16 + bin.readUInt32LE(at + 17)
        if (end > bin.length) break
        expect(bin.subarray(at, at + 16).equals(cityHash128Bytes(bin, at + 16, end)), f).toBe(true)
        checked++
        at = end
      }
    }
    expect(checked).toBeGreaterThan(20)
  })
})

/** A RowBinaryWithNamesAndTypes decoder for the types the test query returns. */
function decodeRowBinary(buf: Buffer): { names: string[]; rows: unknown[][] } {
  let at = 0
  const varUInt = () => {
    let v = 0
    let shift = 0
    for (;;) {
      const b = buf[at++] ?? 0
      v += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return v
      shift += 7
    }
  }
  const str = () => {
    const n = varUInt()
    const s = buf.toString('utf8', at, at + n)
    at += n
    return s
  }
  const columns = varUInt()
  const names = Array.from({ length: columns }, str)
  const types = Array.from({ length: columns }, str)
  const read = (type: string): unknown => {
    const nullable = /^Nullable\((.*)\)$/.exec(type)
    if (nullable) return buf[at++] === 1 ? null : read(nullable[1] ?? '')
    const lc = /^LowCardinality\((.*)\)$/.exec(type)
    if (lc) return read(lc[1] ?? '')
    if (type === 'String') return str()
    if (type === 'Int64') {
      const v = Number(buf.readBigInt64LE(at))
      at += 8
      return v
    }
    if (type === 'Float64') {
      const v = buf.readDoubleLE(at)
      at += 8
      return v
    }
    if (type === 'Bool') return buf[at++] === 1
    if (/^DateTime64\(3/.test(type)) {
      const ms = Number(buf.readBigInt64LE(at))
      at += 8
      return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
    }
    throw new Error(`decoder does not know ${type}`)
  }
  const rows: unknown[][] = []
  while (at < buf.length) rows.push(types.map(read))
  return { names, rows }
}
