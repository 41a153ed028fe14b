// One real Kafka for the whole run: KAFKA_BROKERS when set; else testcontainers' Kafka module
// when a Docker engine answers; else the project's local broker from Maven Central's jars.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { startLocalKafka } from '../../lib/kafka/local-broker.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[]
    kafkaKind: string
  }
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await promisify(execFile)('docker', ['info', '--format', '{{.ServerVersion}}'], {
      timeout: 5000,
    })
    return true
  } catch {
    return false
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.KAFKA_BROKERS) {
    project.provide('kafkaBrokers', process.env.KAFKA_BROKERS.split(','))
    project.provide('kafkaKind', 'KAFKA_BROKERS')
    return async () => {}
  }
  if (await dockerAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka')
    const container = await new KafkaContainer('apache/kafka:4.1.1').withKraft().start()
    project.provide('kafkaBrokers', [`${container.getHost()}:${container.getMappedPort(9093)}`])
    project.provide('kafkaKind', 'testcontainers')
    return async () => {
      await container.stop()
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'hookhouse-kafka-'))
  const kafka = await startLocalKafka({ dataDir: dir, log: (l) => console.log(`[kafka] ${l}`) })
  project.provide('kafkaBrokers', kafka.brokers)
  project.provide('kafkaKind', 'local')
  return async () => {
    await kafka.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
