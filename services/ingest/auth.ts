// Who may deliver. A GitLab hook proves itself with X-Gitlab-Token; AtomGit puts HTTP Basic
// credentials in the hook URL; newer GitLab can sign the Standard Webhooks way. Several secrets
// may be valid at once so one can be rotated. Every comparison is constant-time: both sides are
// hashed to the same length first, and every configured secret is compared, match or not.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { header, type Headers } from './delivery.ts'

export interface AuthConfig {
  tokens: string[]
  signingSecrets: string[]
  allowUnauthenticated: boolean
  /** Standard Webhooks: reject signatures whose timestamp is further off than this. */
  toleranceSeconds?: number
}

export type AuthResult = { ok: true; method: string } | { ok: false; reason: string }

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest()

// Digests of the configured secrets, made once per list rather than on every delivery.
const digests = new WeakMap<string[], Buffer[]>()

function matchesAny(candidate: string, secrets: string[]): boolean {
  let known = digests.get(secrets)
  if (!known) {
    known = secrets.map((s) => digest(s))
    digests.set(secrets, known)
  }
  const c = digest(candidate)
  let found = false
  for (const d of known) found = timingSafeEqual(c, d) || found
  return found
}

function basicPassword(headers: Headers): { user: string; password: string } | null {
  const auth = header(headers, 'authorization')
  const m = auth ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth) : null
  if (!m?.[1]) return null
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  return i < 0 ? null : { user: decoded.slice(0, i), password: decoded.slice(i + 1) }
}

/** Checks the secret token (header or Basic credentials). Runs before the body is read. */
export function checkToken(cfg: AuthConfig, headers: Headers): AuthResult {
  const token = header(headers, 'x-gitlab-token') ?? header(headers, 'x-atomgit-token')
  if (token !== null) {
    return matchesAny(token, cfg.tokens)
      ? { ok: true, method: 'token' }
      : { ok: false, reason: 'the webhook token is not valid' }
  }
  const basic = basicPassword(headers)
  if (basic) {
    return matchesAny(basic.password, cfg.tokens)
      ? { ok: true, method: 'basic' }
      : { ok: false, reason: 'the Basic credentials are not valid' }
  }
  if (header(headers, 'webhook-signature') !== null && cfg.signingSecrets.length > 0) {
    return { ok: true, method: 'signature-pending' }
  }
  if (cfg.allowUnauthenticated) return { ok: true, method: 'none' }
  return {
    ok: false,
    reason: 'no webhook token: set the secret token of the webhook in GitLab (X-Gitlab-Token)',
  }
}

/**
 * Standard Webhooks signature: `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`
 * keyed by the base64 part of a `whsec_` secret; several space-separated signatures may be sent.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function checkSignature(
  cfg: AuthConfig,
  headers: Headers,
  body: Buffer,
  nowMs = Date.now(),
): AuthResult {
  const id = header(headers, 'webhook-id')
  const ts = header(headers, 'webhook-timestamp')
  const sigs = header(headers, 'webhook-signature')
  if (!id || !ts || !sigs)
    return {
      ok: false,
      reason: 'webhook-id, webhook-timestamp and webhook-signature are all required',
    }
  const seconds = Number(ts)
  const tolerance = cfg.toleranceSeconds ?? 300
  if (!Number.isInteger(seconds) || Math.abs(nowMs / 1000 - seconds) > tolerance) {
    return { ok: false, reason: `webhook-timestamp is more than ${tolerance} s away from now` }
  }
  const sent = sigs
    .split(' ')
    .map((s) => s.split(','))
    .filter(([v, sig]) => v === 'v1' && sig)
    .map(([, sig]) => Buffer.from(sig ?? '', 'base64'))
  let found = false
  for (const secret of cfg.signingSecrets) {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
    const expected = createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest()
    for (const s of sent)
      found = (s.length === expected.length && timingSafeEqual(s, expected)) || found
  }
  return found
    ? { ok: true, method: 'signature' }
    : { ok: false, reason: 'the webhook signature is not valid' }
}
