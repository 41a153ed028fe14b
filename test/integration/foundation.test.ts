// The two real components every other part stands on: a Kafka broker that keeps what it acked,
// and a ClickHouse engine (embedded unless CLICKHOUSE_URL) that returns what was inserted.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Kafka, logLevel } from 'kafkajs'
import { ensureTopics } from '../../lib/kafka/topics.ts'
import { createTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts'

describe('Kafka', () => {
  it('gives back, in order, the records it acknowledged with acks=all', async () => {
    const brokers = inject('kafkaBrokers')
    const topic = `foundation-${randomUUID()}`
    await ensureTopics(brokers, [{ topic, partitions: 1 }])
    const kafka = new Kafka({ brokers, clientId: 'foundation-test', logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ idempotent: true })
    await producer.connect()
    const sent = Array.from({ length: 50 }, (_, i) => ({ key: 'p1', value: `record-${i}` }))
    await producer.send({ topic, acks: -1, messages: sent })
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId: `g-${randomUUID()}` })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const got: string[] = []
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`only ${got.length} records came back`)),
        30_000,
      )
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value?.toString() ?? '')
          if (got.length === sent.length) {
            clearTimeout(timer)
            done()
          }
        },
      })
    })
    await consumer.disconnect()
    expect(got).toEqual(sent.map((m) => m.value))
  })
})

describe('ClickHouse', () => {
  let ch: TestClickHouse
  beforeAll(async () => {
    ch = await createTestClickHouse()
  })
  afterAll(async () => {
    await ch?.cleanup()
  })

  it('applied the migrations and records each once', async () => {
    const rs = await ch.client.query({
      query: 'SELECT name FROM schema_migrations FINAL ORDER BY version',
      format: 'JSONEachRow',
    })
    const names = (await rs.json<{ name: string }>()).map((r) => r.name)
    expect(names[0]).toBe('events')
    expect(new Set(names).size).toBe(names.length)
  })

  it('returns the rows it was given, with bound parameters', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      event_id: `e-${i}`,
      source: 'gitlab',
      kind: i % 2 ? 'push' : 'merge_request',
      event_header: 'Push Hook',
      instance: '',
      project_id: i % 7,
      project_path: `g/p${i % 7}`,
      group_path: 'g',
      occurred_at: null,
      received_at: Date.UTC(2026, 0, 1, 0, 0, i % 60),
      payload: '{}',
      kafka_partition: 0,
      kafka_offset: i,
    }))
    await ch.client.insert({
      table: 'events',
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
    const rs = await ch.client.query({
      query:
        'SELECT count() AS n, uniqExact(event_id) AS ids FROM events FINAL WHERE kind = {kind:String}',
      query_params: { kind: 'push' },
      format: 'JSONEachRow',
    })
    expect(await rs.json()).toEqual([{ n: 500, ids: 500 }])
  })
})

describe('migrations against the engine', () => {
  it('running them again applies nothing', async () => {
    const ch = await createTestClickHouse()
    try {
      const { migrateTarget } = await import('../../lib/clickhouse/migrations.ts')
      const { migrationsDir } = await import('../../lib/paths.ts')
      await ch.client.close()
      const again = await migrateTarget(ch.target, migrationsDir)
      expect(again.applied).toEqual([])
      expect(again.skipped.length).toBeGreaterThan(0)
    } finally {
      await ch.cleanup()
    }
  })
})

describe('insertRows', () => {
  it('drops an identical retry by its deduplication token, and keeps a different batch', async () => {
    const ch = await createTestClickHouse()
    try {
      const { insertRows } = await import('../../lib/clickhouse/insert-rows.ts')
      await ch.client.command({ query: 'SYSTEM STOP MERGES events' })
      const row = (id: string) => ({
        event_id: id,
        source: 'gitlab',
        kind: 'push',
        event_header: 'Push Hook',
        instance: '',
        project_id: 1,
        project_path: 'g/p',
        group_path: 'g',
        occurred_at: null,
        received_at: '2026-01-01T00:00:00.000Z',
        payload: '{"a": "quote \\" and newline \\n"}',
        kafka_partition: 0,
        kafka_offset: '9007199254740993',
      })
      const settings = { date_time_input_format: 'best_effort', insert_deduplication_token: 't-1' }
      await insertRows(ch.client, 'events', [row('a'), row('b')], settings)
      await insertRows(ch.client, 'events', [row('a'), row('b')], settings)
      await insertRows(ch.client, 'events', [row('c')], {
        ...settings,
        insert_deduplication_token: 't-2',
      })
      const rs = await ch.client.query({
        query:
          'SELECT count() AS n, toString(max(kafka_offset)) AS o, any(payload) AS p FROM events',
        format: 'JSONEachRow',
      })
      expect(await rs.json()).toEqual([
        { n: 3, o: '9007199254740993', p: '{"a": "quote \\" and newline \\n"}' },
      ])
    } finally {
      await ch.cleanup()
    }
  })
})
