// Reading requests the way ClickHouse's HTTPHandler does, the server's error shape and statuses,
// and the format table that decides what streams.
import { describe, expect, it } from 'vitest'
import {
  ClickHouseException,
  codes,
  errors,
  fromEngineError,
  httpStatusOf,
} from '../../services/sql-endpoint/errors.ts'
import { headerLength, outputFormat } from '../../services/sql-endpoint/formats.ts'
import {
  chooseHttpCompression,
  defaultBufferSize,
  joinQuery,
  readSqlRequest,
} from '../../services/sql-endpoint/http-request.ts'

const req = (query: string, headers: Record<string, string> = {}) =>
  readSqlRequest(new URL(`http://h/?${query}`), headers)

describe('readSqlRequest', () => {
  it('splits parameters into the query, bound parameters, protocol parameters and settings', () => {
    const r = req(
      'query=SELECT+1&param_x=1&param_y=a%09b&query_id=q&database=db&default_format=CSV&compress=1&session_id=s&max_threads=2&readonly=1&enable_http_compression=1&wait_end_of_query=1',
    )
    expect(r.queryParameter).toBe('SELECT 1')
    expect(r.params).toEqual({ x: '1', y: 'a\tb' })
    expect(r.queryId).toBe('q')
    expect(r.database).toBe('db')
    expect(r.defaultFormat).toBe('CSV')
    expect(r.compress).toBe(true)
    expect(r.httpCompression).toBe(true)
    expect(r.waitEndOfQuery).toBe(true)
    expect(r.settings).toEqual([
      ['max_threads', '2'],
      ['readonly', '1'],
    ])
    expect(r.bufferSize).toBe(defaultBufferSize)
  })

  it('prefers the X-ClickHouse headers to the parameters', () => {
    const r = req('database=a&default_format=CSV&query_id=p', {
      'x-clickhouse-database': 'b',
      'x-clickhouse-format': 'JSON',
      'x-clickhouse-query-id': 'h',
    })
    expect([r.database, r.defaultFormat, r.queryId]).toEqual(['b', 'JSON', 'p'])
  })

  it('refuses a setting name that is not an identifier and a bad flag', () => {
    expect(() => req('max-threads=1')).toThrow(/Unknown setting 'max-threads'/)
    expect(() => req('compress=yes')).toThrow(ClickHouseException)
  })

  it('reads credentials from headers, Basic auth or parameters, never two of them', () => {
    expect(req('', { 'x-clickhouse-user': 'u', 'x-clickhouse-key': 'k' }).credentials).toEqual({
      user: 'u',
      password: 'k',
    })
    const basic = `Basic ${Buffer.from('u:p:q').toString('base64')}`
    expect(req('', { authorization: basic }).credentials).toEqual({ user: 'u', password: 'p:q' })
    expect(req('user=u&password=p').credentials).toEqual({ user: 'u', password: 'p' })
    expect(req('').credentials).toEqual({ user: 'default', password: '' })
    expect(() => req('user=u', { authorization: basic })).toThrow(/not allowed/)
    expect(() => req('', { authorization: basic, 'x-clickhouse-user': 'u' })).toThrow(/not allowed/)
    expect(() => req('', { authorization: 'Bearer x' })).toThrow(
      /'Bearer' HTTP Authorization scheme is not supported/,
    )
  })

  it('joins the query parameter and the body with a newline', () => {
    expect(joinQuery('SELECT', '1')).toBe('SELECT\n1')
    expect(joinQuery('', 'SELECT 1')).toBe('SELECT 1')
    expect(joinQuery('SELECT 1', '')).toBe('SELECT 1')
  })

  it('picks the response encoding in the server order', () => {
    expect(chooseHttpCompression('gzip, deflate, br, zstd', true)).toBe('zstd')
    expect(chooseHttpCompression('gzip, deflate, br, zstd', false)).toBe('br')
    expect(chooseHttpCompression('deflate', true)).toBe('deflate')
    expect(chooseHttpCompression('identity', true)).toBeUndefined()
  })
})

describe('errors', () => {
  it('gives each code the status of the server', () => {
    expect(httpStatusOf(codes.SYNTAX_ERROR)).toBe(400)
    expect(httpStatusOf(codes.AUTHENTICATION_FAILED)).toBe(403)
    expect(httpStatusOf(codes.REQUIRED_PASSWORD)).toBe(401)
    expect(httpStatusOf(codes.UNKNOWN_TABLE)).toBe(404)
    expect(httpStatusOf(codes.TIMEOUT_EXCEEDED)).toBe(408)
    expect(httpStatusOf(codes.QUERY_IS_TOO_LARGE)).toBe(413)
    expect(httpStatusOf(codes.READONLY)).toBe(500)
    expect(httpStatusOf(codes.TOO_MANY_SIMULTANEOUS_QUERIES)).toBe(500)
  })

  it("keeps the engine's code, name and text, unwrapping a doubled prefix", () => {
    const e = fromEngineError(
      new Error(
        "Code: 164. DB::Exception: Code: 164. DB::Exception: Cannot modify 'readonly' setting in readonly mode. (READONLY) (version 26.7.2.1). (READONLY)",
      ),
    )
    expect(e.code).toBe(164)
    expect(e.toText()).toBe(
      "Code: 164. DB::Exception: Cannot modify 'readonly' setting in readonly mode. (READONLY)",
    )
    expect(fromEngineError(new Error('socket closed')).codeName).toBe('UNKNOWN_EXCEPTION')
    expect(errors.tooManyQueries(4).toText()).toBe(
      'Code: 202. DB::Exception: Too many simultaneous queries. Maximum: 4. (TOO_MANY_SIMULTANEOUS_QUERIES)',
    )
  })
})

describe('output formats', () => {
  it('knows names in any case and by alias', () => {
    expect(outputFormat('tsv').name).toBe('TabSeparated')
    expect(outputFormat('NDJSON').name).toBe('JSONEachRow')
    expect(outputFormat('csvwithnames').contentType).toBe('text/csv; charset=UTF-8; header=present')
    expect(outputFormat('Parquet').joining.kind).toBe('whole')
    expect(outputFormat('PrettyCompact')).toMatchObject({
      name: 'PrettyCompact',
      joining: { kind: 'whole' },
    })
  })

  it('measures the header a piece repeats', () => {
    const lines = (n: 1 | 2, csv = false) => ({ kind: 'lines', lines: n, csv }) as const
    expect(headerLength(lines(1), Buffer.from('a\tb\n1\t2\n'))).toBe(4)
    expect(headerLength(lines(2), Buffer.from('a\nUInt8\n1\n'))).toBe(8)
    expect(headerLength(lines(1, true), Buffer.from('"a\nb","c"""\n1,2\n'))).toBe(12)
    // RowBinaryWithNamesAndTypes: 2 columns, names n and s, types UInt64 and String.
    const rb = Buffer.from(
      '02016e017306' +
        Buffer.from('UInt64').toString('hex') +
        '06' +
        Buffer.from('String').toString('hex') +
        'ff',
      'hex',
    )
    expect(headerLength({ kind: 'rowbinary', strings: 2 }, rb)).toBe(rb.length - 1)
    expect(() => headerLength(lines(2), Buffer.from('a\n'))).toThrow(/truncated/)
  })
})
