// Dashboard panel latency on a generated dataset in embedded ClickHouse (issue 5): every panel of
// dashboards/panels/, run the way the JSON API runs it (readPanelParams, then runPanel on the
// dashboards' read-only session), for the last 30 days over all projects and over one project.
// 2 warm-up runs, then 15 timed runs per panel and parameter set; p50/p95 in ms; target p95 300 ms.
//
//   npm run bench -- panels [--scale 1] [--dir DIR] [--runs 15] [--warmup 2] [--optimize]
//     [--panels NAME,NAME] [--project PATH]
//
// --dir DIR reuses a dataset generate-dataset.ts made there (no generation; migrations added since
// are applied, and backfill what they create); without it, one is generated at --scale into a
// temp dir, removed afterwards.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openClickHouse } from '../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../lib/paths.ts'
import { loadPanels } from '../services/dashboards/panels.ts'
import { readPanelParams } from '../services/dashboards/params.ts'
import { openReadOnlySession } from '../services/dashboards/read-only-session.ts'
import { runPanel } from '../services/dashboards/run-panel.ts'
import { fmt, percentile, table, type Benchmark, type BenchContext } from './harness.ts'
import { datasetTarget, generateDataset } from './generate-dataset.ts'

export const benchmark: Benchmark = {
  name: 'panels',
  description: 'dashboard panel query latency p50/p95 on a generated dataset (embedded ClickHouse)',
  run,
}

const targetMs = 300

async function run(ctx: BenchContext): Promise<void> {
  const { values: opt } = parseArgs({
    args: ctx.args,
    strict: false,
    options: {
      scale: { type: 'string', default: '1' },
      dir: { type: 'string' },
      runs: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '2' },
      optimize: { type: 'boolean', default: false },
      project: { type: 'string', default: 'group-0/project-0' },
      panels: { type: 'string' },
    },
  })
  const runs = Number(opt.runs)
  const warmup = Number(opt.warmup)
  const scale = Number(opt.scale)
  const project = String(opt.project)

  let dir: string
  if (typeof opt.dir === 'string' && existsSync(join(opt.dir, 'clickhouse'))) {
    dir = opt.dir
    ctx.log(`reusing the dataset in ${dir}`)
    const migrated = await migrateTarget(datasetTarget(dir), migrationsDir, { log: ctx.log })
    if (migrated.applied.length > 0) ctx.log(`applied ${migrated.applied.join(', ')}`)
  } else {
    dir = typeof opt.dir === 'string' ? opt.dir : mkdtempSync(join(tmpdir(), 'hookhouse-panels-'))
    if (typeof opt.dir !== 'string') ctx.defer(() => rmSync(dir, { recursive: true, force: true }))
    ctx.log(`generating a dataset at scale ${scale} in ${dir}`)
    await generateDataset({ dir, scale, optimize: opt.optimize === true, log: ctx.log })
  }
  const target = datasetTarget(dir)

  const admin = await openClickHouse(target)
  ctx.defer(() => admin.close())
  const counts = await admin.query({
    query: `SELECT table, sum(rows) AS rows, count() AS parts FROM system.parts
      WHERE database = currentDatabase() AND active GROUP BY table ORDER BY table`,
    format: 'JSONEachRow',
  })
  const parts = await counts.json<{ table: string; rows: number | string; parts: number }>()
  console.log(
    table(
      ['table', 'rows', 'parts'],
      parts.map((p) => [p.table, fmt.int(Number(p.rows)), p.parts]),
    ),
  )
  console.log()

  const session = await openReadOnlySession(target)
  ctx.defer(() => session.close())

  const only = typeof opt.panels === 'string' ? opt.panels.split(',') : undefined
  const panels = loadPanels().filter((p) => only === undefined || only.includes(p.name))
  const sets: { name: string; query: Record<string, string> }[] = [
    { name: 'all projects', query: { from: 'now-30d', to: 'now' } },
    { name: project, query: { from: 'now-30d', to: 'now', project } },
  ]
  const rows: (string | number)[][] = []
  const slow: string[] = []
  for (const set of sets) {
    for (const panel of panels) {
      if (ctx.signal.aborted) return
      const params = readPanelParams(panel, set.query)
      if (!params.ok) throw new Error(`${panel.name}: ${params.error.message}`)
      const times: number[] = []
      let resultRows = 0
      let failed: string | undefined
      for (let i = 0; i < warmup + runs; i++) {
        const t = performance.now()
        try {
          const result = await runPanel(session, panel, params.values)
          resultRows = result.rows.length
        } catch (err) {
          // A panel over the session's max_execution_time: say so and go on with the next one.
          failed = (err as Error).message.split('\n')[0]?.slice(0, 120)
          ctx.log(
            `${panel.name} [${set.name}] failed after ${fmt.int(performance.now() - t)} ms: ${failed}`,
          )
          break
        }
        if (i >= warmup) times.push(performance.now() - t)
      }
      if (failed !== undefined) {
        slow.push(`${panel.name} (${set.name}, failed)`)
        rows.push([panel.name, set.name, '-', '-', '-', 'failed'])
        continue
      }
      times.sort((a, b) => a - b)
      const p50 = percentile(times, 50)
      const p95 = percentile(times, 95)
      const miss = p95 > targetMs
      if (miss) slow.push(`${panel.name} (${set.name})`)
      ctx.log(`${panel.name} [${set.name}]: p50 ${fmt.ms(p50)} ms, p95 ${fmt.ms(p95)} ms`)
      rows.push([
        panel.name,
        set.name,
        resultRows,
        fmt.ms(p50),
        fmt.ms(p95),
        miss ? `> ${targetMs} ms` : 'ok',
      ])
    }
  }
  console.log(table(['panel', 'parameters', 'rows', 'p50 ms', 'p95 ms', 'target'], rows))
  console.log(
    slow.length === 0
      ? `\nevery panel under ${targetMs} ms p95`
      : `\n${slow.length} panel runs over ${targetMs} ms p95: ${slow.join(', ')}`,
  )
}
