// Progress lines while a run goes: what was sent and answered, how far the log and the projector
// are, the spool, and the memory of each process. Also keeps the peaks a report quotes.
import { fmt } from '../../bench/harness.ts'
import type { LoadRun } from './sender.ts'
import { readiness, type Run } from './run.ts'

export interface ProgressOptions {
  label: string
  topic: string
  group: string
  load: LoadRun
  ingestUrls: string[]
  everyMs: number
}

export interface Progress {
  /** Deepest the spool of any ingest got, in events and bytes. */
  spoolPeak: { depth: number; bytes: number }
  /** Largest gap between the log end and the projector group's committed offsets. */
  maxLag: number
  stop(): void
}

export function startProgress(run: Run, opts: ProgressOptions): Progress {
  const started = Date.now()
  const p: Progress = { spoolPeak: { depth: 0, bytes: 0 }, maxLag: 0, stop: () => {} }
  let spoolNow = new Map<string, number>()
  const poll = setInterval(() => {
    void Promise.all(
      opts.ingestUrls.map(async (u) => {
        const r = await readiness(u)
        if (!r) return
        spoolNow.set(u, r.spool.depth)
        p.spoolPeak.depth = Math.max(p.spoolPeak.depth, r.spool.depth)
        p.spoolPeak.bytes = Math.max(p.spoolPeak.bytes, r.spool.bytes)
      }),
    )
  }, 1000)
  const print = setInterval(() => {
    void (async () => {
      const t = await run.watch.totals(opts.topic, opts.group)
      if (t) p.maxLag = Math.max(p.maxLag, t.end - t.committed)
      const s = opts.load.statuses()
      const elapsed = Math.round((Date.now() - started) / 1000)
      const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`
      const answers = Object.entries(s)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([code, n]) => `${code === '0' ? 'none' : code} ${fmt.int(n)}`)
        .join(' ')
      const mem = ['ingest', 'projector', 'kafka']
        .map((role) => `${role} ${fmt.int(run.memory.currentMb(role))}`)
        .join(' ')
      const spool = [...spoolNow.values()].reduce((a, b) => a + b, 0)
      run.log(
        `[${opts.label} ${clock}] sent ${fmt.int(opts.load.sent())} | ${answers || 'no answers yet'} | ` +
          (t
            ? `log ${fmt.int(t.end)} projector committed ${fmt.int(t.committed)} (lag ${fmt.int(t.end - t.committed)})`
            : 'Kafka not answering') +
          ` | spool ${fmt.int(spool)} | RSS MB ${mem}`,
      )
      spoolNow = new Map()
    })()
  }, opts.everyMs)
  poll.unref()
  print.unref()
  p.stop = () => {
    clearInterval(poll)
    clearInterval(print)
  }
  return p
}
