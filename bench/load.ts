// The load generator, run as a child process (bench/ingest.bench.ts forks it) so it never shares
// an event loop with the servers it measures. One spec in (argv[2], JSON), one result out (IPC).
//
// closed: `connections` keep-alive connections, each sending its next request as soon as the
//         previous answer is read: the highest rate the server sustains.
// open:   requests sent on a fixed schedule (`rate` per second) whatever the answers do, over a
//         pool of keep-alive connections; latency runs from the scheduled send time, so a stall
//         counts against every request it delays (no coordinated omission).
//
// Both send the same deterministic mix (bench/payloads.ts). Only the requests of the measured
// window count in the statistics; every answer counts in `total`, which the Kafka check uses.
import { performance } from 'node:perf_hooks'
import { Client, Pool } from 'undici'
import { percentile } from './harness.ts'
import { buildMix, type Payload } from './payloads.ts'

export interface LoadSpec {
  mode: 'closed' | 'open'
  url: string
  connections: number
  warmupMs: number
  durationMs: number
  /** Requests per second, open mode only. */
  rate?: number
}

export interface LoadStats {
  requests: number
  rps: number
  statuses: Record<string, number>
  ok2xx: number
  non2xx: number
  errors: number
  p50: number
  p95: number
  p99: number
  max: number
}

export interface LoadResult {
  spec: LoadSpec
  measured: LoadStats
  /** Every request of the run, warm-up included. */
  total: {
    sent: number
    ok2xx: number
    non2xx: number
    errors: number
    statuses: Record<string, number>
  }
  /** CPU the generator itself used in the measured window (ms), and the window (ms). */
  clientCpuMs: number
  windowMs: number
  /** Open mode: how late the generator sent, behind its schedule (ms). */
  sendLag?: { p99: number; max: number }
  firstError?: string
}

export type LoadMessage =
  { type: 'measuring' } | { type: 'measured' } | { type: 'result'; result: LoadResult }

const requestTimeoutMs = 10_000 // GitLab waits 10 s for an answer

class Recorder {
  latencies: number[] = []
  statuses: Record<string, number> = {}
  errors = 0
  ok2xx = 0
  non2xx = 0

  answer(status: number, latencyMs?: number) {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1
    if (status >= 200 && status < 300) this.ok2xx++
    else this.non2xx++
    if (latencyMs !== undefined) this.latencies.push(latencyMs)
  }

  stats(windowMs: number): LoadStats {
    const sorted = Float64Array.from(this.latencies).sort()
    const requests = this.ok2xx + this.non2xx + this.errors
    return {
      requests,
      rps: (requests * 1000) / windowMs,
      statuses: this.statuses,
      ok2xx: this.ok2xx,
      non2xx: this.non2xx,
      errors: this.errors,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    }
  }
}

function send(msg: LoadMessage): Promise<void> {
  return new Promise((ok) => {
    if (!process.send) return ok()
    process.send(msg, () => ok())
  })
}

const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const { sequence } = buildMix()
  const url = new URL(spec.url)
  const path = url.pathname + url.search
  let cursor = 0
  const next = (): Payload => sequence[cursor++ % sequence.length] as Payload
  const measured = new Recorder()
  const total = new Recorder()
  let firstError: string | undefined

  const start = performance.now()
  const measureFrom = start + spec.warmupMs
  const measureTo = measureFrom + spec.durationMs
  let cpuAtStart: number | undefined
  let cpuAtEnd: number | undefined
  const markStart = () => {
    cpuAtStart = cpuMs()
    void send({ type: 'measuring' })
  }
  const markEnd = () => {
    if (cpuAtEnd !== undefined) return
    cpuAtEnd = cpuMs()
    void send({ type: 'measured' })
  }
  const marks = [
    setTimeout(markStart, spec.warmupMs),
    setTimeout(markEnd, spec.warmupMs + spec.durationMs),
  ]

  const request = async (
    dispatcher: Client | Pool,
    p: Payload,
    sentAt: number,
    inWindow: (doneAt: number) => boolean,
  ) => {
    try {
      const res = await dispatcher.request({
        path,
        method: 'POST',
        headers: p.headers,
        body: p.body,
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      })
      await res.body.dump()
      const doneAt = performance.now()
      total.answer(res.statusCode)
      if (inWindow(doneAt)) measured.answer(res.statusCode, doneAt - sentAt)
    } catch (err) {
      firstError ??= (err as Error).message
      total.errors++
      if (inWindow(performance.now())) measured.errors++
    }
  }

  let sendLag: LoadResult['sendLag']
  if (spec.mode === 'closed') {
    // One client per connection: each is one keep-alive socket with one request at a time.
    const clients = Array.from(
      { length: spec.connections },
      () => new Client(url.origin, { pipelining: 1, keepAliveTimeout: 60_000 }),
    )
    const inWindow = (doneAt: number) => doneAt >= measureFrom && doneAt < measureTo
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < measureTo) await request(c, next(), performance.now(), inWindow)
      }),
    )
    await Promise.all(clients.map((c) => c.close()))
  } else {
    const rate = spec.rate ?? 1000
    const interval = 1000 / rate
    const count = Math.round((rate * (spec.warmupMs + spec.durationMs)) / 1000)
    const pool = new Pool(url.origin, {
      connections: spec.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
    })
    const lags: number[] = []
    const pending = new Set<Promise<void>>()
    let i = 0
    await new Promise<void>((done) => {
      const tick = () => {
        const now = performance.now()
        for (; i < count; i++) {
          const scheduled = start + i * interval
          if (scheduled > now) break
          lags.push(now - scheduled)
          // Counted in the window by when it was due, not by when it finished.
          const inWindow = () => scheduled >= measureFrom && scheduled < measureTo
          const r = request(pool, next(), scheduled, inWindow)
          pending.add(r)
          void r.then(() => pending.delete(r))
        }
        if (i >= count) return done()
        setTimeout(tick, Math.max(0, start + i * interval - performance.now()))
      }
      tick()
    })
    await Promise.all(pending)
    await pool.close()
    const sortedLags = Float64Array.from(lags).sort()
    sendLag = {
      p99: percentile(sortedLags, 99),
      max: sortedLags[sortedLags.length - 1] ?? Number.NaN,
    }
  }
  // The last answers may come in before the end-of-window timer fires.
  for (const t of marks) clearTimeout(t)
  if (cpuAtStart === undefined) markStart()
  markEnd()

  return {
    spec,
    measured: measured.stats(spec.durationMs),
    total: {
      sent: total.ok2xx + total.non2xx + total.errors,
      ok2xx: total.ok2xx,
      non2xx: total.non2xx,
      errors: total.errors,
      statuses: total.statuses,
    },
    clientCpuMs: (cpuAtEnd ?? 0) - (cpuAtStart ?? 0),
    windowMs: spec.durationMs,
    ...(sendLag ? { sendLag } : {}),
    ...(firstError ? { firstError } : {}),
  }
}

// Run as a child: the parent going away ends the load at once.
if (import.meta.main) {
  const orphaned = () => process.exit(1)
  process.on('disconnect', orphaned)
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
  const result = await runLoad(spec)
  await send({ type: 'result', result })
  process.off('disconnect', orphaned)
  process.disconnect?.()
}
