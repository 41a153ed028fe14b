#!/usr/bin/env node
// Entry point. Node 24 runs the TypeScript sources directly (type stripping); `npm start` puts
// Node 24 on PATH through the `node` devDependency whatever the machine has.
import '../lib/libuv-threadpool.ts'
import { main } from '../cli/main.ts'

const [major] = process.versions.node.split('.').map(Number)
if ((major ?? 0) < 23) {
  process.stderr.write(
    `hookhouse needs Node 24 (this is ${process.version}): run it through npm (npm start, npm run hookhouse -- ...), which uses the node package installed by npm install\n`,
  )
  process.exit(2)
}
// kafkajs's request queue schedules timers with negative delays on Node 24, which warns once per
// client (TimeoutNegativeWarning); the timer still fires at once, as kafkajs means it to. Every
// other warning is printed as Node would.
process.removeAllListeners('warning')
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`)
})

await main(process.argv.slice(2))
