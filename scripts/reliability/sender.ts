// Webhooks at a fixed rate (open loop: each request leaves at its scheduled time whatever the
// answers do, so a stall counts against every request it delays), spread round-robin over one or
// more ingest URLs. Every request carries its own Idempotency-Key, `<runId>-<i>`, which becomes
// its event id: what was accepted can be looked up in the log and the tables by id afterwards.
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { percentile } from '../../bench/harness.ts'
import { buildMix, type Payload } from '../../bench/payloads.ts'
import { syntheticDelivery, type SyntheticOptions } from '../../bench/synthetic.ts'

/**
 * realistic: one request in four is a real seed delivery (every kind the seeds hold, GitLab,
 * AtomGit and GitSwarm), the rest unique synthetic CI-heavy deliveries. synthetic: only the
 * latter, whose rows never tie on a table's version column (see docs/reliability.md).
 */
export type Mix = 'realistic' | 'synthetic'

export interface LoadPlan {
  urls: string[]
  token: string
  /** Requests per second. */
  rate: number
  durationMs: number
  mix: Mix
  runId: string
}

export const eventIdOf = (runId: string, i: number) => `${runId}-${i}`

/** Answers per request, by index; status 0 is no answer (connection refused, reset, timeout). */
export interface LoadResult {
  runId: string
  sent: number
  status: Int16Array
  /** performance.now() when the request was handed to the connection pool. */
  sentAt: Float64Array
  /** performance.now() when the answer (or the failure) came back. */
  doneAt: Float64Array
  /** performance.now() the request was due: latency runs from here. */
  dueAt: Float64Array
  firstError: string | undefined
}

export interface LoadRun {
  /** Requests sent so far. */
  sent(): number
  /** Answers so far by status ('0' for none). */
  statuses(): Record<string, number>
  /** Ends the load early (what is in flight still completes). */
  stop(): void
  done: Promise<LoadResult>
}

const requestTimeoutMs = 10_000 // GitLab waits 10 s for an answer

export function startLoad(plan: LoadPlan): LoadRun {
  const max = Math.max(1, Math.round((plan.rate * plan.durationMs) / 1000))
  const status = new Int16Array(max).fill(-1)
  const sentAt = new Float64Array(max)
  const doneAt = new Float64Array(max)
  const dueAt = new Float64Array(max)
  const counts: Record<string, number> = {}
  const pools = plan.urls.map(
    (u) =>
      new Pool(new URL(u).origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 }),
  )
  const paths = plan.urls.map((u) => new URL(u).pathname)
  const delivery = deliveries(plan.mix)
  let sent = 0
  let stopped = false
  let firstError: string | undefined
  const inflight = new Set<Promise<void>>()

  const send = (i: number) => {
    const d = delivery(i)
    const k = i % pools.length
    const pool = pools[k] as Pool
    const headers: Record<string, string> = {
      ...d.headers,
      'content-type': 'application/json',
      'x-gitlab-token': plan.token,
      'idempotency-key': eventIdOf(plan.runId, i),
    }
    sentAt[i] = performance.now()
    const r = pool
      .request({
        path: paths[k] ?? '/webhooks',
        method: 'POST',
        headers,
        body: d.body,
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      })
      .then(async (res) => {
        await res.body.dump()
        return res.statusCode
      })
      .catch((err: Error) => {
        firstError ??= err.message
        return 0
      })
      .then((s) => {
        doneAt[i] = performance.now()
        status[i] = s
        counts[s] = (counts[s] ?? 0) + 1
      })
    inflight.add(r)
    void r.then(() => inflight.delete(r))
  }

  const done = (async (): Promise<LoadResult> => {
    const start = performance.now()
    const interval = 1000 / plan.rate
    while (sent < max && !stopped) {
      const now = performance.now()
      for (; sent < max; sent++) {
        const due = start + sent * interval
        if (due > now) break
        dueAt[sent] = due
        send(sent)
      }
      const next = start + sent * interval - performance.now()
      await new Promise((r) => setTimeout(r, Math.max(1, next)))
    }
    await Promise.all(inflight)
    await Promise.all(pools.map((p) => p.close()))
    return {
      runId: plan.runId,
      sent,
      status: status.subarray(0, sent),
      sentAt: sentAt.subarray(0, sent),
      doneAt: doneAt.subarray(0, sent),
      dueAt: dueAt.subarray(0, sent),
      firstError,
    }
  })()
  return {
    sent: () => sent,
    statuses: () => ({ ...counts }),
    stop: () => {
      stopped = true
    },
    done,
  }
}

export const isAccepted = (status: number) => status === 200 || status === 202

export interface LoadSummary {
  sent: number
  accepted: number
  /** 200: acknowledged by Kafka. */
  ok: number
  /** 202: in the fsync'd spool while Kafka was unreachable. */
  spooled: number
  /** 503: Kafka unreachable and the spool full. */
  refused: number
  /** Any other HTTP answer. */
  otherHttp: number
  /** No answer: connection refused or reset (an ingest down), or over GitLab's 10 s. */
  noAnswer: number
  statuses: Record<string, number>
  /** Latency of accepted requests from their due time, ms. */
  p50: number
  p99: number
  max: number
}

export function summarise(r: LoadResult): LoadSummary {
  const statuses: Record<string, number> = {}
  const latencies: number[] = []
  let ok = 0
  let spooled = 0
  let refused = 0
  let otherHttp = 0
  let noAnswer = 0
  for (let i = 0; i < r.sent; i++) {
    const s = r.status[i] ?? 0
    statuses[s] = (statuses[s] ?? 0) + 1
    if (s === 200) ok++
    else if (s === 202) spooled++
    else if (s === 503) refused++
    else if (s <= 0) noAnswer++
    else otherHttp++
    if (isAccepted(s)) latencies.push((r.doneAt[i] ?? 0) - (r.dueAt[i] ?? 0))
  }
  const sorted = Float64Array.from(latencies).sort()
  return {
    sent: r.sent,
    accepted: ok + spooled,
    ok,
    spooled,
    refused,
    otherHttp,
    noAnswer,
    statuses,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
  }
}

/** The i-th delivery of a mix; deterministic, so a run can be repeated. */
function deliveries(
  mix: Mix,
): (i: number) => { headers: Record<string, string>; body: string | Buffer } {
  const synth: SyntheticOptions = {
    projects: 50,
    startMs: Date.UTC(2026, 9, 1),
    spanMs: 30 * 86_400_000,
  }
  if (mix === 'synthetic') return (i) => syntheticDelivery(i, synth)
  const seeds = buildMix().sequence
  return (i) => {
    if (i % 4 !== 0) return syntheticDelivery(i, synth)
    const p = seeds[(i / 4) % seeds.length] as Payload
    // The seed's own headers, lower-cased, without its token or any Idempotency-Key of its own.
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(p.headers)) {
      const name = k.toLowerCase()
      if (name !== 'x-gitlab-token' && name !== 'idempotency-key') headers[name] = v
    }
    return { headers, body: p.body }
  }
}
