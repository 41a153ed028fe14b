// The embedded engine runs every query on libuv's thread pool, one thread per running query:
// lib/libuv-threadpool.ts makes the pool larger than the sessions one process holds, so that no
// session's query waits for another session's to end. Checked in a child process, since the pool
// is sized once, when it starts.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../../lib/paths.ts'

const dir = mkdtempSync(join(tmpdir(), 'hookhouse-threadpool-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function probe(env: NodeJS.ProcessEnv): Promise<{ ended: string[]; size: string }> {
  const script = join(repoRoot, 'test', 'support', 'threadpool-probe.ts')
  const { stdout } = await promisify(execFile)(process.execPath, [script, join(dir, 'ch')], {
    env,
  })
  return JSON.parse(stdout) as { ended: string[]; size: string }
}

describe('the thread pool the engine runs on', () => {
  it('lets a query answer while four other sessions are busy', async () => {
    const env = { ...process.env }
    delete env.UV_THREADPOOL_SIZE
    const { ended, size } = await probe(env)
    expect(size).toBe('64')
    expect(ended[0]).toBe('select 1')
  })

  it("made it wait at Node's default of four threads", async () => {
    const { ended, size } = await probe({ ...process.env, UV_THREADPOOL_SIZE: '4' })
    expect(size).toBe('4')
    expect(ended.indexOf('select 1')).toBeGreaterThan(0)
  })

  it('is sized first by the command line and the benchmarks', () => {
    for (const entry of ['bin/hookhouse.ts', 'bench/run.ts']) {
      const firstImport = /^import .*$/m.exec(readFileSync(join(repoRoot, entry), 'utf8'))?.[0]
      expect(firstImport, entry).toBe("import '../lib/libuv-threadpool.ts'")
    }
  })
})
