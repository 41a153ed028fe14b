// Reads an HTTP request the way ClickHouse's HTTPHandler does (src/Server/HTTPHandler.cpp):
// - the query is the `query` parameter, the body, or both joined by a newline;
// - `database` / X-ClickHouse-Database, `default_format` / X-ClickHouse-Format (the header wins);
// - `param_<name>` are bound parameters;
// - protocol parameters (compress, user, query_id, session_id, ...) are the handler's own;
// - every other parameter is a setting.
// Pure: the server hands it the URL and headers, and gets back what to run or a ClickHouse error.
import type { IncomingHttpHeaders } from 'node:http'
import { errors } from './errors.ts'

/** Parameters the server's handler keeps for itself (reserved_param_names, plus query/role). */
const protocolParameters = new Set([
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'query_id',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'session_id',
  'session_timeout',
  'session_check',
  'client_protocol_version',
  'close_session',
  'role',
  'query',
  'database',
  'default_format',
])

/**
 * Settings that shape the HTTP answer rather than the query: the endpoint applies them itself.
 * A readonly=1 user of a ClickHouse server cannot send them (the server refuses to change any
 * setting), which is why clickhouse-js tells such users to turn response compression off; here
 * they are accepted, so clients work with their defaults.
 */
const httpSettings = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close',
  'http_write_exception_in_output_format',
  'http_native_compression_disable_checksumming_on_decompress',
])

export interface Credentials {
  user: string
  password: string
}

export interface SqlRequest {
  /** The `query` parameter; the body is appended by the server once read. */
  queryParameter: string
  database: string | undefined
  /** X-ClickHouse-Format, else default_format: the format when the SQL names none. */
  defaultFormat: string | undefined
  queryId: string | undefined
  /** `param_<name>` values, as sent (ClickHouse's text form of the value). */
  params: Record<string, string>
  /** Settings for the engine, in the order given. */
  settings: [string, string][]
  credentials: Credentials
  /** `compress=1`: ClickHouse's own block compression of the answer. */
  compress: boolean
  /** `decompress=1`: the body is in ClickHouse's block compression. */
  decompress: boolean
  /** `enable_http_compression=1`: compress the answer as Accept-Encoding allows. */
  httpCompression: boolean
  /** http_zlib_compression_level (1-9), for gzip and deflate. */
  zlibLevel: number
  /** `wait_end_of_query=1`: send nothing until the query has finished. */
  waitEndOfQuery: boolean
  /** Bytes held before the first byte is sent, so that early errors still get their status. */
  bufferSize: number
  addCorsHeader: boolean
}

/** DBMS_DEFAULT_BUFFER_SIZE: the server holds at least this much before answering. */
export const defaultBufferSize = 1024 * 1024

const settingName = /^[A-Za-z_][A-Za-z0-9_]*$/

function flag(name: string, raw: string | undefined, otherwise: boolean): boolean {
  if (raw === undefined) return otherwise
  const v = raw.trim().toLowerCase()
  if (v === '1' || v === 'true') return true
  if (v === '0' || v === 'false' || v === '') return false
  throw errors.badParameterValue(name, `expected 0 or 1, got ${JSON.stringify(raw)}`)
}

function count(name: string, raw: string | undefined, otherwise: number): number {
  if (raw === undefined) return otherwise
  if (!/^\d+$/.test(raw.trim()))
    throw errors.badParameterValue(
      name,
      `expected a non-negative integer, got ${JSON.stringify(raw)}`,
    )
  return Number(raw)
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Who is asking: X-ClickHouse-User/Key, Basic credentials or user/password parameters, never two. */
export function readCredentials(url: URL, headers: IncomingHttpHeaders): Credentials {
  const headerUser = header(headers, 'x-clickhouse-user')
  const headerKey = header(headers, 'x-clickhouse-key')
  const authorization = header(headers, 'authorization')
  const inParams = url.searchParams.has('user') || url.searchParams.has('password')
  if (headerUser !== undefined || headerKey !== undefined) {
    if (authorization !== undefined)
      throw errors.mixedAuthentication('X-ClickHouse HTTP headers and Authorization HTTP header')
    if (inParams)
      throw errors.mixedAuthentication(
        'X-ClickHouse HTTP headers and authentication via parameters',
      )
    return { user: headerUser || 'default', password: headerKey ?? '' }
  }
  if (authorization !== undefined) {
    if (inParams)
      throw errors.mixedAuthentication(
        'Authorization HTTP header and authentication via parameters',
      )
    const [scheme = '', info = ''] = authorization.trim().split(/\s+/, 2)
    if (scheme.toLowerCase() !== 'basic') throw errors.unsupportedAuthScheme(scheme)
    const decoded = Buffer.from(info, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon < 0
      ? { user: decoded, password: '' }
      : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
  }
  return {
    user: url.searchParams.get('user') || 'default',
    password: url.searchParams.get('password') ?? '',
  }
}

export function readSqlRequest(url: URL, headers: IncomingHttpHeaders): SqlRequest {
  const p = url.searchParams
  const params: Record<string, string> = {}
  const settings: [string, string][] = []
  const http = new Map<string, string>()
  for (const [key, value] of p) {
    if (key === '' || protocolParameters.has(key)) continue
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length)
      if (!(name in params)) params[name] = value
      continue
    }
    if (!settingName.test(key)) throw errors.badSettingName(key)
    if (httpSettings.has(key)) http.set(key, value)
    else settings.push([key, value])
  }
  const bufferSize = Math.max(
    count('buffer_size', p.get('buffer_size') ?? http.get('http_response_buffer_size'), 0),
    defaultBufferSize,
  )
  return {
    queryParameter: p.get('query') ?? '',
    database: header(headers, 'x-clickhouse-database') || p.get('database') || undefined,
    defaultFormat: header(headers, 'x-clickhouse-format') || p.get('default_format') || undefined,
    queryId: p.get('query_id') || header(headers, 'x-clickhouse-query-id') || undefined,
    params,
    settings,
    credentials: readCredentials(url, headers),
    compress: flag('compress', p.get('compress') ?? undefined, false),
    decompress: flag('decompress', p.get('decompress') ?? undefined, false),
    httpCompression: flag('enable_http_compression', http.get('enable_http_compression'), false),
    zlibLevel: Math.min(
      9,
      Math.max(1, count('http_zlib_compression_level', http.get('http_zlib_compression_level'), 3)),
    ),
    waitEndOfQuery: flag(
      'wait_end_of_query',
      p.get('wait_end_of_query') ?? http.get('http_wait_end_of_query'),
      false,
    ),
    bufferSize,
    addCorsHeader: flag('add_http_cors_header', http.get('add_http_cors_header'), false),
  }
}

/** The query text: the parameter and the body joined by a newline when both are there. */
export function joinQuery(queryParameter: string, body: string): string {
  if (queryParameter === '') return body
  return body === '' ? queryParameter : `${queryParameter}\n${body}`
}

export type HttpCompression = 'zstd' | 'br' | 'gzip' | 'deflate'

/**
 * The response encoding for an Accept-Encoding list, in the server's order of preference
 * (chooseHTTPCompressionMethod); only those Node's zlib can write.
 */
export function chooseHttpCompression(
  acceptEncoding: string | undefined,
  zstdAvailable: boolean,
): HttpCompression | undefined {
  if (!acceptEncoding) return undefined
  const list = acceptEncoding.toLowerCase()
  if (zstdAvailable && list.includes('zstd')) return 'zstd'
  if (list.includes('br')) return 'br'
  if (list.includes('gzip')) return 'gzip'
  if (list.includes('deflate')) return 'deflate'
  return undefined
}
