// Child process of test/integration/libuv-threadpool.test.ts: with the entry points' first import,
// four engine sessions sleep while a fifth runs SELECT 1. Prints the order in which they ended.
import '../../lib/libuv-threadpool.ts'
import { openClickHouse } from '../../lib/clickhouse/client-factory.ts'

const [dataDir = ''] = process.argv.slice(2)
const target = { url: undefined, user: 'default', password: '', database: 'default', dataDir }
const sessions = await Promise.all(
  Array.from({ length: 5 }, () => openClickHouse(target, { useDatabase: false })),
)
const ended: string[] = []
const [fast, ...busy] = sessions
const run = async (session: (typeof sessions)[number], query: string, name: string) => {
  await (await session.query({ query, format: 'JSON' })).json()
  ended.push(name)
}
const sleeping = busy.map((s) => run(s, 'SELECT sleep(1.5)', 'sleep'))
await new Promise((r) => setTimeout(r, 300))
if (fast) await run(fast, 'SELECT 1', 'select 1')
await Promise.all(sleeping)
for (const s of sessions) await s.close()
process.stdout.write(`${JSON.stringify({ ended, size: process.env.UV_THREADPOOL_SIZE })}\n`)
