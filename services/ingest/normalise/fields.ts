// Readers for loosely typed payload fields. Each returns null when the field is absent or of an
// unusable type, so one odd field never sinks a delivery.
import type { User } from '../../../lib/avro/types.generated.ts'
import { parseTimestamp } from './timestamps.ts'

export type Json = Record<string, unknown>

export function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null
}

export function str(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}

export function int(v: unknown): number | null {
  // avsc's long takes |n| < 2^53 - 1 only (found by the hostile-input property test).
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER)
    return v
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v)
  return null
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}

export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v
  if (v === 'true') return true
  if (v === 'false') return false
  return null
}

export const time = parseTimestamp

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(str).filter((s): s is string => s !== null) : []
}

export function ints(v: unknown): number[] {
  return Array.isArray(v) ? v.map(int).filter((n): n is number => n !== null) : []
}

export function array(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj).filter((o): o is Json => o !== null) : []
}

/** Labels come as objects with a title (GitLab 11+) or as plain strings. */
export function labels(v: unknown): string[] {
  if (!Array.isArray(v)) return []
  return v
    .map((l) => (typeof l === 'string' ? l : str(obj(l)?.title)))
    .filter((s): s is string => s !== null)
}

/** A `user` block, or the flat user_* fields of push events. */
export function user(body: Json): User {
  const u = obj(body.user)
  if (u) {
    return { id: int(u.id), name: str(u.name), username: str(u.username), email: str(u.email) }
  }
  return {
    id: int(body.user_id),
    name: str(body.user_name),
    username: str(body.user_username),
    email: str(body.user_email),
  }
}
