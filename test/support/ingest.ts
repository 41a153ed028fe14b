// A real ingest on a free port, writing to fresh topics of the test broker.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { redactedPaths, type Logger } from '../../lib/logger.ts'
import { ensureTopics } from '../../lib/kafka/topics.ts'
import type { AuthConfig } from '../../services/ingest/auth.ts'
import { startIngest, type RunningIngest } from '../../services/ingest/index.ts'

export interface TestIngest extends RunningIngest {
  topic: string
  deadLetterTopic: string
  spoolDir: string
  /** Every log line the ingest wrote. */
  logs: string[]
  post(
    body: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: unknown }>
  stop(): Promise<void>
}

export async function startTestIngest(
  brokers: string[],
  auth: Partial<AuthConfig> = {},
  opts: {
    bodyLimit?: number
    spoolMaxBytes?: number
    spoolDir?: string
    topic?: string
    /** The topics' max.message.bytes (Kafka's default when unset). */
    maxMessageBytes?: number
  } = {},
): Promise<TestIngest> {
  const topic = opts.topic ?? `events-${randomUUID()}`
  const deadLetterTopic = `${topic}.dlq`
  await ensureTopics(brokers, [
    { topic, partitions: 3, maxMessageBytes: opts.maxMessageBytes },
    { topic: deadLetterTopic, partitions: 1, maxMessageBytes: opts.maxMessageBytes },
  ])
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString())
      done()
    },
  })
  const log: Logger = pino(
    { level: 'debug', redact: { paths: redactedPaths, censor: '[redacted]' } },
    sink,
  )
  const spoolDir = opts.spoolDir ?? mkdtempSync(join(tmpdir(), 'hookhouse-spool-'))
  const ingest = await startIngest({
    brokers,
    topic,
    deadLetterTopic,
    auth: { tokens: ['test-token'], signingSecrets: [], allowUnauthenticated: false, ...auth },
    host: '127.0.0.1',
    port: 0,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    spoolDir,
    spoolMaxBytes: opts.spoolMaxBytes ?? 64 * 1024 * 1024,
    log,
  })
  return {
    ...ingest,
    topic,
    deadLetterTopic,
    spoolDir,
    logs,
    async post(body, headers = {}) {
      const res = await fetch(ingest.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gitlab-token': 'test-token', ...headers },
        body,
      })
      const text = await res.text()
      let json: unknown = text
      try {
        json = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, json }
    },
    async stop() {
      await ingest.close()
      if (!opts.spoolDir) rmSync(spoolDir, { recursive: true, force: true })
    },
  }
}
