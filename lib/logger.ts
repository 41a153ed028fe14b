// The one logger. Structured JSON (pino); headers that carry secrets are redacted wherever they
// appear, so a delivery can be logged whole without leaking a token.
import { pino, type Logger } from 'pino'

export type { Logger }

export const redactedPaths = [
  'req.headers["x-gitlab-token"]',
  'req.headers["x-atomgit-token"]',
  'req.headers.authorization',
  'req.headers["x-clickhouse-key"]',
  'req.headers["webhook-signature"]',
  'headers["x-gitlab-token"]',
  'headers.authorization',
  'password',
  'token',
]

export function createLogger(level = 'info', name = 'hookhouse'): Logger {
  return pino({ name, level, redact: { paths: redactedPaths, censor: '[redacted]' } })
}
