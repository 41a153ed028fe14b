// Optional access control for the UI and the API: one token, sent as a bearer token by API clients
// or as the password of Basic credentials by a browser (which prompts for it after a 401 that
// names the Basic scheme, then sends it with every request to the same origin, fetches included).
import { createHash, timingSafeEqual } from 'node:crypto'

export interface DashboardsAuth {
  token: string
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/** True when the Authorization header carries the token. Comparison time does not leak it. */
export function authorised(auth: DashboardsAuth, header: string | undefined): boolean {
  if (!header) return false
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2)
  let presented: string | undefined
  if (/^bearer$/i.test(scheme)) presented = value
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    presented = colon === -1 ? undefined : decoded.slice(colon + 1)
  }
  return presented !== undefined && timingSafeEqual(digest(presented), digest(auth.token))
}
