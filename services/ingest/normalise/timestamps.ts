// GitLab-compatible senders write times three ways (seeds/README.md): `2013-12-03T17:15:43Z`,
// `2015-05-17 18:08:09 UTC` and `2019-01-01T00:08:00+08:00`; AtomGit's docs also have
// `2019-04-08T21: 00:25-07:00`. All become epoch milliseconds UTC; anything else is null.
export function parseTimestamp(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null
    return inRange(value < 1e11 ? Math.round(value * 1000) : Math.round(value))
  }
  if (typeof value !== 'string') return null
  // Most times are already ISO-8601 with a zone: straight to Date.parse, no rewriting.
  if (isoWithZone.test(value)) return inRange(Date.parse(value))
  let s = value.trim()
  s = s.replace(/T(\d{1,2}):\s+(\d{2})/, 'T$1:$2') // "T21: 00:25"
  s = s.replace(/^(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2})/, '$1T$2') // date and time split by a space
  s = s.replace(/\s*UTC$/i, 'Z')
  s = s.replace(/\s+([+-]\d{2}):?(\d{2})$/, '$1:$2') // " +0200"
  s = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2') // "+0200"
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(s))
    return null
  // A time without a zone is UTC for GitLab (its API and hooks use UTC unless they say otherwise).
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z'
  return inRange(Date.parse(s))
}

const isoWithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

// Years 1970 to 9999: what a webhook time can mean, and what an Avro long and DateTime64 hold.
const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

function inRange(ms: number): number | null {
  return Number.isFinite(ms) && ms >= 0 && ms <= latest ? ms : null
}
