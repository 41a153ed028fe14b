// Creates the event log and dead-letter topics when missing. The event topic is keyed by project
// id, so its partition count bounds how many projector replicas can share the work.
import { Kafka, logLevel } from 'kafkajs'

export interface TopicSpec {
  topic: string
  partitions: number
  /** The topic's max.message.bytes: the largest record batch the broker accepts. */
  maxMessageBytes?: number
}

export async function ensureTopics(brokers: string[], topics: TopicSpec[]): Promise<void> {
  const admin = new Kafka({
    brokers,
    clientId: 'hookhouse-admin',
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((t) => !existing.has(t.topic))
    if (missing.length > 0) {
      // Not kafkajs's own wait for leaders: it fails outright while the metadata lags, as it does
      // on a fresh broker where other clients create topics. The wait below covers it.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: -1, // the broker's default: 1 locally, 3 on a real cluster
          configEntries: t.maxMessageBytes
            ? [{ name: 'max.message.bytes', value: String(t.maxMessageBytes) }]
            : [],
        })),
      })
      // Until every partition is served: a leader in the metadata does not mean the broker serves
      // the partition yet, and a produce right after creation can still be refused ("does not
      // host this topic-partition"). ListOffsets goes to each partition's leader, so its success
      // says they are served.
      for (const t of missing) await untilServed(() => admin.fetchTopicOffsets(t.topic))
    }
  } finally {
    await admin.disconnect()
  }
}

async function untilServed(check: () => Promise<unknown>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/**
 * ensureTopics until it succeeds: a service that must answer while Kafka is down (the ingest
 * spools) starts at once and creates its topics whenever the brokers answer. Warns once.
 */
export async function ensureTopicsEventually(
  brokers: string[],
  topics: TopicSpec[],
  opts: { onFirstFailure: (err: Error) => void; retryMs?: number; signal?: AbortSignal },
): Promise<boolean> {
  let failures = 0
  while (!opts.signal?.aborted) {
    try {
      await ensureTopics(brokers, topics)
      return true
    } catch (err) {
      if (failures++ === 0) opts.onFirstFailure(err as Error)
      await new Promise((r) => setTimeout(r, opts.retryMs ?? 5000).unref())
    }
  }
  return false
}

/**
 * The topics of a deployment. An event record holds the body and its typed fields, so the topic
 * must take about twice the body limit; Kafka's default (1 MiB) would refuse large pushes.
 */
export function hookhouseTopics(cfg: {
  KAFKA_TOPIC: string
  KAFKA_DLQ_TOPIC: string
  KAFKA_PARTITIONS: number
  INGEST_BODY_LIMIT: number
}): TopicSpec[] {
  const maxMessageBytes = 2 * cfg.INGEST_BODY_LIMIT + 1024 * 1024
  return [
    { topic: cfg.KAFKA_TOPIC, partitions: cfg.KAFKA_PARTITIONS, maxMessageBytes },
    { topic: cfg.KAFKA_DLQ_TOPIC, partitions: 1, maxMessageBytes },
  ]
}
