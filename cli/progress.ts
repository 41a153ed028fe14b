// One line of progress for long work: done / total, rate, and time left.
export function formatProgress(done: number, total: number, elapsedMs: number): string {
  const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0'
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0
  const left = rate > 0 ? (total - done) / rate : Number.NaN
  const eta =
    done >= total ? 'done' : Number.isFinite(left) ? `ETA ${formatSeconds(left)}` : 'ETA ?'
  return `${done} / ${total} events (${pct}%), ${Math.round(rate)} events/s, ${eta}`
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}
