// Creates the event log and dead-letter topics when missing. The event topic is keyed by project
// id, so its partition count bounds how many projector replicas can share the work.
import { Kafka, logLevel } from 'kafkajs'

export interface TopicSpec {
  topic: string
  partitions: number
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
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: -1, // the broker's default: 1 locally, 3 on a real cluster
        })),
      })
    }
  } finally {
    await admin.disconnect()
  }
}
