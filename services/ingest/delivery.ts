// What a delivery says about itself in its headers: which product sent it, the event header,
// GitLab's delivery headers, and its stable id.
import { createHash } from 'node:crypto'

export type Headers = Record<string, string | string[] | undefined>

export type Source = 'gitlab' | 'gitswarm' | 'atomgit'

// Never copied into the envelope or a log line.
export const secretHeaders = new Set([
  'x-gitlab-token',
  'x-atomgit-token',
  'authorization',
  'cookie',
  'x-clickhouse-key',
])

export function header(headers: Headers, name: string): string | null {
  const v = headers[name]
  const s = Array.isArray(v) ? v[0] : v
  return s === undefined || s === '' ? null : s
}

export interface DeliveryInfo {
  source: Source
  eventHeader: string | null
  instance: string | null
  webhookUuid: string | null
  eventUuid: string | null
  idempotencyKey: string | null
  userAgent: string | null
  /** Every header but the secret ones, for the envelope. */
  kept: Record<string, string>
}

export function readDelivery(headers: Headers): DeliveryInfo {
  const atomgit = header(headers, 'x-atomgit-event')
  const gitlab = header(headers, 'x-gitlab-event')
  const userAgent = header(headers, 'user-agent')
  const source: Source = atomgit
    ? 'atomgit'
    : userAgent && /gitswarm/i.test(userAgent)
      ? 'gitswarm'
      : 'gitlab'
  const kept: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || secretHeaders.has(k)) continue
    kept[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return {
    source,
    eventHeader: atomgit ?? gitlab,
    instance: header(headers, 'x-gitlab-instance'),
    webhookUuid: header(headers, 'x-gitlab-webhook-uuid'),
    eventUuid: header(headers, 'x-gitlab-event-uuid'),
    idempotencyKey: header(headers, 'idempotency-key'),
    userAgent,
    kept,
  }
}

/**
 * Idempotency-Key when sent (GitLab 17.4+, the same across retries and manual resends); else a
 * SHA-256 of source, event header and body, which a retry of the same delivery reproduces.
 * X-Gitlab-Event-UUID is not used: recursive hooks share it.
 */
export function eventId(
  d: Pick<DeliveryInfo, 'source' | 'eventHeader' | 'idempotencyKey'>,
  body: Buffer,
): string {
  if (d.idempotencyKey) return d.idempotencyKey
  return createHash('sha256')
    .update(d.source)
    .update('\n')
    .update(d.eventHeader ?? '')
    .update('\n')
    .update(body)
    .digest('hex')
}
