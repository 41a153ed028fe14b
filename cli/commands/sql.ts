// `hookhouse sql`: SQL against the running instance's read-only SQL endpoint, or against the
// ClickHouse server when CLICKHOUSE_URL is set. Both speak ClickHouse's HTTP interface, so one
// plain HTTP client serves both. On a terminal the engine draws an aligned table
// (PrettyCompactMonoBlock); piped, the answer is the raw format (TabSeparated, or --format).
import { readFileSync } from 'node:fs'
import { appendFile, readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../../lib/config.ts'
import type { Command } from '../command.ts'

export interface SqlTarget {
  url: string
  user: string
  password: string
  database: string | undefined
  /** What to call it in messages. */
  describe: string
}

export interface SqlArgs {
  query: string | undefined
  file: string | undefined
  format: string | undefined
  tables: boolean
  url: string | undefined
}

export function parseSqlArgs(argv: string[]): SqlArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      format: { type: 'string' },
      tables: { type: 'boolean' },
      url: { type: 'string' },
    },
  })
  if (positionals.length > 1)
    throw new Error('give the query as one argument (quote it), or with --file, or on stdin')
  if (positionals.length === 1 && values.file !== undefined)
    throw new Error('give the query as an argument or with --file, not both')
  return {
    query: positionals[0],
    file: values.file,
    format: values.format,
    tables: values.tables ?? false,
    url: values.url,
  }
}

/** Where queries go: the ClickHouse server when configured, else this machine's SQL endpoint. */
export function sqlTarget(cfg: Config, url?: string): SqlTarget {
  if (url !== undefined)
    return {
      url,
      user: cfg.SQL_USER,
      password: cfg.SQL_PASSWORD ?? '',
      database: undefined,
      describe: url,
    }
  if (cfg.CLICKHOUSE_URL !== undefined)
    return {
      url: cfg.CLICKHOUSE_URL,
      user: cfg.CLICKHOUSE_USER,
      password: cfg.CLICKHOUSE_PASSWORD,
      database: cfg.CLICKHOUSE_DATABASE,
      describe: 'the ClickHouse server (CLICKHOUSE_URL)',
    }
  const listen = cfg.SQL_LISTEN
  if (listen === null)
    throw new Error(
      'SQL_LISTEN is off, so the running instance has no SQL endpoint: turn it on, or give --url',
    )
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  return {
    url: `http://${host}:${listen.port}/`,
    user: cfg.SQL_USER,
    password: cfg.SQL_PASSWORD ?? '',
    database: undefined,
    describe: `the SQL endpoint at http://${host}:${listen.port}/ (is \`hookhouse start\` running?)`,
  }
}

/** Sends one query; resolves to the response, or rejects with the server's error text. */
export async function sendQuery(
  target: SqlTarget,
  query: string,
  defaultFormat: string,
): Promise<Response> {
  const url = new URL(target.url)
  if (target.database) url.searchParams.set('database', target.database)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      body: query,
      headers: {
        'X-ClickHouse-User': target.user,
        'X-ClickHouse-Key': target.password,
        'X-ClickHouse-Format': defaultFormat,
      },
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message
    throw new Error(`cannot reach ${target.describe}: ${cause}`)
  }
  if (!res.ok) throw new Error((await res.text()).trim() || `HTTP ${res.status}`)
  return res
}

async function print(res: Response): Promise<void> {
  if (!res.body) return
  for await (const chunk of Readable.fromWeb(res.body as WebReadableStream))
    if (!process.stdout.write(chunk as Buffer))
      await new Promise((r) => process.stdout.once('drain', r))
}

export interface ColumnRow {
  table: string
  table_comment: string
  name: string
  type: string
  comment: string
}

/** `--tables`: every table with its comment, each column with its type and comment. */
export function describeTables(rows: ColumnRow[]): string {
  const byTable = new Map<string, ColumnRow[]>()
  for (const r of rows) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r])
  const blocks: string[] = []
  for (const [table, columns] of byTable) {
    const comment = columns[0]?.table_comment
    const width = Math.max(...columns.map((c) => c.name.length))
    const typeWidth = Math.max(...columns.map((c) => c.type.length))
    const lines = [comment ? `${table}  -- ${comment}` : table]
    for (const c of columns) {
      const note = c.comment ? `  -- ${c.comment}` : ''
      lines.push(`  ${c.name.padEnd(width)}  ${c.type.padEnd(typeWidth)}${note}`.trimEnd())
    }
    blocks.push(lines.join('\n'))
  }
  return `${blocks.join('\n\n')}\n`
}

const tablesQuery = `SELECT c.table AS table, t.comment AS table_comment, c.name AS name, c.type AS type, c.comment AS comment
FROM system.columns AS c
INNER JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
WHERE c.database = currentDatabase() AND t.name != 'schema_migrations'
ORDER BY c.table, c.position
FORMAT JSONEachRow`

/**
 * The interactive prompt's reader of statements: lines are gathered until one ends with `;`
 * (the `;` is dropped), or an empty line sends what was typed.
 */
export function statementCollector(): (line: string) => string | undefined {
  let lines: string[] = []
  return (line) => {
    const trimmed = line.trimEnd()
    if (trimmed === '' && lines.length === 0) return undefined
    if (trimmed.endsWith(';') || trimmed === '') {
      if (trimmed !== '') lines.push(trimmed.slice(0, -1))
      const statement = lines.join('\n').trim()
      lines = []
      return statement === '' ? undefined : statement
    }
    lines.push(line)
    return undefined
  }
}

async function interactive(target: SqlTarget, format: string): Promise<void> {
  const historyFile = join(homedir(), '.hookhouse_sql_history')
  const history = await readFile(historyFile, 'utf8')
    .then((t) => t.split('\n').filter(Boolean).reverse().slice(0, 1000))
    .catch(() => [] as string[])
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    history,
    historySize: 1000,
    prompt: 'hookhouse :) ',
  })
  process.stdout.write(
    `Connected to ${target.describe}.\nEnd a statement with ; (or an empty line). exit or Ctrl-D leaves.\n`,
  )
  const collect = statementCollector()
  rl.prompt()
  for await (const line of rl) {
    if (['exit', 'quit', '\\q'].includes(line.trim())) break
    const statement = collect(line)
    if (statement !== undefined) {
      await appendFile(historyFile, `${statement.replace(/\n/g, ' ')}\n`).catch(() => {})
      const started = Date.now()
      try {
        await print(await sendQuery(target, statement, format))
        process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(3)} s)\n`)
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`)
      }
    }
    rl.setPrompt(statement === undefined && line.trim() !== '' ? '   :-] ' : 'hookhouse :) ')
    rl.prompt()
  }
  rl.close()
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) parts.push(chunk)
  return Buffer.concat(parts).toString('utf8')
}

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'Run SQL against the running instance (read-only) or CLICKHOUSE_URL',
  usage: 'hookhouse sql [QUERY | --file PATH] [--format FORMAT] [--tables] [--url URL]',
  options: [
    'QUERY          the query; none and no --file: read stdin when piped, else a prompt',
    '--file, -f     read the query from a file',
    '--format FMT   output format (default: an aligned table on a terminal, TabSeparated piped)',
    '--tables       describe every table and column, with its comment',
    '--url URL      another ClickHouse HTTP endpoint (SQL_USER / SQL_PASSWORD authenticate)',
  ],
  settings: [
    'SQL_LISTEN',
    'SQL_USER',
    'SQL_PASSWORD',
    'CLICKHOUSE_URL',
    'CLICKHOUSE_USER',
    'CLICKHOUSE_PASSWORD',
    'CLICKHOUSE_DATABASE',
  ],
  async run(argv) {
    try {
      const args = parseSqlArgs(argv)
      const target = sqlTarget(loadConfig(), args.url)
      const tty = process.stdout.isTTY === true
      const format = args.format ?? (tty ? 'PrettyCompactMonoBlock' : 'TabSeparated')
      if (args.tables) {
        const res = await sendQuery(target, tablesQuery, 'JSONEachRow')
        const rows = (await res.text())
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as ColumnRow)
        process.stdout.write(describeTables(rows))
        return
      }
      let query = args.query
      if (args.file !== undefined) query = readFileSync(args.file, 'utf8')
      else if (query === undefined && !process.stdin.isTTY) query = await readStdin()
      if (query === undefined) return await interactive(target, format)
      await print(await sendQuery(target, query, format))
    } catch (err) {
      if (err instanceof ConfigError) throw err
      process.stderr.write(`hookhouse sql: ${(err as Error).message}\n`)
      process.exitCode = 1
    }
  },
}
