// `hookhouse kafka` runs the local broker until Ctrl-C. It used to return as soon as the broker
// answered: nothing held Node's event loop (the broker's process is unref'd so tests can exit),
// so the command exited and its broker with it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../../lib/paths.ts'
import { until } from '../support/until.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'hookhouse-kafka-command-'))
let child: ChildProcess | undefined

afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

async function brokerAnswers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    brokers,
    clientId: 'kafka-command-test',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  }).admin()
  try {
    await admin.connect()
    await admin.listTopics()
    return true
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

describe('hookhouse kafka', () => {
  it('keeps the broker running until SIGINT, then stops it and exits 0', async () => {
    const proc = spawn(process.execPath, [join(repoRoot, 'bin', 'hookhouse.ts'), 'kafka'], {
      env: { ...process.env, HOOKHOUSE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    let out = ''
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)))

    await until('the KAFKA_BROKERS line', () => /KAFKA_BROKERS=\S+/.test(out), 120_000)
    const brokers = (/KAFKA_BROKERS=(\S+)/.exec(out)?.[1] ?? '').split(',')
    // Long enough for an exit on an empty event loop to have happened.
    await new Promise((r) => setTimeout(r, 2_000))
    expect(proc.exitCode, out).toBeNull()
    expect(await brokerAnswers(brokers)).toBe(true)

    proc.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(out).not.toContain('exited (code')
    await until('the broker to stop answering', async () => !(await brokerAnswers(brokers)), 30_000)
  }, 180_000)
})
