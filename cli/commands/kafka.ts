import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ensureKafkaJars, startLocalKafka } from '../../lib/kafka/local-broker.ts'
import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'

export const kafkaCommand: Command = {
  name: 'kafka',
  summary:
    'Run the local single-node Kafka broker alone (what start uses when KAFKA_BROKERS is unset)',
  usage: 'hookhouse kafka [--port N] [--fetch-only]',
  options: [
    '--port N       broker port (default 9092, or any free port when taken)',
    '--fetch-only   fetch the broker jars from Maven Central into the cache and exit',
  ],
  settings: ['HOOKHOUSE_DATA_DIR'],
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, 'fetch-only': { type: 'boolean' } },
    })
    const rt = createRuntime('kafka')
    if (values['fetch-only']) {
      rt.say(`Kafka jars in ${await ensureKafkaJars(rt.say)}`)
      return
    }
    const kafka = await startLocalKafka({
      dataDir: join(rt.cfg.HOOKHOUSE_DATA_DIR, 'kafka'),
      preferredPort: values.port ? Number(values.port) : 9092,
      log: rt.say,
    })
    let stopping = false
    rt.onShutdown('kafka', () => {
      stopping = true
      return kafka.stop()
    })
    rt.say(`KAFKA_BROKERS=${kafka.brokers.join(',')}  (Ctrl-C stops it)`)
    const code = await kafka.untilExit()
    // Ctrl-C stops the broker through the runtime, which exits when it is done.
    if (stopping) return
    process.stderr.write(
      `hookhouse: the Kafka broker exited (code ${code ?? 'none'}); its log: ${kafka.logFile}\n`,
    )
    await rt.shutdown(1)
  },
}
