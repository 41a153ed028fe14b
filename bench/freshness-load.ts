// Child process of bench/projector.bench.ts: posts unique synthetic deliveries at a fixed rate
// (open loop) and reports each acknowledgement's wall time over IPC.
import { Pool } from 'undici'
import { syntheticDelivery } from './synthetic.ts'

export interface FreshnessSpec {
  url: string
  rate: number
  seconds: number
  token: string
  /** First synthetic index, so these events differ from the throughput phase's. */
  offset: number
}

export interface FreshnessAck {
  id: string
  status: number
  at: number
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as FreshnessSpec
  const url = new URL(spec.url)
  const pool = new Pool(url.origin, { connections: 32, pipelining: 1 })
  const synth = { projects: 50, startMs: Date.now() - 86_400_000, spanMs: 86_400_000 }
  const total = spec.rate * spec.seconds
  const started = performance.now()
  const inflight: Promise<void>[] = []
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / spec.rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const d = syntheticDelivery(spec.offset + i, synth)
    const id = `fresh-${spec.offset + i}`
    inflight.push(
      pool
        .request({
          path: url.pathname,
          method: 'POST',
          headers: {
            ...d.headers,
            'content-type': 'application/json',
            'x-gitlab-token': spec.token,
            'idempotency-key': id,
          },
          body: d.body,
        })
        .then(async (res) => {
          await res.body.dump()
          process.send?.({ id, status: res.statusCode, at: Date.now() } satisfies FreshnessAck)
        })
        .catch(() => {
          process.send?.({ id, status: 0, at: Date.now() } satisfies FreshnessAck)
        }),
    )
  }
  await Promise.all(inflight)
  await pool.close()
  process.send?.({ done: true })
  process.disconnect?.()
}
