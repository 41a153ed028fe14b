// The SQL endpoint against the same queries in-process, in one run (issue 8):
// - added latency of a small query: p50/p95 of the endpoint (HTTP on loopback, keep-alive) and of
//   the engine session called in-process; target: the endpoint adds <= 2 ms at p50;
// - throughput of a 1M-row result: bytes/s read by an HTTP client from the endpoint and by the
//   in-process one-shot call; target: the endpoint >= 80% of in-process.
//
// The small query is timed with an HTTP client in this process (undici, keep-alive), so its cost
// counts against the endpoint. The large result is read by curl in its own process when curl is
// there, as a user's client would: read in this process, the client's own parsing would share
// the event loop that serves the answer.
//
//   npm run bench -- sql-endpoint [--runs 300] [--rows 1000000] [--rounds 5]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { Agent, request } from 'undici'
import { embedded, openClickHouse } from '../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../lib/paths.ts'
import { startSqlEndpoint } from '../services/sql-endpoint/index.ts'
import { fmt, median, percentile, table, type Benchmark, type BenchContext } from './harness.ts'
import { datasetTarget } from './generate-dataset.ts'

export const benchmark: Benchmark = {
  name: 'sql-endpoint',
  description: 'SQL endpoint vs in-process: small-query latency and 1M-row result throughput',
  run,
}

const smallQuery = "SELECT count() FROM pipelines WHERE status = 'success'"

async function run(ctx: BenchContext): Promise<void> {
  const { values: opt } = parseArgs({
    args: ctx.args,
    strict: false,
    options: {
      runs: { type: 'string', default: '300' },
      rows: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '5' },
    },
  })
  const runs = Number(opt.runs)
  const rows = Number(opt.rows)
  const rounds = Number(opt.rounds)

  const dir = mkdtempSync(join(tmpdir(), 'hookhouse-sql-bench-'))
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }))
  const target = datasetTarget(dir)
  await migrateTarget(target, migrationsDir)
  const endpoint = await startSqlEndpoint({
    clickhouse: target,
    host: '127.0.0.1',
    port: 0,
    auth: { user: 'default', password: undefined },
    limits: {
      maxExecutionSeconds: 120,
      maxResultRows: 100_000_000,
      maxResultBytes: 16 * 1024 ** 3,
      maxConcurrentQueries: 2,
    },
    log: pino({ level: 'silent' }),
  })
  ctx.defer(() => endpoint.close())
  // The in-process side: a session of its own, as the dashboards have.
  const client = await openClickHouse(target)
  ctx.defer(() => client.close())
  const native = embedded.get(client)?.chdb
  if (!native) throw new Error('embedded engine expected')
  const agent = new Agent({ connections: 4 })
  ctx.defer(() => agent.close())

  const viaEndpoint = async (sql: string, extra = ''): Promise<number> => {
    const res = await request(`${endpoint.url}?query=${encodeURIComponent(sql)}${extra}`, {
      dispatcher: agent,
    })
    if (res.statusCode !== 200) throw new Error(`endpoint: ${await res.body.text()}`)
    let bytes = 0
    for await (const chunk of res.body) bytes += (chunk as Buffer).length
    return bytes
  }
  const hasCurl = spawnSync('curl', ['--version']).status === 0
  /** Bytes and seconds of one download by curl, in a process of its own. */
  const viaCurl = (sql: string, extra = '') =>
    new Promise<{ bytes: number; seconds: number }>((resolve, reject) => {
      const c = spawn('curl', [
        '-sS',
        '--fail',
        '-o',
        '/dev/null',
        '-w',
        '%{size_download} %{time_total}',
        `${endpoint.url}?query=${encodeURIComponent(sql)}${extra}`,
      ])
      let out = ''
      c.stdout.on('data', (d: Buffer) => (out += d.toString()))
      c.on('error', reject)
      c.on('close', (code) => {
        const [bytes, seconds] = out.split(' ').map(Number)
        if (code !== 0 || !bytes || !seconds) reject(new Error(`curl exited ${code}: ${out}`))
        else resolve({ bytes, seconds })
      })
    })
  const inProcess = async (sql: string, format: string): Promise<number> =>
    (await native.queryAsync(sql, { format })).bytes().length

  // Small query latency.
  ctx.log(`small query: ${runs} runs each, after 20 warm-up runs`)
  const timed = async (fn: () => Promise<unknown>) => {
    for (let k = 0; k < 20; k++) await fn()
    const out: number[] = []
    for (let k = 0; k < runs; k++) {
      const t = performance.now()
      await fn()
      out.push(performance.now() - t)
    }
    return out.sort((a, b) => a - b)
  }
  const direct = await timed(() => inProcess(smallQuery, 'TabSeparated'))
  const http = await timed(() => viaEndpoint(smallQuery))
  const added = percentile(http, 50) - percentile(direct, 50)
  console.log(`\nSmall query (${smallQuery}), ${runs} runs, ms:\n`)
  console.log(
    table(
      ['path', 'p50', 'p95', 'p99'],
      [
        [
          'in-process session',
          fmt.ms(percentile(direct, 50)),
          fmt.ms(percentile(direct, 95)),
          fmt.ms(percentile(direct, 99)),
        ],
        [
          'SQL endpoint (HTTP, keep-alive)',
          fmt.ms(percentile(http, 50)),
          fmt.ms(percentile(http, 95)),
          fmt.ms(percentile(http, 99)),
        ],
      ],
    ),
  )
  console.log(`\nadded latency at p50: ${fmt.ms(added)} ms (target <= 2 ms)`)

  // 1M-row result throughput.
  const big = `SELECT number AS id, toString(number) AS name, number * 3 AS n, toDateTime(1700000000 + number) AS at FROM numbers(${rows})`
  const cases: { label: string; format: string; extra?: string }[] = [
    { label: 'JSONEachRow (streamed)', format: 'JSONEachRow' },
    { label: 'RowBinaryWithNamesAndTypes (streamed)', format: 'RowBinaryWithNamesAndTypes' },
    { label: 'Parquet (one-shot)', format: 'Parquet' },
    {
      label: 'RowBinaryWithNamesAndTypes, compress=1',
      format: 'RowBinaryWithNamesAndTypes',
      extra: '&compress=1',
    },
  ]
  const rowsOut: (string | number)[][] = []
  for (const c of cases) {
    ctx.log(`${rows} rows, ${c.label}: ${rounds} rounds each`)
    const direct: number[] = []
    const viaHttp: number[] = []
    let bytesDirect = 0
    let bytesHttp = 0
    for (let r = 0; r < rounds + 1; r++) {
      let t = performance.now()
      bytesDirect = await inProcess(big, c.format)
      const d = performance.now() - t
      let h: number
      if (hasCurl) {
        const got = await viaCurl(`${big} FORMAT ${c.format}`, c.extra)
        bytesHttp = got.bytes
        h = got.seconds * 1000
      } else {
        t = performance.now()
        bytesHttp = await viaEndpoint(`${big} FORMAT ${c.format}`, c.extra)
        h = performance.now() - t
      }
      if (r === 0) continue // warm-up
      direct.push(bytesDirect / (d / 1000))
      viaHttp.push(bytesHttp / (h / 1000))
    }
    const d = median(direct)
    const h = median(viaHttp)
    rowsOut.push([
      c.label,
      fmt.int(bytesDirect / 1e6),
      fmt.int(d / 1e6),
      fmt.int(h / 1e6),
      c.extra ? '-' : fmt.pct(h / d),
    ])
  }
  console.log(
    `\n${rows.toLocaleString('en-US')}-row result, median of ${rounds} rounds, read by ${hasCurl ? 'curl' : 'undici in this process'} (MB = 10^6 bytes):\n`,
  )
  console.log(
    table(['format', 'MB', 'in-process MB/s', 'endpoint MB/s', 'endpoint / in-process'], rowsOut),
  )
  console.log(
    '\nTarget: endpoint >= 80% of in-process bytes/s. compress=1 compares compressed bytes, so no ratio.',
  )
}
