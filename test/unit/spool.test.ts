import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Spool, SpoolFullError } from '../../services/ingest/spool.ts'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spool-test-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const rec = (i: number) => ({
  topic: 't',
  key: i % 2 ? Buffer.from(`k${i}`) : null,
  value: Buffer.from(`value-${i}`),
})

describe('Spool', () => {
  it('gives records back in append order, across a reopen', async () => {
    const dir = tempDir()
    const s = await Spool.open(dir, 1 << 20)
    await Promise.all([0, 1, 2, 3, 4].map((i) => s.append([rec(i)])))
    await s.close()
    const again = await Spool.open(dir, 1 << 20)
    expect(again.depth).toBe(5)
    const { records } = await again.peek(10)
    expect(records).toEqual([0, 1, 2, 3, 4].map(rec))
    await again.close()
  })

  it('remembers how far it was drained, and empties its file when all is drained', async () => {
    const dir = tempDir()
    const s = await Spool.open(dir, 1 << 20)
    await s.append([0, 1, 2].map(rec))
    const first = await s.peek(2)
    await s.commit(first.next, 2)
    await s.close()
    const again = await Spool.open(dir, 1 << 20)
    expect(again.depth).toBe(1)
    const rest = await again.peek(10)
    expect(rest.records).toEqual([rec(2)])
    await again.commit(rest.next, 1)
    expect(again.depth).toBe(0)
    expect(statSync(join(dir, 'spool.log')).size).toBe(0)
    await again.close()
  })

  it('cuts off a torn last frame left by a crash mid-append', async () => {
    const dir = tempDir()
    const s = await Spool.open(dir, 1 << 20)
    await s.append([rec(0), rec(1)])
    await s.close()
    appendFileSync(join(dir, 'spool.log'), Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 5]))
    const again = await Spool.open(dir, 1 << 20)
    expect(again.depth).toBe(2)
    expect((await again.peek(10)).records).toEqual([rec(0), rec(1)])
    await again.append([rec(2)])
    expect((await again.peek(10)).records).toEqual([rec(0), rec(1), rec(2)])
    await again.close()
  })

  it('refuses an append over its byte budget and keeps what it had', async () => {
    const dir = tempDir()
    const s = await Spool.open(dir, 100)
    await s.append([rec(0)])
    await expect(s.append([{ topic: 't', key: null, value: Buffer.alloc(200) }])).rejects.toThrow(
      SpoolFullError,
    )
    expect(s.depth).toBe(1)
    await s.close()
  })
})
