// Runs one request's query on one read-only session and yields the answer's bytes.
//
// A SELECT in a format whose pieces join (formats.ts) is streamed from the engine piece by piece:
// each piece is handed on and dropped, so a large result is never held whole. Other formats, other
// statements (SHOW, DESCRIBE, ...) and queries with bound parameters get the engine's one-shot
// answer, held once. Bound parameters go through the client factory's client, whose embedded
// connection binds them in the engine (never by editing the SQL): the engine's streaming call
// cannot take them through that seam.
import type { ClickHouseSettings } from '@clickhouse/client'
import { fromEngineError } from './errors.ts'
import { headerLength, outputFormat, type OutputFormat } from './formats.ts'
import type { SqlRequest } from './http-request.ts'
import { quoteIdentifier, quoteString } from '../../lib/clickhouse/sql-literals.ts'
import { useDatabase, type ReadOnlySession } from './session-pool.ts'
import type { QueryText } from './sql-text.ts'

export interface Progress {
  readRows: number
  readBytes: number
  resultRows: number
  resultBytes: number
  startedAt: bigint
}

export interface QueryAnswer {
  format: OutputFormat
  /** The answer's bytes, in order; the iterator's return() cancels a streamed query. */
  pieces: AsyncGenerator<Buffer>
  progress: Progress
}

/** Statements the engine can stream; others answer "Streaming query is not supported". */
const streamable = new Set(['SELECT', 'WITH', '('])

/** The X-ClickHouse-Summary header's JSON: every figure a string, as the server writes them. */
export function summaryJson(p: Progress): string {
  return JSON.stringify({
    read_rows: String(p.readRows),
    read_bytes: String(p.readBytes),
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: String(p.readRows),
    result_rows: String(p.resultRows),
    result_bytes: String(p.resultBytes),
    elapsed_ns: String(process.hrtime.bigint() - p.startedAt),
  })
}

/**
 * Applies the request's settings. A setting already at the asked value is left alone (the server
 * does not check those either); any other goes to the engine as `SET`, which on a readonly=1
 * session is refused with the engine's own error ("Cannot modify 'x' setting in readonly mode").
 */
async function applySettings(
  session: ReadOnlySession,
  settings: [string, string][],
): Promise<void> {
  for (const [name, value] of settings) {
    if (session.settings.get(name) === value) continue
    try {
      await session.native.queryAsync(`SET ${quoteIdentifier(name)} = ${quoteString(value)}`, {
        format: 'TabSeparated',
      })
    } catch (err) {
      throw fromEngineError(err)
    }
  }
}

export async function runQuery(
  session: ReadOnlySession,
  request: SqlRequest,
  sql: string,
  text: QueryText,
  defaultDatabase: string,
): Promise<QueryAnswer> {
  const progress: Progress = {
    readRows: 0,
    readBytes: 0,
    resultRows: 0,
    resultBytes: 0,
    startedAt: process.hrtime.bigint(),
  }
  await useDatabase(session, request.database ?? defaultDatabase)
  await applySettings(session, request.settings)
  // A USE in the query moves the session: the next request points it back.
  if (text.statement === 'USE') session.database = undefined
  const asked = text.format ?? request.defaultFormat ?? 'TabSeparated'
  const format = outputFormat(asked)
  const engineFormat = request.defaultFormat ?? 'TabSeparated'

  const hasParams = Object.keys(request.params).length > 0
  if (hasParams) {
    const pieces = await wholeWithParams(session, sql, request.params, engineFormat, progress)
    return { format, pieces, progress }
  }
  if (format.joining.kind !== 'whole' && streamable.has(text.statement)) {
    let stream: ReturnType<ReadOnlySession['native']['queryStream']>
    try {
      stream = session.native.queryStream(sql, { format: engineFormat })
    } catch (err) {
      throw fromEngineError(err)
    }
    // The first piece is awaited here, so that errors the engine finds at once (unknown table,
    // syntax, limits) still get their own HTTP status.
    const pieces = readAhead(streamed(stream, format, progress))
    const first = await pieces.next()
    return { format, pieces: prepend(first, pieces), progress }
  }
  let result: Awaited<ReturnType<ReadOnlySession['native']['queryAsync']>>
  try {
    result = await session.native.queryAsync(sql, { format: engineFormat })
  } catch (err) {
    throw fromEngineError(err)
  }
  const bytes = result.bytes()
  progress.readRows = result.rowsRead
  progress.readBytes = result.bytesRead
  progress.resultBytes = bytes.length
  return {
    format,
    pieces: once(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    progress,
  }
}

async function wholeWithParams(
  session: ReadOnlySession,
  sql: string,
  params: Record<string, string>,
  engineFormat: string,
  progress: Progress,
): Promise<AsyncGenerator<Buffer>> {
  let answer: Awaited<ReturnType<ReadOnlySession['client']['exec']>>
  try {
    answer = await session.client.exec({
      query: sql,
      query_params: params,
      // Any format name: the engine, not the client's list, decides which exist.
      clickhouse_settings: { default_format: engineFormat as ClickHouseSettings['default_format'] },
    })
  } catch (err) {
    throw fromEngineError(err)
  }
  const parts: Buffer[] = []
  for await (const c of answer.stream as AsyncIterable<Buffer>) parts.push(c)
  const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
  progress.readRows = Number(answer.summary?.read_rows ?? 0)
  progress.readBytes = Number(answer.summary?.read_bytes ?? 0)
  progress.resultBytes = bytes.length
  return once(bytes)
}

/**
 * Asks for the next piece as soon as one is handed out, so the engine formats the next block
 * while the current one is written to the socket (one piece ahead, never more).
 */
async function* readAhead(source: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let next = source.next()
  try {
    for (;;) {
      const r = await next
      if (r.done) return
      next = source.next()
      yield r.value
    }
  } finally {
    // Stopped early: the piece being fetched is dropped and the engine's stream cancelled.
    await next.catch(() => undefined)
    await source.return(undefined)
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  if (bytes.length > 0) yield bytes
}

async function* prepend(
  first: IteratorResult<Buffer>,
  rest: AsyncGenerator<Buffer>,
): AsyncGenerator<Buffer> {
  if (first.done) return
  yield first.value
  yield* rest
}

/** The engine's pieces, joined as the format requires (formats.ts). */
async function* streamed(
  stream: AsyncIterable<{ numRows: number; raw(): Uint8Array }> & { cancel(): void },
  format: OutputFormat,
  progress: Progress,
): AsyncGenerator<Buffer> {
  const joining = format.joining
  let index = 0
  try {
    for await (const piece of stream) {
      const raw = piece.raw()
      let bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
      progress.resultRows += piece.numRows
      if (index > 0 && joining.kind === 'header')
        bytes = bytes.subarray(headerLength(joining.header, bytes))
      if (index > 0 && joining.kind === 'separated' && bytes.length > 0)
        yield Buffer.from(joining.separator)
      index++
      progress.resultBytes += bytes.length
      if (bytes.length > 0) yield bytes
    }
  } catch (err) {
    throw fromEngineError(err)
  } finally {
    stream.cancel()
  }
}
