// Reading a topic back in tests, with the project's own decoder.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'

export interface ReadRecord {
  key: string | null
  value: Buffer
  partition: number
  offset: string
}

/** Reads `topic` from the beginning until `count` records arrived (or fails after timeoutMs). */
export async function readTopic(
  brokers: string[],
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const kafka = new Kafka({ brokers, clientId: 'test-reader', logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got: ReadRecord[] = []
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`read ${got.length} of ${count} records from ${topic}`)),
        timeoutMs,
      )
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          got.push({
            key: message.key?.toString() ?? null,
            value: message.value ?? Buffer.alloc(0),
            partition,
            offset: message.offset,
          })
          if (got.length >= count) {
            clearTimeout(timer)
            done()
          }
        },
      })
    })
    // Anything beyond `count` that is already there would be a duplicate: wait briefly for it.
    await new Promise((r) => setTimeout(r, 500))
  } finally {
    await consumer.disconnect()
  }
  return got
}
