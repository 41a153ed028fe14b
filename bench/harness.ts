// What every benchmark under bench/ shares: the shape a `NAME.bench.ts` file exports, the
// context bench/run.ts hands it, and small helpers for statistics, CPU accounting and tables.
import { readFileSync } from 'node:fs'

export interface BenchContext {
  /** Arguments after the benchmark names, e.g. `--rounds 5`; each benchmark reads its own. */
  args: string[]
  /** Progress lines (stderr), so stdout keeps only the tables. */
  log(line: string): void
  /** Registers a clean-up; run.ts runs them last-in first-out on success, error and Ctrl-C. */
  defer(cleanup: () => unknown): void
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal
}

export interface Benchmark {
  name: string
  description: string
  run(ctx: BenchContext): Promise<void>
}

/** The p-th percentile (0..100) of sorted values, nearest-rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined elsewhere. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14, 15)
    return (ticks * 1000) / 100 // USER_HZ is 100 on Linux
  } catch {
    return undefined
  }
}

/** CPU time (ms) of this process, every thread. */
export function ownCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))]
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n')
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-'),
  ms: (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '-'),
  pct: (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '-'),
}

/** Busy and total CPU ticks of the whole machine, every core, from /proc/stat. */
export function machineCpuTicks(): { busy: number; total: number } | undefined {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const v = first.trim().split(/\s+/).slice(1, 9).map(Number) // user .. steal
    const total = v.reduce((a, b) => a + b, 0)
    const idle = (v[3] ?? 0) + (v[4] ?? 0) // idle, iowait
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}
