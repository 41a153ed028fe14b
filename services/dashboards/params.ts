// A panel request's query string, checked before any SQL runs: every name must be a known filter,
// every value well formed. Values then reach ClickHouse only as bound parameters, never as SQL
// text, so a quote or a semicolon in a value is data, not syntax; the checks here are for clear
// 400s, not for safety.
import { errors, type DashboardsError } from './errors.ts'
import { parameterNames, type ParameterName, type Panel } from './panels.ts'

export type BoundValues = Partial<Record<ParameterName, string>>

export type ParamsResult =
  | { ok: true; values: BoundValues; shown: Record<string, string> }
  | { ok: false; error: DashboardsError }

const DAY = 86_400_000
export const defaultRange = { from: 'now-30d', to: 'now' }

const units: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: DAY,
  w: 7 * DAY,
}

/**
 * `now`, `now-30d` (m, h, d, w), a date `2026-11-01`, an ISO 8601 time with a zone
 * (`2026-11-01T12:00:00Z`, `+02:00`), or epoch milliseconds. A time without a zone is UTC.
 */
export function parseTime(raw: string, now: number): number | undefined {
  const v = raw.trim()
  const relative = /^now(?:-(\d{1,6})([mhdw]))?$/.exec(v)
  if (relative) {
    const [, n, unit] = relative
    return n === undefined || unit === undefined ? now : now - Number(n) * (units[unit] ?? 0)
  }
  if (/^\d{10,13}$/.test(v)) return Number(v)
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/
  if (!iso.test(v)) return undefined
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(v) || v.length === 10 ? v : `${v}Z`
  const ms = Date.parse(withZone.replace(' ', 'T'))
  return Number.isNaN(ms) ? undefined : ms
}

/** The form a DateTime64(3) bound parameter takes: `2026-11-23 12:00:00.000`, UTC. */
export function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}

// GitLab paths: letters, digits, '_', '-', '.', and '/' between namespaces; a project may also be
// named by its numeric id.
const pathLike = /^[\p{L}\p{N}_.\-/]*$/u
// Git ref names (git check-ref-format): no control characters, space, ~ ^ : ? * [ or backslash.
// eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
const refLike = /^[^\u0000-\u0020\u007f~^:?*[\\]*$/

const textRules: Record<'project' | 'group' | 'branch', { pattern: RegExp; expects: string }> = {
  project: {
    pattern: pathLike,
    expects: 'a project path such as group/project, or a project id',
  },
  group: { pattern: pathLike, expects: 'a group path such as group or group/subgroup' },
  branch: { pattern: refLike, expects: 'a branch or tag name' },
}

export function readPanelParams(
  panel: Panel,
  query: Record<string, unknown>,
  now: number = Date.now(),
): ParamsResult {
  for (const name of Object.keys(query)) {
    if (!(parameterNames as string[]).includes(name))
      return { ok: false, error: errors.unknownParameter(name, parameterNames) }
  }
  const raw = (name: ParameterName): string | DashboardsError => {
    const v = query[name]
    if (v === undefined) return ''
    if (typeof v !== 'string') return errors.badParameter(name, 'given more than once')
    if (v.length > 255) return errors.badParameter(name, 'longer than 255 characters')
    return v
  }

  const shown: Record<string, string> = {}
  const values: BoundValues = {}
  const times: Partial<Record<'from' | 'to', number>> = {}
  for (const name of ['from', 'to'] as const) {
    const v = raw(name)
    if (typeof v !== 'string') return { ok: false, error: v }
    const text = v.trim() === '' ? defaultRange[name] : v
    const ms = parseTime(text, now)
    if (ms === undefined)
      return {
        ok: false,
        error: errors.badParameter(
          name,
          `${JSON.stringify(v)} is not a time: expected now, now-30d (m, h, d, w), 2026-11-01, an ISO 8601 time or epoch milliseconds`,
        ),
      }
    times[name] = ms
  }
  if ((times.from ?? 0) >= (times.to ?? 0))
    return { ok: false, error: errors.badParameter('from', 'must be before to') }

  for (const name of ['project', 'group', 'branch'] as const) {
    const v = raw(name)
    if (typeof v !== 'string') return { ok: false, error: v }
    const rule = textRules[name]
    if (!rule.pattern.test(v))
      return {
        ok: false,
        error: errors.badParameter(name, `${JSON.stringify(v)} is not ${rule.expects}`),
      }
    if (panel.params.includes(name)) {
      values[name] = v
      shown[name] = v
    }
  }
  for (const name of ['from', 'to'] as const) {
    if (!panel.params.includes(name)) continue
    const ms = times[name] ?? now
    values[name] = clickhouseTime(ms)
    shown[name] = new Date(ms).toISOString()
  }
  return { ok: true, values, shown }
}
