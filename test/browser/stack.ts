// The whole hookhouse pipeline in the test process, as `hookhouse start` runs it: a real ingest
// on the test broker, the projector folding its topic into an embedded ClickHouse, and the
// dashboards on that engine. Data gets in only as webhook deliveries posted to the ingest.
import { createHash, randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { startDashboards, type RunningDashboards } from '../../services/dashboards/index.ts'
import { createProjectorMetrics } from '../../services/projector/metrics.ts'
import { startProjector, type RunningProjector } from '../../services/projector/projector.ts'
import { syntheticDelivery } from '../../bench/synthetic.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { startTestIngest, type TestIngest } from '../support/ingest.ts'
import { deploymentHook, doraStory, push, WEB } from '../support/dora-story.ts'
import { seeds } from '../support/seeds.ts'
import { until } from '../support/until.ts'

export const DAY = 86_400_000
export const MONTH = 30 * DAY

export interface Stack {
  ingest: TestIngest
  clickhouse: TestClickHouse
  projector: RunningProjector
  dashboards: RunningDashboards
  /** Deliveries the ingest accepted. */
  posted: number
  stop(): Promise<void>
}

export interface StackOptions {
  brokers: string[]
  /** How many synthetic deliveries to spread over the month before `now`. */
  synthetic: number
  projects: number
  now: number
}

/**
 * The synthetic deliveries of the month before `now`. syntheticDelivery(i) puts delivery i at
 * startMs + (i / 1e6) * spanMs (plus up to a minute): it spreads a million deliveries over the
 * span, so 3,000 consecutive ones would all land in the first two hours. Taking every
 * (1e6 / count)-th delivery instead samples that million evenly, and covers the whole month.
 *
 * The times a delivery implies reach up to an hour before its `at` (a merge request's creation)
 * and a minute after it, so the span keeps 90 minutes clear of both ends of the 30 days: a
 * "last 30 days" range holds every synthetic event for the first 20 minutes after `now`, and
 * the page and the API, asked a few seconds apart, see the same rows.
 */
export function syntheticMonth(count: number, projects: number, now: number) {
  const step = Math.floor(1e6 / count)
  const margin = 90 * 60_000
  const opts = { projects, startMs: now - MONTH + margin, spanMs: MONTH - 2 * margin }
  return Array.from({ length: count }, (_, k) => {
    const i = k * step
    return { id: `browser-synthetic-${i}`, ...syntheticDelivery(i, opts) }
  })
}

/**
 * Monday 09:00 UTC of the week holding `now` - 9 days: the story (which spans 31 hours from
 * there) ends days before `now` and starts well inside the last 30 days.
 */
export function storyStart(now: number): number {
  const day = new Date(now - 9 * 86_400_000)
  const monday =
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) -
    ((day.getUTCDay() + 6) % 7) * 86_400_000
  return monday + 9 * 3_600_000
}

/** Posts `items` to the ingest, `concurrency` at a time; every one must be accepted. */
async function postAll(
  ingest: TestIngest,
  items: { id: string; headers: Record<string, string>; body: string }[],
  concurrency: number,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]
      if (!item) break
      const res = await ingest.post(item.body, item.headers)
      if (res.status !== 200)
        throw new Error(`the ingest refused ${item.id}: ${res.status} ${JSON.stringify(res.json)}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = pino({ level: 'silent' })
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {})
  }
  try {
    const clickhouse = await createTestClickHouse()
    stops.push(() => clickhouse.cleanup())
    const ingest = await startTestIngest(opts.brokers)
    stops.push(() => ingest.stop())
    const projector = await startProjector({
      brokers: opts.brokers,
      topic: ingest.topic,
      deadLetterTopic: ingest.deadLetterTopic,
      groupId: `projector-${randomUUID()}`,
      clickhouse: clickhouse.client,
      eventCodec: createCodec<Event>(schemasDir, 'event'),
      deadLetterCodec: createCodec<DeadLetter>(schemasDir, 'dead_letter'),
      log,
      metrics: createProjectorMetrics(),
      batchMaxEvents: 500,
      batchMaxWaitMs: 100,
    })
    stops.push(() => projector.close())

    // The seeds first (one at a time, in file order, as a GitLab would send them), then the month.
    await postAll(
      ingest,
      seeds.map((s) => ({ id: s.id, headers: s.headers, body: s.body })),
      1,
    )
    // The DORA story (deployments, an incident, a revert, a rollback, a flaky job) in a week of
    // the month, so the Overview's panels have something to draw in the default range too.
    const story = doraStory(storyStart(opts.now)).history.map((d, i) => ({
      id: `dora-story-${i}`,
      headers: { 'x-gitlab-event': d.header },
      body: JSON.stringify(d.body),
    }))
    await postAll(ingest, story, 1)
    const month = syntheticMonth(opts.synthetic, opts.projects, opts.now).map((d) => ({
      ...d,
      headers: { ...d.headers, 'idempotency-key': d.id },
    }))
    await postAll(ingest, month, 8)
    // A commit pushed, then deployed to production a moment later. A commit's lead time starts
    // when its push is received, so the story's deployments, dated in the past but received
    // now, contain no commit yet: this one gives the lead-time panel its rows.
    const liveSha = createHash('sha1').update(`live-${opts.now}`).digest('hex')
    const pushedAt = Date.now()
    const live = push(WEB, 'main', [{ id: liveSha, at: pushedAt }], pushedAt)
    await postAll(
      ingest,
      [
        {
          id: 'live-push',
          headers: { 'x-gitlab-event': live.header },
          body: JSON.stringify(live.body),
        },
      ],
      1,
    )
    const deployed = deploymentHook(
      9001,
      'production',
      'production',
      'success',
      Date.now() + 1000,
      liveSha,
      null,
    )
    await postAll(
      ingest,
      [
        {
          id: 'live-deployment',
          headers: { 'x-gitlab-event': deployed.header },
          body: JSON.stringify(deployed.body),
        },
      ],
      1,
    )
    const posted = seeds.length + story.length + month.length + 2
    await until(
      `the projector to fold ${posted} events`,
      () => projector.folded + projector.skipped >= posted,
      120_000,
    )
    if (projector.skipped > 0) throw new Error(`the projector dead-lettered ${projector.skipped}`)

    const dashboards = await startDashboards({
      clickhouse: clickhouse.target,
      host: '127.0.0.1',
      port: 0,
      log,
      ingestUrl: ingest.url,
    })
    stops.push(() => dashboards.close())
    return { ingest, clickhouse, projector, dashboards, posted, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
