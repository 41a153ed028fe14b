// `npm run bench [NAME...] [-- --option value]`: runs the benchmarks under bench/, each a file
// NAME.bench.ts exporting `benchmark` (bench/harness.ts). No name runs them all, in name order.
// Options after the names go to every benchmark selected, e.g. `node bench/run.ts ingest
// --rounds 5`. Whatever a benchmark starts (brokers, servers, child processes) it registers
// with ctx.defer, and it is stopped on success, on error and on Ctrl-C.
import '../lib/libuv-threadpool.ts'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Benchmark, BenchContext } from './harness.ts'

const benchDir = dirname(fileURLToPath(import.meta.url))
const suffix = '.bench.ts'
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith(suffix))
  .map((f) => f.slice(0, -suffix.length))
  .sort()

const argv = process.argv.slice(2)
const firstOption = argv.findIndex((a) => a.startsWith('-'))
const names = firstOption < 0 ? argv : argv.slice(0, firstOption)
const args = firstOption < 0 ? [] : argv.slice(firstOption)

if (args.includes('--help') || args.includes('--list')) {
  console.log(`usage: node bench/run.ts [NAME...] [OPTIONS]\nbenchmarks: ${available.join(', ')}`)
  process.exit(0)
}
const unknown = names.filter((n) => !available.includes(n))
if (unknown.length > 0) {
  console.error(`no benchmark ${unknown.join(', ')}; there are: ${available.join(', ')}`)
  process.exit(2)
}
const selected = names.length > 0 ? names : available

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)

const cleanups: (() => unknown)[] = []
let cleaning: Promise<void> | undefined
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop()
      try {
        await fn?.()
      } catch (err) {
        log(`clean-up failed: ${(err as Error).message}`)
      }
    }
    cleaning = undefined
  })()
  return cleaning
}

const controller = new AbortController()
let stopping = false
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) process.exit(130) // a second Ctrl-C: leave now
  stopping = true
  log(`${signal}: stopping everything the benchmark started`)
  controller.abort()
  void cleanUp().finally(() => process.exit(130))
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

for (const name of selected) {
  const mod = (await import(pathToFileURL(join(benchDir, `${name}${suffix}`)).href)) as {
    benchmark?: Benchmark
  }
  if (!mod.benchmark) {
    console.error(`${name}${suffix} exports no \`benchmark\``)
    process.exitCode = 2
    continue
  }
  const ctx: BenchContext = {
    args,
    log,
    defer: (fn) => void cleanups.push(fn),
    signal: controller.signal,
  }
  log(`${name}: ${mod.benchmark.description}`)
  try {
    await mod.benchmark.run(ctx)
  } catch (err) {
    if (stopping) break
    console.error(`${name} failed: ${(err as Error).stack ?? String(err)}`)
    process.exitCode = 1
  } finally {
    if (!stopping) await cleanUp()
  }
  if (stopping) break
}
