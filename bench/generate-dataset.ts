// Generates the dashboards' benchmark dataset inside embedded ClickHouse: every table is filled by
// `INSERT INTO t SELECT ... FROM numbers(N)`, so no row passes through JavaScript. Rows are pure
// functions of their number (sipHash64 of it and a salt), so the same scale makes the same data,
// and tables that refer to each other (a push's head commit, a pipeline's sha, a deployment's
// pipeline) compute the other row's columns from its number instead of joining.
//
// Sizes at --scale 1: commits 10M, pushes 3M, merge_requests 1M, merge_request_events 5M,
// pipelines 2M, jobs 10M (5 per pipeline), deployments 100k, issues 50k, events 1M (kept small:
// short payloads, push events only for the first pushes; the lead-time view reads them).
//
// The tables the migrations feed from these by materialized views (the dashboards' time-ordered
// copies and aggregates, 0009-0013) fill as the INSERTs run. Then the past months of the tables
// that force-merge an idle month (min_age_to_force_merge_seconds) are merged, which the engine does
// by itself ten minutes after their last insert; the current month is left as inserted, as a live
// one is (--no-settle leaves everything as inserted).
//
//   node bench/generate-dataset.ts --dir DIR [--scale 1] [--optimize] [--no-settle]
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  openClickHouse,
  type ClickHouseClient,
  type ClickHouseTarget,
} from '../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../lib/clickhouse/migrations.ts'
import { migrationsDir } from '../lib/paths.ts'
import { fmt } from './harness.ts'

export const fullSizes = {
  commits: 10_000_000,
  pushes: 3_000_000,
  merge_requests: 1_000_000,
  merge_request_events: 5_000_000,
  pipelines: 2_000_000,
  jobs: 10_000_000,
  deployments: 100_000,
  issues: 50_000,
  events: 1_000_000,
} as const

export type TableName = keyof typeof fullSizes

export interface GenerateOptions {
  dir: string
  scale: number
  /** Run OPTIMIZE TABLE ... FINAL after filling (merges every part; slow at full scale). */
  optimize?: boolean
  /** Merge the past months of the tables that force-merge idle months (default true). */
  settle?: boolean
  log?: (line: string) => void
}

export interface GenerateResult {
  target: ClickHouseTarget
  rows: Record<TableName, number>
  seconds: Record<string, number>
  totalSeconds: number
  /** Anchor time (ms): the data ends the day before it. */
  anchorMs: number
}

export function datasetTarget(dir: string): ClickHouseTarget {
  return {
    url: undefined,
    user: 'default',
    password: '',
    database: 'hookhouse',
    dataDir: join(dir, 'clickhouse'),
  }
}

const projects = 200
const groups = 20
const authors = 2_000
const day = 86_400_000

/** A uniform number in [0, 1) from a row number and a salt. */
const u = (n: string, salt: number) => `(sipHash64(toUInt64(${n}), ${salt}) % 1000000) / 1000000.0`

/** Project index 0..199, skewed: a few busy projects, a long tail. */
const projectIndex = (n: string, salt: number) =>
  `toUInt32(floor(${projects} * pow(${u(n, salt)}, 1.8)))`
const projectId = (p: string) => `toInt64(1000 + ${p})`
const projectPath = (p: string) =>
  `concat('group-', toString(${p} % ${groups}), '/project-', toString(${p}))`
const sha = (n: string, salt: string) => `lower(hex(SHA1(concat('${salt}', toString(${n})))))`
const ms = (expr: string) => `fromUnixTimestamp64Milli(toInt64(${expr}), 'UTC')`

/**
 * A time within the last 365 days before the anchor day, in ms: working hours peak mid-day and
 * three quarters of the weekend moves to the Thursday and Friday before.
 */
function workTimeMs(n: string, salt: number, anchorDayMs: number): string {
  const anchorDay = anchorDayMs / day
  const offset = `toInt64(floor(365 * ${u(n, salt)}))`
  const dow = `((${anchorDay} - ${offset} + 3) % 7 + 1)`
  const shifted = `(${offset} + if(${dow} >= 6 AND ${u(n, salt + 1)} < 0.75, 2, 0))`
  const secondOfDay = `floor(7 * 3600 + 13 * 3600 * (${u(n, salt + 2)} + ${u(n, salt + 3)}) / 2)`
  return `(${anchorDayMs} - ${shifted} * ${day} + ${secondOfDay} * 1000)`
}

// Commit n: its project, branch, author and times, used by pushes, pipelines and deployments too.
const commitProject = (n: string) => projectIndex(n, 1)
/** 60% of commits land on main; a deployment or pipeline on main picks n with n % 5 < 3. */
const commitBranch = (n: string) =>
  `if(${n} % 5 < 3, 'main', concat('feature/change-', toString(intDiv(${n}, 7) % 5000)))`
const commitSha = (n: string) => sha(n, 'c')
const committedMs = (n: string, anchorDayMs: number) => workTimeMs(n, 10, anchorDayMs)
const pushedMs = (n: string, anchorDayMs: number) =>
  `(${committedMs(n, anchorDayMs)} + floor(7200000 * pow(${u(n, 20)}, 2)))`

// Pipeline p runs for commit 5p, except that every 20th pipeline (p % 20 = 1) retries the one
// before it on the same sha an hour later: where that one's test job failed, this one passes.
const pipelineCommit = (p: string) => `(if(${p} % 20 = 1, ${p} - 1, ${p}) * 5)`
const pipelineCreatedMs = (p: string, anchorDayMs: number) =>
  `(${pushedMs(pipelineCommit(p), anchorDayMs)} + 30000 + if(${p} % 20 = 1, 3600000, 0))`
const pipelineQueuedS = (p: string) => `round(1 + 300 * pow(${u(p, 31)}, 3), 3)`
const pipelineDurationS = (p: string) => `round(60 + 1740 * pow(${u(p, 32)}, 2), 3)`
const pipelineStatus = (p: string) =>
  `multiIf(${u(p, 33)} < 0.85, 'success', ${u(p, 33)} < 0.95, 'failed', ${u(p, 33)} < 0.98, 'canceled', 'running')`

function statements(sizes: Record<TableName, number>, anchorDayMs: number): [TableName, string][] {
  const a = anchorDayMs
  const nCommits = sizes.commits
  const nPushes = sizes.pushes
  const nPipelines = sizes.pipelines
  return [
    [
      'commits',
      `INSERT INTO commits (project_id, project_path, sha, author_name, author_email, committed_at,
        message, title, files_added, files_modified, files_removed, branch, pushed_at, event_id, version)
      SELECT ${projectId('p')}, ${projectPath('p')}, ${commitSha('number')},
        concat('Developer ', toString(au)), concat('dev', toString(au), '@example.com'),
        ${ms(committedMs('number', a))}, concat(title, '\\n\\nDetails of change ', toString(number)), title,
        toUInt32(${u('number', 3)} * 3), toUInt32(1 + ${u('number', 4)} * 8), toUInt32(${u('number', 5)} * 2),
        ${commitBranch('number')}, ${ms(pushedMs('number', a))},
        concat('push-', toString(intDiv(number, 3))),
        toUInt64(10000000000000 - ${pushedMs('number', a)})
      FROM (SELECT number, ${commitProject('number')} AS p,
          toUInt32(floor(${authors} * pow(${u('number', 2)}, 2))) AS au,
          concat(['Fix ', 'Add ', 'Refactor ', 'Update ', 'Remove '][1 + number % 5], 'module ', toString(number % 997)) AS title
        FROM numbers(${nCommits}))`,
    ],
    [
      // Push i carries commits 3i..3i+2 (the head, after, is commit 3i).
      'pushes',
      `INSERT INTO pushes (event_id, project_id, project_path, ref, branch, is_tag, before, after,
        user_name, user_username, commit_count, pushed_at, version)
      SELECT concat('push-', toString(number)), ${projectId('p')}, ${projectPath('p')},
        if(tag, concat('refs/tags/v', toString(number)), concat('refs/heads/', br)), if(tag, '', br), tag,
        ${commitSha('greatest(toInt64(c) - 3, 0)')}, ${commitSha('c')},
        concat('Developer ', toString(number % ${authors})), concat('dev', toString(number % ${authors})),
        toUInt32(1 + ${u('number', 41)} * 5), ${ms(pushedMs('c', a))},
        toUInt64(10000000000000 - ${pushedMs('c', a)})
      FROM (SELECT number, number * 3 AS c, ${commitProject('c')} AS p, ${commitBranch('c')} AS br,
          number % 200 = 7 AS tag
        FROM numbers(${Math.min(nPushes, Math.floor(nCommits / 3))}))`,
    ],
    [
      'merge_requests',
      `INSERT INTO merge_requests (project_id, project_path, mr_iid, mr_id, title, state, author_id,
        source_branch, target_branch, source_project_id, created_at, updated_at, merged_at, closed_at,
        merge_commit_sha, url, draft, labels, version)
      SELECT ${projectId('p')}, ${projectPath('p')}, toInt64(number + 1), toInt64(number + 1),
        if(number % 100 = 5, concat('Revert "Change ', toString(number - 1), '"'), concat('Change ', toString(number))),
        st, toInt64(number % ${authors}), concat('feature/change-', toString(number % 5000)), 'main',
        ${projectId('p')}, ${ms('cr')}, ${ms('up')},
        if(st = 'merged', ${ms('up')}, NULL), if(st = 'closed', ${ms('up')}, NULL),
        if(st = 'merged', ${commitSha('(number * 10) % ' + nCommits)}, ''),
        concat('https://gitlab.example.com/', ${projectPath('p')}, '/-/merge_requests/', toString(number + 1)),
        ${u('number', 55)} < 0.05, if(number % 7 = 0, ['backend'], ['frontend', 'review']),
        toUInt64(up * 10 + multiIf(st = 'opened', 1, st = 'closed', 2, 3))
      FROM (SELECT number, ${projectIndex('number', 50)} AS p,
          ${workTimeMs('number', 51, a)} AS cr,
          multiIf(${u('number', 53)} < 0.82, 'merged', ${u('number', 53)} < 0.95, 'closed', 'opened') AS st,
          toInt64(cr + 3600000 + floor(7 * 86400000 * pow(${u('number', 54)}, 3))) AS up
        FROM numbers(${sizes.merge_requests}))`,
    ],
    [
      // Five rows per merge request: open, comment (by the author or a reviewer), comment,
      // approved, and merge (close or update when not merged).
      'merge_request_events',
      `INSERT INTO merge_request_events (event_id, project_id, mr_iid, action, actor_id,
        actor_username, actor_name, at, note_id)
      SELECT concat('mre-', toString(number)), ${projectId('p')}, toInt64(k + 1), action,
        toInt64(actor), concat('dev', toString(actor)), concat('Developer ', toString(actor)),
        ${ms('cr + off')}, if(action = 'comment', toNullable(toInt64(number)), NULL)
      FROM (SELECT number, intDiv(number, 5) AS k, number % 5 AS slot, ${projectIndex('k', 50)} AS p,
          ${workTimeMs('k', 51, a)} AS cr,
          multiIf(${u('k', 53)} < 0.82, 'merged', ${u('k', 53)} < 0.95, 'closed', 'opened') AS st,
          toInt64(3600000 + floor(7 * 86400000 * pow(${u('k', 54)}, 3))) AS life,
          multiIf(slot = 0, 'open', slot < 3, 'comment', slot = 3, 'approved',
            st = 'merged', 'merge', st = 'closed', 'close', 'update') AS action,
          if(slot = 0 OR (slot = 1 AND ${u('number', 56)} < 0.3), k % ${authors}, (k + 1 + slot * 13) % ${authors}) AS actor,
          toInt64(if(slot = 4, life, floor(life * slot / 5 * ${u('number', 57)} + life * (slot - 1) / 5))) AS off
        FROM numbers(${sizes.merge_request_events}))`,
    ],
    [
      'pipelines',
      `INSERT INTO pipelines (project_id, project_path, pipeline_id, pipeline_iid, ref, is_tag, sha,
        before_sha, source, status, created_at, started_at, finished_at, duration_s, queued_s,
        user_username, event_id, version)
      SELECT ${projectId('p')}, ${projectPath('p')}, toInt64(number + 1), toInt64(number + 1),
        ${commitBranch('c')}, false, ${commitSha('c')}, ${commitSha('greatest(toInt64(c) - 1, 0)')},
        ['push', 'push', 'push', 'merge_request_event', 'web', 'schedule'][1 + number % 6], st,
        ${ms('cr')}, ${ms('cr + q * 1000')}, if(st = 'running', NULL, ${ms('cr + (q + d) * 1000')}),
        if(st = 'running', NULL, d), q, concat('dev', toString(number % ${authors})),
        concat('pipeline-', toString(number)),
        toUInt64(if(st = 'running', 2, 3) * 10000000000000 + cr + (q + d) * 1000)
      FROM (SELECT number, ${pipelineCommit('number')} AS c, ${commitProject('c')} AS p,
          toInt64(${pipelineCreatedMs('number', a)}) AS cr, ${pipelineQueuedS('number')} AS q,
          ${pipelineDurationS('number')} AS d, ${pipelineStatus('number')} AS st
        FROM numbers(${nPipelines}))`,
    ],
    [
      // Five jobs per pipeline; the test job of every 20th pipeline fails half the time and
      // passes in the retry pipeline after it (same sha): the flaky jobs panel's rows.
      'jobs',
      `INSERT INTO jobs (project_id, project_path, job_id, pipeline_id, name, stage, status,
        failure_reason, runner_id, runner_description, created_at, started_at, finished_at,
        duration_s, queued_s, allow_failure, manual, environment, environment_tier,
        environment_action, ref, sha, event_id, version)
      SELECT ${projectId('p')}, ${projectPath('p')}, toInt64(number + 1), toInt64(pl + 1),
        ['compile', 'unit', 'integration', 'lint', 'deploy'][slot + 1],
        ['build', 'test', 'test', 'test', 'deploy'][slot + 1], st,
        if(st = 'failed', 'script_failure', 'unknown_failure'),
        if(runner < 0, NULL, toNullable(runner)), if(runner < 0, '', concat('runner-', toString(runner))),
        ${ms('cr')}, ${ms('cr + q * 1000')}, ${ms('cr + (q + d) * 1000')}, d, q,
        slot = 3, false, if(slot = 4, if(br = 'main', 'production', 'staging'), ''),
        if(slot = 4, if(br = 'main', 'production', 'staging'), ''), if(slot = 4, 'start', ''),
        br, ${commitSha('c')}, concat('job-', toString(number)),
        toUInt64(3 * 10000000000000 + cr + (q + d) * 1000)
      FROM (SELECT number, intDiv(number, 5) AS pl, number % 5 AS slot, ${pipelineCommit('pl')} AS c,
          ${commitProject('c')} AS p, ${commitBranch('c')} AS br,
          toInt64(${pipelineCreatedMs('pl', a)} + slot * 60000) AS cr,
          round(1 + 120 * pow(${u('number', 61)}, 3), 3) AS q,
          round(10 + [120, 300, 900, 60, 240][slot + 1] * ${u('number', 62)}, 3) AS d,
          multiIf(slot = 2 AND pl % 20 = 0 AND ${u('pl', 63)} < 0.5, 'failed',
            ${u('number', 64)} < 0.03, 'failed', ${u('number', 64)} < 0.04, 'canceled', 'success') AS st,
          if(${u('number', 65)} < 0.02, -1, toInt64(floor(40 * pow(${u('number', 66)}, 1.5)))) AS runner
        FROM numbers(${sizes.jobs}))`,
    ],
    [
      // Deployment j deploys pipeline 20j's commit (on main: 20j*5 % 5 = 0): production for 60%,
      // staging otherwise; a third of the projects send no Deployment Hooks (source job).
      'deployments',
      `INSERT INTO deployments (project_id, project_path, deployment_key, deployment_id, job_id,
        pipeline_id, environment, environment_tier, status, sha, ref, deployed_at, source,
        user_username, event_id, version)
      SELECT ${projectId('p')}, ${projectPath('p')},
        if(src = 'job', concat('job:', toString(job)), concat('deployment:', toString(number + 1))),
        if(src = 'job', NULL, toNullable(toInt64(number + 1))), toInt64(job), toInt64(pl + 1),
        env, env, st, ${commitSha('c')}, 'main', ${ms('t')}, src,
        concat('dev', toString(number % ${authors})), concat('deployment-', toString(number)),
        toUInt64(3 * 10000000000000 + t)
      FROM (SELECT number, (number * 20) % ${nPipelines} AS pl, ${pipelineCommit('pl')} AS c,
          ${commitProject('c')} AS p, pl * 5 + 5 AS job,
          if(p % 3 = 0, 'job', 'deployment_hook') AS src,
          if(${u('number', 71)} < 0.6, 'production', 'staging') AS env,
          multiIf(${u('number', 72)} < 0.9, 'success', ${u('number', 72)} < 0.97, 'failed', 'canceled') AS st,
          toInt64(${pipelineCreatedMs('pl', a)} + 1800000 + floor(86400000 * pow(${u('number', 73)}, 3))) AS t
        FROM numbers(${sizes.deployments}))`,
    ],
    [
      'issues',
      `INSERT INTO issues (project_id, project_path, iid, issue_id, title, issue_type, state, labels,
        author_id, created_at, updated_at, closed_at, url, version)
      SELECT ${projectId('p')}, ${projectPath('p')}, toInt64(number + 1), toInt64(number + 1),
        concat(if(incident, 'Outage ', 'Bug '), toString(number)), if(incident, 'incident', 'issue'),
        st, if(incident, ['incident', 'sev2'], ['bug']), toInt64(number % ${authors}),
        ${ms('cr')}, ${ms('up')}, if(st = 'closed', ${ms('up')}, NULL),
        concat('https://gitlab.example.com/', ${projectPath('p')}, '/-/issues/', toString(number + 1)),
        toUInt64(up * 10 + if(st = 'closed', 2, 1))
      FROM (SELECT number, ${projectIndex('number', 80)} AS p, ${u('number', 81)} < 0.1 AS incident,
          ${workTimeMs('number', 82, a)} AS cr, if(${u('number', 86)} < 0.8, 'closed', 'opened') AS st,
          toInt64(cr + floor(if(incident, 86400000, 20 * 86400000) * pow(${u('number', 87)}, 2))) AS up
        FROM numbers(${sizes.issues}))`,
    ],
    [
      // Events: the first 60% are the push events of pushes 0.. (short payload listing their
      // commits, which the commit_arrivals view reads), the rest other kinds with a stub payload.
      'events',
      `INSERT INTO events (event_id, source, kind, event_header, instance, project_id, project_path,
        group_path, occurred_at, received_at, payload, kafka_partition, kafka_offset)
      SELECT if(push, concat('push-', toString(number)), concat('event-', toString(number))), 'gitlab',
        kind, if(push, 'Push Hook', 'Pipeline Hook'), 'https://gitlab.example.com', ${projectId('p')},
        ${projectPath('p')}, concat('group-', toString(p % ${groups})), ${ms('t')}, ${ms('t + 50')},
        if(push, concat('{"commits":[{"id":"', ${commitSha('c')}, '"},{"id":"', ${commitSha('c + 1')},
          '"},{"id":"', ${commitSha('c + 2')}, '"}]}'), '{"object_kind":"pipeline"}'),
        toUInt32(number % 3), number
      FROM (SELECT number, number < ${Math.floor(sizes.events * 0.6)} AND number < ${nPushes} AS push,
          number * 3 AS c, if(push, ${commitProject('c')}, ${projectIndex('number', 90)}) AS p,
          if(push, 'push', ['pipeline', 'job', 'merge_request', 'note', 'issue'][1 + number % 5]) AS kind,
          toInt64(if(push, ${pushedMs('c', a)}, ${workTimeMs('number', 91, a)})) AS t
        FROM numbers(${sizes.events}))`,
    ],
  ]
}

/**
 * Merges each partition but the current month of every table that declares
 * min_age_to_force_merge_seconds: what the engine does by itself once a month has had no insert
 * for that long. Returns how many partitions it merged.
 */
async function settleIdleMonths(client: ClickHouseClient, nowMs: number): Promise<number> {
  const month = new Date(nowMs).toISOString().slice(0, 7).replace('-', '')
  const rs = await client.query({
    query: `SELECT p.table AS table, p.partition_id AS partition_id
      FROM system.parts AS p
      INNER JOIN system.tables AS t ON t.database = p.database AND t.name = p.table
      WHERE p.database = currentDatabase() AND p.active
        AND t.engine_full LIKE '%min_age_to_force_merge_seconds%' AND p.partition_id != {month:String}
      GROUP BY p.table, p.partition_id
      HAVING count() > 1
      ORDER BY p.table, p.partition_id`,
    format: 'JSONEachRow',
    query_params: { month },
  })
  const partitions = await rs.json<{ table: string; partition_id: string }>()
  for (const p of partitions) {
    // Names from system.parts: a table identifier and a partition id of digits (toYYYYMM).
    if (!/^\w+$/.test(p.table) || !/^\w+$/.test(p.partition_id))
      throw new Error(`unexpected part ${p.table} ${p.partition_id}`)
    await client.command({
      query: `OPTIMIZE TABLE ${p.table} PARTITION ID '${p.partition_id}' FINAL`,
    })
  }
  return partitions.length
}

export async function generateDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const sizes = Object.fromEntries(
    Object.entries(fullSizes).map(([k, v]) => [k, Math.max(1, Math.round(v * opts.scale))]),
  ) as Record<TableName, number>
  const target = datasetTarget(opts.dir)
  await migrateTarget(target, migrationsDir)
  const client = await openClickHouse(target)
  const now = Date.now()
  const anchorMs = Math.floor(now / day) * day // today 00:00 UTC: the data ends before it
  const seconds: Record<string, number> = {}
  const started = performance.now()
  try {
    for (const [table, sql] of statements(sizes, anchorMs - day)) {
      const t = performance.now()
      await client.command({ query: sql })
      const s = (performance.now() - t) / 1000
      seconds[table] = s
      log(
        `${table}: ${fmt.int(sizes[table])} rows in ${s.toFixed(1)} s (${fmt.int(sizes[table] / s)} rows/s)`,
      )
    }
    if (opts.settle !== false && !opts.optimize) {
      const t = performance.now()
      const merged = await settleIdleMonths(client, anchorMs)
      seconds.settle = (performance.now() - t) / 1000
      log(`merged ${merged} idle past-month partitions in ${seconds.settle.toFixed(1)} s`)
    }
    if (opts.optimize) {
      for (const table of Object.keys(sizes)) {
        const t = performance.now()
        await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` })
        seconds[`optimize ${table}`] = (performance.now() - t) / 1000
        log(`OPTIMIZE TABLE ${table} FINAL: ${seconds[`optimize ${table}`]?.toFixed(1)} s`)
      }
    }
  } finally {
    await client.close()
  }
  const totalSeconds = (performance.now() - started) / 1000
  log(`dataset at scale ${opts.scale} generated in ${totalSeconds.toFixed(1)} s`)
  return { target, rows: sizes, seconds, totalSeconds, anchorMs }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      scale: { type: 'string', default: '1' },
      optimize: { type: 'boolean', default: false },
      'no-settle': { type: 'boolean', default: false },
    },
  })
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'hookhouse-dataset-'))
  const scale = Number(values.scale)
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${values.scale}`)
  await generateDataset({ dir, scale, optimize: values.optimize, settle: !values['no-settle'] })
  console.log(`embedded ClickHouse data in ${join(dir, 'clickhouse')} (database hookhouse)`)
}
