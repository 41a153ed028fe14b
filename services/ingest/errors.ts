// Every error the ingest answers with, created here once: a stable code, the HTTP status, and a
// message that says what was wrong. Responses carry `{ error: { code, message } }`.
export interface IngestErrorBody {
  error: { code: string; message: string; details?: unknown }
}

export class IngestError extends Error {
  override name = 'IngestError'
  readonly code: string
  readonly statusCode: number
  readonly details: unknown
  constructor(code: string, statusCode: number, message: string, details?: unknown) {
    super(message)
    this.code = code
    this.statusCode = statusCode
    this.details = details
  }
  toBody(): IngestErrorBody {
    const error: IngestErrorBody['error'] = { code: this.code, message: this.message }
    if (this.details !== undefined) error.details = this.details
    return { error }
  }
}

export const errors = {
  unauthorized: (why: string) => new IngestError('HH_UNAUTHORIZED', 401, why),
  emptyBody: () =>
    new IngestError(
      'HH_EMPTY_BODY',
      400,
      'the request body is empty: expected a JSON webhook payload',
    ),
  invalidJson: (why: string) =>
    new IngestError('HH_INVALID_JSON', 400, `the body is not JSON: ${why}`),
  notAnObject: (got: string) =>
    new IngestError(
      'HH_NOT_AN_OBJECT',
      400,
      `the body is JSON but not an object (got ${got}): a webhook payload is a JSON object`,
    ),
  invalidUtf8: () => new IngestError('HH_INVALID_UTF8', 400, 'the body is not valid UTF-8'),
  unsupportedMediaType: (type: string) =>
    new IngestError(
      'HH_UNSUPPORTED_MEDIA_TYPE',
      415,
      `content type ${JSON.stringify(type)} is not JSON and the body does not parse as JSON; send application/json`,
    ),
  bodyTooLarge: (limit: number) =>
    new IngestError(
      'HH_BODY_TOO_LARGE',
      413,
      `the body is over the limit of ${limit} bytes (INGEST_BODY_LIMIT)`,
    ),
  eventTooLarge: (why: string) =>
    new IngestError('HH_EVENT_TOO_LARGE', 413, `${why}; raise it or lower INGEST_BODY_LIMIT`),
  spoolFull: () =>
    new IngestError(
      'HH_SPOOL_FULL',
      503,
      'Kafka is unreachable and the local spool is full; retry later',
    ),
  unavailable: (why: string) => new IngestError('HH_UNAVAILABLE', 503, why),
} as const
