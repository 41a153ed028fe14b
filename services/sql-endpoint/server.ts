// The HTTP side of the endpoint: ClickHouse's HTTP interface over the read-only session pool.
//
// Plain node:http rather than Fastify: the answer is a byte stream whose status is decided as late
// as possible (the first MiB is held, as the server does, so that an error found early still gets
// its status), then written with backpressure through up to two compressions; an error after the
// first byte is written in-band and the chunked encoding left unfinished, as the server does, so
// no client can take a truncated answer for a whole one. Those are the parts of HTTP a framework
// would get in the way of.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { hostname } from 'node:os'
import type { Writable } from 'node:stream'
import zlib from 'node:zlib'
import type { Logger } from '../../lib/logger.ts'
import { ClickHouseException, errors, fromEngineError } from './errors.ts'
import {
  chooseHttpCompression,
  joinQuery,
  readSqlRequest,
  type HttpCompression,
  type SqlRequest,
} from './http-request.ts'
import { decodeBlocks, NativeCompressor } from './native-compression.ts'
import { runQuery, summaryJson, type Progress, type QueryAnswer } from './run-query.ts'
import type { SessionPool } from './session-pool.ts'
import { readQueryText } from './sql-text.ts'

export interface SqlAuth {
  user: string
  /** Undefined: any password (or none) is accepted for `user`. */
  password: string | undefined
}

export interface SqlServerOptions {
  pool: SessionPool
  auth: SqlAuth
  /** Database a request without `database` reads. */
  database: string
  log: Logger
  /** Largest request body (the query text), bytes. */
  maxQueryBytes?: number
}

const zstdAvailable = typeof zlib.createZstdCompress === 'function'
const defaultMaxQueryBytes = 10 * 1024 * 1024

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Compares user and password with the configured ones in constant time. */
function authenticator(auth: SqlAuth): (user: string, password: string) => boolean {
  const user = digest(auth.user)
  const password = auth.password === undefined ? undefined : digest(auth.password)
  return (u, p) => {
    const userOk = timingSafeEqual(digest(u), user)
    const passwordOk = password === undefined || timingSafeEqual(digest(p), password)
    return userOk && passwordOk
  }
}

/** The 25.11 in-band exception: tag line, message, its length and the tag again (clickhouse-js). */
export function inBandException(message: string, tag: string): Buffer {
  const body = Buffer.from(`${message}\n`)
  return Buffer.concat([
    Buffer.from(`\r\n__exception__\r\n${tag}\n`),
    body,
    Buffer.from(`${body.length} ${tag}\r\n__exception__\r\n`),
  ])
}

function httpCompressor(method: HttpCompression, level: number): zlib.Zlib & Writable {
  switch (method) {
    case 'zstd':
      return zlib.createZstdCompress()
    case 'br':
      return zlib.createBrotliCompress()
    case 'gzip':
      return zlib.createGzip({ level })
    case 'deflate':
      return zlib.createDeflate({ level })
  }
}

function decodeBody(body: Buffer, contentEncoding: string | undefined): Buffer {
  const encoding = contentEncoding?.trim().toLowerCase()
  if (!encoding || encoding === 'identity') return body
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.gunzipSync(body)
    if (encoding === 'deflate') return zlib.inflateSync(body)
    if (encoding === 'br') return zlib.brotliDecompressSync(body)
    if (encoding === 'zstd' && typeof zlib.zstdDecompressSync === 'function')
      return zlib.zstdDecompressSync(body)
  } catch (err) {
    throw errors.cannotDecompress(`${encoding} body: ${(err as Error).message}`)
  }
  throw errors.unknownCompression(encoding)
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw errors.queryTooLarge(size, limit)
    parts.push(chunk)
  }
  return Buffer.concat(parts)
}

/**
 * One answer on its way out: bytes are held until `bufferSize` (or the end, with
 * wait_end_of_query), then headers go out and the bytes follow through the compressions.
 */
class Answer {
  readonly #res: ServerResponse
  readonly #request: SqlRequest
  readonly #encoding: HttpCompression | undefined
  readonly #headers: Record<string, string>
  #pending: Buffer[] = []
  #pendingBytes = 0
  #native: NativeCompressor | undefined
  #zlib: zlib.Zlib | undefined
  #sink: Writable | undefined
  #started = false
  readonly exceptionTag = randomBytes(8).toString('hex')

  constructor(
    res: ServerResponse,
    request: SqlRequest,
    encoding: HttpCompression | undefined,
    headers: Record<string, string>,
  ) {
    this.#res = res
    this.#request = request
    this.#encoding = encoding
    this.#headers = headers
  }

  get started(): boolean {
    return this.#started
  }

  /** Sets up the chain native compression -> HTTP compression -> response, and sends the head. */
  #start(status: number, extra: Record<string, string>, contentLength?: number): void {
    this.#started = true
    const res = this.#res
    for (const [k, v] of Object.entries({ ...this.#headers, ...extra })) res.setHeader(k, v)
    let sink: Writable = res
    if (this.#encoding) {
      res.setHeader('Content-Encoding', this.#encoding)
      const z = httpCompressor(this.#encoding, this.#request.zlibLevel)
      z.on('error', () => res.destroy())
      z.pipe(res)
      this.#zlib = z
      sink = z
    } else if (contentLength !== undefined && !this.#request.compress) {
      res.setHeader('Content-Length', String(contentLength))
    }
    res.writeHead(status)
    if (this.#request.compress) {
      const native = new NativeCompressor()
      native.pipe(sink)
      this.#native = native
      sink = native
    }
    this.#sink = sink
  }

  /** Writes bytes, waiting while the client is slower than the engine. */
  async write(bytes: Buffer, progress: Progress): Promise<void> {
    if (!this.#started) {
      this.#pending.push(bytes)
      this.#pendingBytes += bytes.length
      if (this.#request.waitEndOfQuery || this.#pendingBytes < this.#request.bufferSize) return
      this.#start(200, { 'X-ClickHouse-Summary': summaryJson(progress) })
      const held = this.#pending
      this.#pending = []
      for (const b of held) await this.#write(b)
      return
    }
    await this.#write(bytes)
  }

  async #write(bytes: Buffer): Promise<void> {
    const sink = this.#sink as Writable
    if (sink.write(bytes)) return
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.#res.off('close', onClose)
        resolve()
      }
      const onClose = () => {
        sink.off('drain', onDrain)
        reject(new Error('client went away'))
      }
      sink.once('drain', onDrain)
      this.#res.once('close', onClose)
    })
  }

  async end(progress: Progress): Promise<void> {
    if (!this.#started) {
      this.#start(200, { 'X-ClickHouse-Summary': summaryJson(progress) }, this.#pendingBytes)
      for (const b of this.#pending) await this.#write(b)
      this.#pending = []
    }
    await new Promise<void>((resolve) => {
      this.#res.once('finish', resolve)
      this.#res.once('close', resolve)
      ;(this.#sink as Writable).end()
    })
  }

  /** An error: with its status while nothing was sent, in-band and a broken stream after. */
  fail(err: ClickHouseException): void {
    const res = this.#res
    if (res.destroyed) return
    const text = err.toText()
    if (!this.#started) {
      this.#pending = []
      this.#start(err.httpStatus, { 'X-ClickHouse-Exception-Code': String(err.code) })
      ;(this.#sink as Writable).end(`${text}\n`)
      return
    }
    const sink = this.#sink as Writable
    sink.write(inBandException(text, this.exceptionTag))
    this.#native?.flushBlock()
    // No final chunk: the client sees the answer cut, never a complete-looking one. Each stage
    // passes its bytes on in a later tick, hence the steps.
    const breakConnection = () => setImmediate(() => res.socket?.end())
    const z = this.#zlib
    setImmediate(() => (z ? z.flush(breakConnection) : breakConnection()))
  }
}

export function createSqlServer(opts: SqlServerOptions): Server {
  const { pool, log } = opts
  const check = authenticator(opts.auth)
  const displayName = hostname()
  const maxQueryBytes = opts.maxQueryBytes ?? defaultMaxQueryBytes

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-ClickHouse-Server-Display-Name', displayName)
    const url = new URL(req.url ?? '/', 'http://endpoint')
    const method = req.method ?? 'GET'
    const simple = (body: string) => {
      res.setHeader('Content-Type', 'text/html; charset=UTF-8')
      res.end(method === 'HEAD' ? undefined : body)
    }
    if (url.pathname === '/ping' && (method === 'GET' || method === 'HEAD')) return simple('Ok.\n')
    if (url.pathname === '/replicas_status' && (method === 'GET' || method === 'HEAD'))
      return simple('Ok.\n')
    if (
      url.pathname === '/' &&
      (method === 'GET' || method === 'HEAD') &&
      !url.searchParams.has('query')
    )
      return simple('Ok.\n')

    let answer: Answer | undefined
    try {
      if (method !== 'GET' && method !== 'POST' && method !== 'HEAD')
        throw errors.unsupportedMethod(method)
      const request = readSqlRequest(url, req.headers)
      const { user, password } = request.credentials
      if (!check(user, password)) throw errors.authenticationFailed(user)
      if (
        method === 'POST' &&
        req.headers['content-length'] === undefined &&
        req.headers['transfer-encoding'] === undefined
      )
        throw errors.lengthRequired()
      let body = await readBody(req, maxQueryBytes)
      body = decodeBody(body, req.headers['content-encoding'])
      if (request.decompress) body = decodeBlocks(body)
      const sql = joinQuery(request.queryParameter, body.toString('utf8'))
      const text = readQueryText(sql, user)
      if (text instanceof ClickHouseException) throw text

      const encoding = request.httpCompression
        ? chooseHttpCompression(req.headers['accept-encoding'], zstdAvailable)
        : undefined
      const queryId = request.queryId ?? randomUUID()
      const headers: Record<string, string> = {
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Timezone': pool.timezone,
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Tag': '',
      }
      if (request.addCorsHeader && req.headers.origin) headers['Access-Control-Allow-Origin'] = '*'
      answer = new Answer(res, request, encoding, headers)
      headers['X-ClickHouse-Exception-Tag'] = answer.exceptionTag

      const session = pool.acquire()
      let result: QueryAnswer | undefined
      try {
        result = await runQuery(session, request, sql, text, opts.database)
        headers['Content-Type'] = result.format.contentType
        headers['X-ClickHouse-Format'] = result.format.name
        const pieces = result.pieces
        res.once('close', () => void pieces.return(undefined))
        if (method === 'HEAD') {
          await pieces.return(undefined)
          answer = undefined
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
          res.end()
          return
        }
        for await (const piece of pieces) {
          if (res.destroyed) break
          await answer.write(piece, result.progress)
        }
        if (!res.destroyed) await answer.end(result.progress)
      } finally {
        pool.release(session)
      }
    } catch (err) {
      const e = err instanceof ClickHouseException ? err : fromEngineError(err)
      log.debug({ code: e.code, status: e.httpStatus }, 'sql endpoint: query refused or failed')
      if (res.destroyed) return
      if (answer) answer.fail(e)
      else {
        res.statusCode = e.httpStatus
        res.setHeader('X-ClickHouse-Exception-Code', String(e.code))
        res.setHeader('Content-Type', 'text/plain; charset=UTF-8')
        res.end(method === 'HEAD' ? undefined : `${e.toText()}\n`)
      }
    }
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'sql endpoint: request handler failed')
      res.destroy()
    })
  })
  return server
}
