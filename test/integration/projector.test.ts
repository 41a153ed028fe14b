// The projector against the real broker and the embedded engine: the seed deliveries, posted to
// the real ingest, appear in every table with the values the payloads imply; duplicates, a
// redelivered batch, a full replay and a poison record change no query result.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { createCodec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import { schemasDir } from '../../lib/paths.ts'
import { createProjectorMetrics } from '../../services/projector/metrics.ts'
import {
  startProjector,
  type ProjectorOptions,
  type RunningProjector,
} from '../../services/projector/projector.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'
import { startTestIngest, type TestIngest } from '../support/ingest.ts'
import { readTopic } from '../support/kafka.ts'
import { seed, seeds } from '../support/seeds.ts'
import { until } from '../support/until.ts'

let ch: TestClickHouse
let ingest: TestIngest
let posted = 0

const eventCodec = createCodec<Event>(schemasDir, 'event')
const deadLetterCodec = createCodec<DeadLetter>(schemasDir, 'dead_letter')

function projector(overrides: Partial<ProjectorOptions> = {}): Promise<RunningProjector> {
  return startProjector({
    brokers: inject('kafkaBrokers'),
    topic: ingest.topic,
    deadLetterTopic: ingest.deadLetterTopic,
    groupId: `projector-${randomUUID()}`,
    clickhouse: ch.client,
    eventCodec,
    deadLetterCodec,
    log: pino({ level: 'silent' }),
    metrics: createProjectorMetrics(),
    batchMaxEvents: 7,
    batchMaxWaitMs: 100,
    ...overrides,
  })
}

async function rows<T>(query: string): Promise<T[]> {
  const rs = await ch.client.query({ query, format: 'JSONEachRow' })
  return rs.json<T>()
}

/** Numbers a user would read off the tables; each must survive duplicates and replays. */
async function snapshot(): Promise<Record<string, unknown>> {
  const one = async (q: string) => (await rows<Record<string, unknown>>(q))[0]
  return {
    events: await one('SELECT count() AS n, uniqExact(event_id) AS ids FROM events FINAL'),
    commits: await one(
      'SELECT count() AS n, uniqExact(author_email) AS authors, min(pushed_at) AS first FROM commits FINAL',
    ),
    pushes: await one('SELECT count() AS n, sum(commit_count) AS commits FROM pushes FINAL'),
    pipelines: await one('SELECT count() AS n, sum(duration_s) AS seconds FROM pipelines FINAL'),
    jobs: await one(
      'SELECT count() AS n, sum(duration_s) AS seconds, groupArraySorted(20)(status) AS statuses FROM jobs FINAL',
    ),
    mrs: await one(
      'SELECT count() AS n, groupArraySorted(20)(state) AS states FROM merge_requests FINAL',
    ),
    mrEvents: await one(
      'SELECT count() AS n, groupArraySorted(50)(action) AS actions FROM merge_request_events FINAL',
    ),
    issues: await one('SELECT count() AS n FROM issues FINAL'),
  }
}

async function postAll(): Promise<void> {
  for (const s of seeds) {
    const res = await ingest.post(s.body, s.headers)
    expect(res.status, s.id).toBe(200)
    posted++
  }
}

beforeAll(async () => {
  ch = await createTestClickHouse()
  ingest = await startTestIngest(inject('kafkaBrokers'))
})
afterAll(async () => {
  await ingest?.stop()
  await ch?.cleanup()
})

describe('the seed deliveries, projected', () => {
  let first: Record<string, unknown>

  it('appear in every table with the values the payloads imply', async () => {
    await postAll()
    const p = await projector()
    try {
      await until('every event folded', () => p.folded >= posted)
    } finally {
      await p.close()
    }

    const [events] = await rows<{ n: number; ids: number }>(
      'SELECT count() AS n, uniqExact(event_id) AS ids FROM events FINAL',
    )
    expect(events).toEqual({ n: seeds.length, ids: seeds.length })

    const pipeline = await rows<Record<string, unknown>>(
      'SELECT pipeline_id, project_id, project_path, status, duration_s, ref, toString(created_at) AS created FROM pipelines FINAL WHERE pipeline_id = 31 AND project_id = 1',
    )
    expect(pipeline).toEqual([
      {
        pipeline_id: 31,
        project_id: 1,
        project_path: 'gitlab-org/gitlab-test',
        status: 'success',
        duration_s: 63,
        ref: 'master',
        created: '2016-08-12 15:23:28.000',
      },
    ])

    const jobs = await rows<{
      job_id: number
      stage: string
      status: string
      duration_s: number | null
    }>(
      'SELECT job_id, stage, status, duration_s FROM jobs FINAL WHERE pipeline_id = 31 AND project_id = 1 ORDER BY job_id',
    )
    expect(jobs).toEqual([
      { job_id: 376, stage: 'build', status: 'success', duration_s: 30 },
      { job_id: 377, stage: 'test', status: 'success', duration_s: null },
      { job_id: 378, stage: 'test', status: 'success', duration_s: 17 },
      { job_id: 379, stage: 'deploy', status: 'created', duration_s: null },
      { job_id: 380, stage: 'deploy', status: 'skipped', duration_s: null },
    ])
    const legacyBuild = await rows<Record<string, unknown>>(
      'SELECT job_id, pipeline_id, name FROM jobs FINAL WHERE job_id = 1977',
    )
    expect(legacyBuild).toEqual([{ job_id: 1977, pipeline_id: 2366, name: 'test' }])

    // Five documents push the same two commits to project 15 (one row each, the first push
    // wins); AtomGit's push adds two more, its times given at +08:00.
    const project15 = await rows<Record<string, unknown>>(
      'SELECT substring(sha, 1, 7) AS sha, author_name, toString(committed_at) AS at FROM commits FINAL WHERE project_id = 15 ORDER BY committed_at',
    )
    expect(project15).toEqual([
      { sha: 'b6568db', author_name: 'Jordi Mallach', at: '2011-12-12 12:27:31.000' },
      { sha: 'da15608', author_name: 'GitLab dev user', at: '2012-01-03 21:36:29.000' },
      { sha: 'f2e2d57', author_name: expect.any(String), at: '2018-12-31 16:08:00.000' },
      { sha: 'eb63d02', author_name: expect.any(String), at: '2019-01-03 15:36:29.000' },
    ])

    const comments = await rows<{ n: number }>(
      "SELECT count() AS n FROM merge_request_events FINAL WHERE action = 'comment'",
    )
    expect(comments[0]?.n).toBeGreaterThanOrEqual(4)
    const opened = await rows<Record<string, unknown>>(
      'SELECT mr_iid, state, toString(created_at) AS created FROM merge_requests FINAL WHERE project_id = 14 AND mr_iid = 1',
    )
    expect(opened.length).toBeGreaterThan(0)
    first = await snapshot()
  })

  it('do not change when every delivery is retried and a batch is redelivered after a failed commit', async () => {
    const before = ingest.eventLog
    expect(before).toBeDefined()
    await postAll()
    let failures = 0
    const p = await projector({
      // First run of this group: fail the commit of the first batch once, after its inserts, as a
      // crash between insert and commit would. The batch comes back and is inserted again.
      fromBeginning: true,
      beforeCommit: async () => {
        if (failures++ === 0) throw new Error('injected crash between insert and offset commit')
      },
    })
    try {
      await until('the retried deliveries and the replay folded', () => p.folded >= posted)
    } finally {
      await p.close()
    }
    expect(failures).toBeGreaterThan(1)
    expect(await snapshot()).toEqual(first)
  })

  it('dead-letters a poison record and goes on with the next ones', async () => {
    const kafka = new Kafka({
      brokers: inject('kafkaBrokers'),
      clientId: 'poison',
      logLevel: logLevel.NOTHING,
    })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: ingest.topic,
      messages: [{ key: '1', value: 'not an avro record' }],
    })
    await producer.disconnect()
    const late = seed('gitlab-11/issues')
    const res = await ingest.post(late.body.replace('"iid": 23', '"iid": 4242'), late.headers)
    expect(res.status).toBe(200)
    posted += 1

    const p = await projector()
    try {
      await until('the poison record passed', () => p.folded >= posted)
    } finally {
      await p.close()
    }
    const issue = await rows<{ n: number }>(
      'SELECT count() AS n FROM issues FINAL WHERE iid = 4242',
    )
    expect(issue[0]?.n).toBe(1)
    const dead = (await readTopic(inject('kafkaBrokers'), ingest.deadLetterTopic, 1)).map((r) =>
      deadLetterCodec.decode(r.value),
    )
    expect(dead.filter((d) => d.code === 'HH_POISON').map((d) => d.body.toString())).toEqual([
      'not an avro record',
    ])
  })
})
