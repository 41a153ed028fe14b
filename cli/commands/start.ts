import type { Command } from '../command.ts'
import { createRuntime } from '../runtime.ts'
import { resolveWebhookAuth } from '../webhook-auth.ts'
import { clickhouseTargetFromConfig, describeTarget } from '../../lib/clickhouse/client-factory.ts'
import { migrateTarget } from '../../lib/clickhouse/migrations.ts'
import { resolveKafka } from '../../lib/kafka/kafka-target.ts'
import { ensureTopics, hookhouseTopics } from '../../lib/kafka/topics.ts'
import { migrationsDir } from '../../lib/paths.ts'
import { startIngest } from '../../services/ingest/index.ts'
import { ingestOptions } from './ingest.ts'
import { allSettingNames } from '../../lib/config.ts'
import { startProjectorService } from '../../services/projector/index.ts'
import { startDashboards } from '../../services/dashboards/index.ts'
import { projectorOptions } from './projector.ts'
import { describeSqlEndpoint, prepareSqlEndpoint } from '../sql-endpoint.ts'

export const startCommand: Command = {
  name: 'start',
  summary:
    'Run the whole pipeline in one process (local Kafka and embedded ClickHouse unless configured)',
  usage: 'hookhouse start',
  options: [],
  settings: allSettingNames(),
  async run() {
    const started = Date.now()
    const rt = createRuntime('hookhouse')
    const { cfg } = rt
    const { auth, generatedToken } = resolveWebhookAuth(cfg, { generate: true })
    const startSql = prepareSqlEndpoint(cfg, clickhouseTargetFromConfig(cfg), rt.log)

    const kafka = await resolveKafka(cfg, rt.say)
    const local = kafka.local
    if (local) rt.onShutdown('local Kafka', () => local.stop())
    await ensureTopics(kafka.brokers, hookhouseTopics(cfg))

    const target = clickhouseTargetFromConfig(cfg)
    const migrated = await migrateTarget(target, migrationsDir, { cluster: cfg.CLICKHOUSE_CLUSTER })
    rt.say(
      `${describeTarget(target)}: ${migrated.applied.length} migrations applied, ${migrated.skipped.length} already there`,
    )

    const ingest = await startIngest(ingestOptions(cfg, kafka.brokers, auth, rt.log))
    rt.onShutdown('ingest', () => ingest.close())

    const projector = await startProjectorService(
      projectorOptions(cfg, kafka.brokers, target, rt.log),
    )
    rt.onShutdown('projector', () => projector.close())

    const dashboards = await startDashboards({
      clickhouse: target,
      host: cfg.HOST,
      port: cfg.DASHBOARDS_PORT,
      sessions: cfg.DASHBOARDS_SESSIONS,
      log: rt.log,
      ingestUrl: ingest.url,
      auth: cfg.DASHBOARDS_TOKEN ? { token: cfg.DASHBOARDS_TOKEN } : undefined,
    })
    rt.onShutdown('dashboards', () => dashboards.close())

    // The SQL endpoint runs where the embedded engine is: no other process can open its data.
    const sql = await startSql()
    if (sql.state === 'running') rt.onShutdown('SQL endpoint', () => sql.endpoint.close())

    rt.say('')
    rt.say(`hookhouse is up (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    rt.say(`  ingest URL:     ${ingest.url}`)
    rt.say(`  dashboards:     ${dashboards.url}`)
    rt.say(`  SQL endpoint:   ${describeSqlEndpoint(sql)}`)
    rt.say(`  Kafka:          ${kafka.brokers.join(',')}${local ? ' (local broker)' : ''}`)
    rt.say(`  ClickHouse:     ${describeTarget(target)}, database ${target.database}`)
    if (generatedToken) {
      rt.say(`  webhook token:  ${generatedToken}`)
      rt.say(
        `                  (generated once, kept in ${cfg.HOOKHOUSE_DATA_DIR}/webhook-token; set WEBHOOK_TOKENS to choose your own)`,
      )
    }
    rt.say(
      'Point a GitLab group webhook (Settings > Webhooks) at the ingest URL with that secret token.',
    )
    rt.say('Ctrl-C stops everything.')
    await new Promise(() => {})
  },
}
