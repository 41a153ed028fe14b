// Shared value rules of every projection, so each table spells missing values and times the same
// way:
// - times are Dates (UTC instants with milliseconds), or null for a Nullable column when the
//   payload has none. Not ISO strings: the embedded insert writes them in binary, and formatting
//   then parsing every time cost a sixth of the projector's CPU; the JSON path a server gets
//   prints a Date as ISO 8601 on its own;
// - a missing string is '', a missing id is 0; durations are Nullable so a missing one never
//   counts as zero.

/** An epoch-milliseconds time, or null. */
export function time(ms: number | null | undefined): Date | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms)
}

/** An epoch-milliseconds time that is always there (e.g. received_at). */
export function timeAt(ms: number): Date {
  return new Date(ms)
}

export const text = (s: string | null | undefined): string => s ?? ''

export const id = (n: number | null | undefined): number => n ?? 0

/** `refs/heads/main` → `main`; a tag ref or anything else → ''. */
export function branchOf(ref: string | null | undefined): string {
  if (!ref) return ''
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length)
  if (ref.startsWith('refs/')) return ''
  return ref
}

export function firstLine(s: string | null | undefined): string {
  return (s ?? '').split('\n', 1)[0]?.trim() ?? ''
}

/** Seconds between two epoch-millisecond times, or null when either is unknown. */
export function secondsBetween(from: number | null, to: number | null): number | null {
  return from === null || to === null ? null : (to - from) / 1000
}

// Version columns are UInt64 and stay below 2^53 so a JS number carries them exactly.
// 1e13 ms is the year 2286: every time of interest fits below it.
const TIME_SPAN = 10_000_000_000_000

/**
 * ReplacingMergeTree keeps the row with the greatest version. `firstSeenVersion` makes the
 * EARLIEST receipt the greatest, so the first appearance of a key wins (a commit's first push).
 */
export function firstSeenVersion(receivedAt: number): number {
  return TIME_SPAN - receivedAt
}

/**
 * CI status ranks: waiting states < running < finished. A row with a higher rank always wins; at
 * the same rank the later time wins. So a late 'running' never overwrites 'success', and a job
 * that finished before its 'running' event arrived still ends finished. A retried pipeline
 * (GitLab keeps its id) shows its previous result until the retry finishes, then the retry's.
 */
const statusRanks: Record<string, number> = {
  created: 1,
  waiting_for_resource: 1,
  waiting_for_callback: 1,
  preparing: 1,
  pending: 1,
  scheduled: 1,
  manual: 1,
  blocked: 1,
  running: 2,
  canceling: 2,
  success: 3,
  failed: 3,
  canceled: 3,
  skipped: 3,
}

export function statusRank(status: string | null | undefined): number {
  return status ? (statusRanks[status.toLowerCase()] ?? 0) : 0
}

export const isFinished = (status: string | null | undefined): boolean => statusRank(status) === 3

/** rank * 1e13 + time: the rank decides, the time breaks ties. */
export function statusVersion(status: string | null | undefined, timeMs: number): number {
  return statusRank(status) * TIME_SPAN + Math.max(0, Math.min(TIME_SPAN - 1, timeMs))
}

/** Latest update wins; at the same instant the more final state (small rank) wins. */
export function updatedVersion(updatedAtMs: number, stateRank: number): number {
  return Math.max(0, updatedAtMs) * 10 + stateRank
}
