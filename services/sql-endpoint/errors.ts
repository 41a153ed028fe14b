// Every error the SQL endpoint answers with speaks ClickHouse's language, because ClickHouse clients
// parse it: the body is `Code: N. DB::Exception: <message>. (NAME)`, the header
// X-ClickHouse-Exception-Code carries N, and the HTTP status is the one the server's
// exceptionCodeToHTTPStatus (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp) gives N. Errors the
// engine raises keep its own code and text; the few the endpoint raises itself are made here.

/** ClickHouse error codes the endpoint names (src/Common/ErrorCodes.cpp; a test checks each). */
export const codes = {
  UNSUPPORTED_METHOD: 1,
  CANNOT_PARSE_TEXT: 6,
  THERE_IS_NO_COLUMN: 8,
  DUPLICATE_COLUMN: 15,
  CANNOT_PARSE_ESCAPE_SEQUENCE: 25,
  CANNOT_PARSE_QUOTED_STRING: 26,
  CANNOT_PARSE_INPUT_ASSERTION_FAILED: 27,
  BAD_ARGUMENTS: 36,
  UNKNOWN_ELEMENT_IN_AST: 37,
  CANNOT_PARSE_DATE: 38,
  TOO_LARGE_SIZE_COMPRESSED: 39,
  CHECKSUM_DOESNT_MATCH: 40,
  CANNOT_PARSE_DATETIME: 41,
  ILLEGAL_COLUMN: 44,
  UNKNOWN_FUNCTION: 46,
  UNKNOWN_IDENTIFIER: 47,
  NOT_IMPLEMENTED: 48,
  UNKNOWN_TYPE: 50,
  TYPE_MISMATCH: 53,
  UNKNOWN_STORAGE: 56,
  UNKNOWN_TABLE: 60,
  SYNTAX_ERROR: 62,
  UNKNOWN_AGGREGATE_FUNCTION: 63,
  CANNOT_PARSE_NUMBER: 72,
  UNKNOWN_FORMAT: 73,
  CANNOT_OPEN_FILE: 76,
  UNKNOWN_TYPE_OF_QUERY: 78,
  UNKNOWN_DATABASE: 81,
  UNKNOWN_COMPRESSION_METHOD: 89,
  UNKNOWN_SETTING: 115,
  INCORRECT_DATA: 117,
  UNKNOWN_TYPE_OF_AST_NODE: 123,
  UNKNOWN_DIRECTION_OF_SORTING: 152,
  TIMEOUT_EXCEEDED: 159,
  READONLY: 164,
  TOO_DEEP_AST: 167,
  TOO_BIG_AST: 168,
  UNKNOWN_USER: 192,
  WRONG_PASSWORD: 193,
  REQUIRED_PASSWORD: 194,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  SOCKET_TIMEOUT: 209,
  UNEXPECTED_AST_STRUCTURE: 223,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE: 321,
  UNKNOWN_DATABASE_ENGINE: 336,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  CANNOT_PARSE_UUID: 376,
  HTTP_LENGTH_REQUIRED: 381,
  TOO_MANY_ROWS_OR_BYTES: 396,
  CANNOT_COMPILE_REGEXP: 427,
  CANNOT_SCHEDULE_TASK: 439,
  CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING: 441,
  UNKNOWN_QUERY_PARAMETER: 456,
  ACCESS_DENIED: 497,
  UNKNOWN_ROLE: 511,
  SET_NON_GRANTED_ROLE: 512,
  AUTHENTICATION_FAILED: 516,
  CANNOT_PARSE_IPV4: 675,
  CANNOT_PARSE_IPV6: 676,
  UNSUPPORTED_MEDIA_TYPE: 779,
  UNKNOWN_EXCEPTION: 1002,
} as const

export type ErrorName = keyof typeof codes

const badRequest = new Set<number>([
  codes.BAD_ARGUMENTS,
  codes.CANNOT_COMPILE_REGEXP,
  codes.CANNOT_PARSE_TEXT,
  codes.CANNOT_PARSE_ESCAPE_SEQUENCE,
  codes.CANNOT_PARSE_QUOTED_STRING,
  codes.CANNOT_PARSE_DATE,
  codes.CANNOT_PARSE_DATETIME,
  codes.CANNOT_PARSE_NUMBER,
  codes.CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING,
  codes.CANNOT_PARSE_IPV4,
  codes.CANNOT_PARSE_IPV6,
  codes.CANNOT_PARSE_INPUT_ASSERTION_FAILED,
  codes.CANNOT_PARSE_UUID,
  codes.DUPLICATE_COLUMN,
  codes.ILLEGAL_COLUMN,
  codes.UNKNOWN_ELEMENT_IN_AST,
  codes.UNKNOWN_TYPE_OF_AST_NODE,
  codes.THERE_IS_NO_COLUMN,
  codes.TOO_DEEP_AST,
  codes.TOO_BIG_AST,
  codes.UNEXPECTED_AST_STRUCTURE,
  codes.SYNTAX_ERROR,
  codes.INCORRECT_DATA,
  codes.TYPE_MISMATCH,
  codes.VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE,
])

const notFound = new Set<number>([
  codes.UNKNOWN_TABLE,
  codes.UNKNOWN_FUNCTION,
  codes.UNKNOWN_IDENTIFIER,
  codes.UNKNOWN_TYPE,
  codes.UNKNOWN_STORAGE,
  codes.UNKNOWN_DATABASE,
  codes.UNKNOWN_SETTING,
  codes.UNKNOWN_DIRECTION_OF_SORTING,
  codes.UNKNOWN_AGGREGATE_FUNCTION,
  codes.UNKNOWN_FORMAT,
  codes.UNKNOWN_DATABASE_ENGINE,
  codes.UNKNOWN_TYPE_OF_QUERY,
  codes.UNKNOWN_ROLE,
])

/** The HTTP status ClickHouse's server answers an exception code with. */
export function httpStatusOf(code: number): number {
  if (code === codes.REQUIRED_PASSWORD) return 401
  if (
    code === codes.UNKNOWN_USER ||
    code === codes.WRONG_PASSWORD ||
    code === codes.AUTHENTICATION_FAILED ||
    code === codes.SET_NON_GRANTED_ROLE ||
    code === codes.ACCESS_DENIED
  )
    return 403
  if (badRequest.has(code)) return 400
  if (notFound.has(code)) return 404
  if (code === codes.QUERY_IS_TOO_LARGE) return 413
  if (code === codes.NOT_IMPLEMENTED) return 501
  if (code === codes.SOCKET_TIMEOUT || code === codes.CANNOT_OPEN_FILE) return 503
  if (code === codes.HTTP_LENGTH_REQUIRED) return 411
  if (code === codes.TIMEOUT_EXCEEDED) return 408
  if (code === codes.CANNOT_SCHEDULE_TASK) return 503
  if (code === codes.UNSUPPORTED_MEDIA_TYPE) return 415
  return 500
}

/** An exception in ClickHouse's shape: a numeric code, its name, and the text after `DB::Exception: `. */
export class ClickHouseException extends Error {
  override name = 'ClickHouseException'
  readonly code: number
  readonly codeName: string
  constructor(code: number, codeName: string, message: string) {
    super(message)
    this.code = code
    this.codeName = codeName
  }
  get httpStatus(): number {
    return httpStatusOf(this.code)
  }
  /** The text a ClickHouse server writes into the response body, without the final newline. */
  toText(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.codeName})`
  }
}

function raise(name: ErrorName, message: string): ClickHouseException {
  return new ClickHouseException(codes[name], name, message)
}

// `Code: 60. DB::Exception: Unknown table ... (UNKNOWN_TABLE)`, possibly with a version suffix
// and nested `Code:` prefixes (the engine wraps some errors twice).
const engineMessage =
  /^Code: (\d+)\. DB::Exception: ([\s\S]*?)\.? \(([A-Z0-9_]+)\)(?: \(version [^)]*\))?\.?\s*$/

/**
 * The engine's error as a ClickHouseException: its code, name and text kept. A message that is
 * not in ClickHouse's shape (an error of the binding itself) becomes UNKNOWN_EXCEPTION.
 */
export function fromEngineError(err: unknown): ClickHouseException {
  if (err instanceof ClickHouseException) return err
  const text = err instanceof Error ? err.message : String(err)
  let m = engineMessage.exec(text.trim())
  if (m) {
    let message = m[2] ?? ''
    // Unwrap `Code: 164. DB::Exception: Code: 164. DB::Exception: inner (READONLY) (version ..)`.
    const inner = engineMessage.exec(message)
    if (inner && inner[1] === m[1]) m = inner
    message = (m[2] ?? '').replace(/\.$/, '')
    return new ClickHouseException(Number(m[1]), m[3] ?? 'UNKNOWN_EXCEPTION', message)
  }
  return raise('UNKNOWN_EXCEPTION', text.replace(/\.$/, ''))
}

/** Errors the endpoint raises itself, worded the way the server words them where it has one. */
export const errors = {
  authenticationFailed: (user: string) =>
    raise(
      'AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
    ),
  mixedAuthentication: (what: string) =>
    raise(
      'AUTHENTICATION_FAILED',
      `Invalid authentication: it is not allowed to use ${what} simultaneously`,
    ),
  unsupportedAuthScheme: (scheme: string) =>
    raise(
      'AUTHENTICATION_FAILED',
      `Invalid authentication: '${scheme}' HTTP Authorization scheme is not supported`,
    ),
  emptyQuery: () => raise('SYNTAX_ERROR', 'Empty query'),
  multiStatements: (position: number) =>
    raise(
      'SYNTAX_ERROR',
      `Syntax error (Multi-statements are not allowed): failed at position ${position + 1}`,
    ),
  unterminated: (what: string, position: number) =>
    raise('SYNTAX_ERROR', `Syntax error: failed at position ${position + 1}: unterminated ${what}`),
  unknownStatement: (word: string, position: number) =>
    raise(
      'SYNTAX_ERROR',
      `Syntax error: failed at position ${position + 1} ('${word}'): expected one of SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS, CHECK, SET, USE`,
    ),
  intoOutfile: () => raise('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed'),
  readonlyStatement: (user: string, statement: string) =>
    raise(
      'READONLY',
      `${user}: Cannot execute query in readonly mode: ${statement} is not allowed on this endpoint`,
    ),
  readonlyFunction: (user: string, fn: string, why: string) =>
    raise(
      'READONLY',
      `${user}: Cannot execute query in readonly mode: function ${fn}() ${why} and is not allowed on this endpoint`,
    ),
  tooManyQueries: (max: number) =>
    raise('TOO_MANY_SIMULTANEOUS_QUERIES', `Too many simultaneous queries. Maximum: ${max}`),
  queryTooLarge: (size: number, max: number) =>
    raise('QUERY_IS_TOO_LARGE', `Query is too large (${size}). max_query_size = ${max}`),
  lengthRequired: () =>
    raise(
      'HTTP_LENGTH_REQUIRED',
      'The Transfer-Encoding is not chunked and there is no Content-Length header for POST request',
    ),
  badSettingName: (name: string) => raise('UNKNOWN_SETTING', `Unknown setting '${name}'`),
  badParameterValue: (name: string, why: string) =>
    raise('BAD_ARGUMENTS', `Value of parameter ${name} is invalid: ${why}`),
  unknownCompression: (what: string) =>
    raise('UNKNOWN_COMPRESSION_METHOD', `Unknown compression method: ${what}`),
  checksumMismatch: () =>
    raise(
      'CHECKSUM_DOESNT_MATCH',
      "Checksum doesn't match: corrupted data in the compressed request body",
    ),
  compressedTooLarge: (size: number) =>
    raise('TOO_LARGE_SIZE_COMPRESSED', `Too large size_compressed_without_checksum: ${size}`),
  cannotDecompress: (why: string) => raise('CANNOT_DECOMPRESS', `Cannot decompress: ${why}`),
  unsupportedMethod: (method: string) =>
    raise('UNSUPPORTED_METHOD', `HTTP method ${method} is not supported: use GET, POST or HEAD`),
} as const
