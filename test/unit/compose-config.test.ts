// docker-compose.yml, the Dockerfile and the Grafana provisioning read against lib/config.ts.
// There is no Docker engine to run the stack here, so this is what keeps a renamed setting, a
// wrong port or a data source uid from breaking the deployment silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig, settings } from '../../lib/config.ts'
import * as paths from '../../lib/paths.ts'

type EnvValue = string | number | boolean | null

interface ComposeService {
  image?: string
  build?: unknown
  command?: string | string[]
  environment?: Record<string, EnvValue> | string[]
  ports?: (string | number | { target: number; published?: string | number })[]
  volumes?: (string | { source?: string; target: string })[]
  depends_on?: string[] | Record<string, { condition?: string }>
}

interface ComposeFile {
  services: Record<string, ComposeService>
}

interface GrafanaDataSource {
  type: string
  uid: string
  jsonData: Record<string, unknown>
  secureJsonData: Record<string, unknown>
}

const hookhouseServices = ['migrate', 'ingest', 'projector', 'dashboards'] as const
const commands = ['start', 'ingest', 'projector', 'dashboards', 'migrate']
const settingNames = Object.keys(settings)

/** What a `${VAR:?message}` gets here: a value the setting accepts, as a user would set it. */
const samples: Record<string, string> = { WEBHOOK_TOKENS: 'sample-token' }

const { repoRoot } = paths
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
// Compose honours YAML merge keys (`<<: *hookhouse`); the yaml package does when asked.
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile

function service(name: string): ComposeService {
  const s = compose.services[name]
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`)
  return s
}

/** A service's environment as written, before interpolation; `undefined` means passed through. */
function rawEnvironment(name: string): Record<string, string | undefined> {
  const env = service(name).environment ?? {}
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=')
        return i < 0 ? [entry, undefined] : [entry.slice(0, i), entry.slice(i + 1)]
      }),
    )
  }
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]),
  )
}

/**
 * Compose's interpolation with nothing set in the shell: `${VAR:-default}` gives the default,
 * `${VAR:?message}` (which would stop Compose) a sample value, a bare `${VAR}` an empty string.
 */
function interpolate(raw: string): string {
  return raw.replace(
    /\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (
      all: string,
      braced: string | undefined,
      op: string | undefined,
      arg: string | undefined,
      bare: string | undefined,
    ) => {
      if (all === '$$') return '$'
      const name = braced ?? bare ?? ''
      if (op === ':-' || op === '-') return arg ?? ''
      if (op === ':?' || op === '?') return samples[name] ?? `sample-${name.toLowerCase()}`
      return ''
    },
  )
}

function environment(name: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(rawEnvironment(name))) {
    if (v !== undefined) out[k] = interpolate(v)
  }
  return out
}

/** The Dockerfile's stages, continuation lines joined and comments dropped. */
const stages = read('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split(/^FROM /m)
  .slice(1)
  .map((stage) => stage.split('\n').filter((line) => !line.trimStart().startsWith('#')))
const buildStage = stages.at(0) ?? []
const runtimeStage = stages.at(-1) ?? []

function instruction(name: string, stage = runtimeStage): string[] {
  return stage
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length).trim())
}

/** Sources a stage copies from the build context (not from another stage). */
const copied = (stage: string[]) =>
  instruction('COPY', stage)
    .filter((args) => !args.startsWith('--from'))
    .flatMap((args) => args.split(/\s+/).slice(0, -1))

const imageEnv: Record<string, string> = Object.fromEntries(
  instruction('ENV').flatMap((args) =>
    [...args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|\S+)/g)].map((m) => [
      m[1] ?? '',
      (m[2] ?? '').replace(/^"|"$/g, ''),
    ]),
  ),
)

/** What the process in the container sees: the image's ENV, then the service's environment. */
const containerEnv = (name: string) => ({ ...imageEnv, ...environment(name) })

function commandOf(name: string): string[] {
  const c = service(name).command
  if (c === undefined) return []
  return Array.isArray(c) ? c : c.split(/\s+/)
}

/** Container-side ports a service publishes, from the short (`[ip:]host:container`) or long form. */
function containerPorts(name: string): number[] {
  return (service(name).ports ?? []).map((p) => {
    if (typeof p === 'object') return Number(p.target)
    const spec = String(p).split('/')[0] ?? ''
    return Number(spec.split(':').at(-1))
  })
}

function dependencies(name: string): Record<string, string | undefined> {
  const d = service(name).depends_on ?? {}
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, 'service_started']))
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v.condition]))
}

function bindMounts(name: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const v of service(name).volumes ?? []) {
    if (typeof v === 'object') {
      if (v.source?.startsWith('.')) out.set(v.source, v.target)
      continue
    }
    const [source = '', target = ''] = v.split(':')
    if (source.startsWith('.')) out.set(source.replace(/\/$/, ''), target)
  }
  return out
}

const datasources = (
  parse(read('deploy/grafana/provisioning/datasources/clickhouse.yml')) as {
    datasources: GrafanaDataSource[]
  }
).datasources
const clickhouseSource = datasources.find((d) => d.type === 'grafana-clickhouse-datasource')

// Data sources every Grafana has, whatever is provisioned.
const builtInSources = new Set(['grafana', '-- Grafana --', '-- Mixed --', '-- Dashboard --'])

/**
 * Every data source a dashboard names that is neither built in, nor one of the given uids, nor a
 * dashboard variable of type `datasource` (`$ds` or `${ds}`).
 */
function foreignDataSources(dashboard: unknown, uids: ReadonlySet<string>): string[] {
  const variables = new Set<string>()
  const refs: string[] = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (node === null || typeof node !== 'object') return
    const o = node as Record<string, unknown>
    if (o.type === 'datasource' && typeof o.name === 'string' && 'query' in o) {
      variables.add(o.name)
    }
    for (const [key, value] of Object.entries(o)) {
      if (key === 'datasource') {
        if (typeof value === 'string') refs.push(value)
        else if (value && typeof value === 'object') {
          const uid = (value as Record<string, unknown>).uid
          if (typeof uid === 'string') refs.push(uid)
        }
      }
      walk(value)
    }
  }
  walk(dashboard)
  const isVariable = (ref: string) => {
    const m = /^\$\{?(\w+)(?::\w+)?\}?$/.exec(ref)
    return m !== null && variables.has(m[1] ?? '')
  }
  const foreign = refs.filter((r) => !uids.has(r) && !builtInSources.has(r) && !isVariable(r))
  if (dashboard && typeof dashboard === 'object' && '__inputs' in dashboard) {
    // An "export for sharing" file: its ${DS_...} inputs are only filled in by a manual import.
    foreign.push('__inputs')
  }
  return [...new Set(foreign)]
}

describe('docker-compose.yml against lib/config.ts', () => {
  it('runs a hookhouse command in each hookhouse service, from the project image', () => {
    for (const name of hookhouseServices) {
      expect(service(name).build, `${name} builds the project image`).toBeDefined()
      const [command, ...rest] = commandOf(name)
      expect(commands, `${name}: command ${String(command)}`).toContain(command)
      expect(rest, `${name}: arguments after the command`).toEqual([])
    }
    expect(instruction('ENTRYPOINT')).toEqual(['["node", "bin/hookhouse.ts"]'])
    const [cmd] = instruction('CMD')
    expect(commands).toContain((JSON.parse(cmd ?? '[]') as string[])[0])
  })

  it('builds the image from every source folder and runs with the folders read at run time', () => {
    const sources = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include
    const runtimeFolders = Object.entries(paths)
      .filter(([name]) => name !== 'repoRoot')
      .map(([, dir]) => relative(repoRoot, dir))
    expect(runtimeFolders).toContain('migrations')
    expect(copied(buildStage)).toEqual(expect.arrayContaining(sources))
    expect(copied(runtimeStage)).toEqual(expect.arrayContaining([...sources, ...runtimeFolders]))
  })

  it('sets only variables that lib/config.ts reads', () => {
    for (const name of hookhouseServices) {
      const unknown = Object.keys(rawEnvironment(name)).filter((k) => !settingNames.includes(k))
      expect(unknown, `${name} sets variables hookhouse never reads`).toEqual([])
    }
    const unknownInImage = Object.keys(imageEnv).filter((k) => !settingNames.includes(k))
    expect(unknownInImage, 'Dockerfile ENV names hookhouse never reads').toEqual([])
  })

  it('gives each service an environment that loadConfig accepts', () => {
    for (const name of hookhouseServices) {
      expect(() => loadConfig(containerEnv(name)), name).not.toThrow()
    }
  })

  it('points the services at the stack: never a local broker or the embedded engine', () => {
    const advertised = (environment('kafka').KAFKA_ADVERTISED_LISTENERS ?? '')
      .split(',')
      .map((l) => l.replace(/^\w+:\/\//, ''))
    for (const name of ['ingest', 'projector']) {
      const brokers = loadConfig(containerEnv(name)).KAFKA_BROKERS
      expect(brokers, `${name}: KAFKA_BROKERS`).toBeDefined()
      for (const b of brokers ?? []) expect(advertised, `${name}: broker ${b}`).toContain(b)
    }
    const server = environment('clickhouse')
    for (const name of ['migrate', 'projector', 'dashboards']) {
      const cfg = loadConfig(containerEnv(name))
      expect(cfg.CLICKHOUSE_URL, `${name}: CLICKHOUSE_URL`).toBeDefined()
      const url = new URL(cfg.CLICKHOUSE_URL ?? 'http://unset')
      expect(Object.keys(compose.services), `${name}: ClickHouse host`).toContain(url.hostname)
      expect(url.port, `${name}: ClickHouse HTTP port`).toBe('8123')
      expect(cfg.CLICKHOUSE_USER, `${name}: CLICKHOUSE_USER`).toBe(server.CLICKHOUSE_USER)
      expect(cfg.CLICKHOUSE_PASSWORD, `${name}: CLICKHOUSE_PASSWORD`).toBe(
        server.CLICKHOUSE_PASSWORD,
      )
    }
  })

  it('refuses to start ingest without a webhook token, and keeps its spool on a volume', () => {
    expect(rawEnvironment('ingest').WEBHOOK_TOKENS).toMatch(/^\$\{WEBHOOK_TOKENS:\?.+\}$/)
    const dataDir = loadConfig(containerEnv('ingest')).HOOKHOUSE_DATA_DIR
    const mounts = (service('ingest').volumes ?? []).map((v) =>
      typeof v === 'object' ? v.target : v.split(':')[1],
    )
    expect(mounts).toContain(dataDir)
  })

  it('publishes each service on the port its config selects', () => {
    const ingest = loadConfig(containerEnv('ingest'))
    const dashboards = loadConfig(containerEnv('dashboards'))
    expect(containerPorts('ingest')).toEqual([ingest.INGEST_PORT])
    expect(containerPorts('dashboards')).toEqual([dashboards.DASHBOARDS_PORT])
    expect(containerPorts('projector')).toEqual([])
    expect(containerPorts('migrate')).toEqual([])
    for (const name of ['ingest', 'dashboards']) {
      expect(loadConfig(containerEnv(name)).HOST, `${name} listens beyond loopback`).toBe('0.0.0.0')
    }
    const defaults = loadConfig({})
    const exposed = instruction('EXPOSE').flatMap((e) => e.split(/\s+/).map(Number))
    expect(exposed).toEqual([defaults.INGEST_PORT, defaults.DASHBOARDS_PORT])
  })

  it('starts whatever reads ClickHouse only after the migrations succeeded', () => {
    for (const name of ['projector', 'dashboards']) {
      expect(dependencies(name).migrate, name).toBe('service_completed_successfully')
    }
    expect(dependencies('migrate').clickhouse).toBe('service_healthy')
    expect(dependencies('ingest').kafka).toBe('service_healthy')
  })
})

describe('Grafana provisioning', () => {
  it('provisions the hookhouse ClickHouse with the credentials the services use', () => {
    expect(clickhouseSource?.uid).toBe('hookhouse-clickhouse')
    const cfg = loadConfig(containerEnv('dashboards'))
    const url = new URL(cfg.CLICKHOUSE_URL ?? 'http://unset')
    expect(clickhouseSource?.jsonData).toMatchObject({
      host: url.hostname,
      port: Number(url.port),
      protocol: url.protocol.replace(':', ''),
      username: cfg.CLICKHOUSE_USER,
      defaultDatabase: cfg.CLICKHOUSE_DATABASE,
    })
    // Grafana expands $CLICKHOUSE_PASSWORD from its own environment.
    expect(clickhouseSource?.secureJsonData.password).toBe('$CLICKHOUSE_PASSWORD')
    const grafana = environment('grafana')
    expect(grafana.CLICKHOUSE_PASSWORD).toBe(cfg.CLICKHOUSE_PASSWORD)
    const plugins = (grafana.GF_PLUGINS_PREINSTALL_SYNC ?? grafana.GF_INSTALL_PLUGINS ?? '')
      .split(',')
      .map((p) => p.trim().split('@')[0])
    expect(plugins).toContain(clickhouseSource?.type)
  })

  it('mounts the provisioning and the dashboard folder where Grafana reads them', () => {
    const mounts = bindMounts('grafana')
    for (const kind of ['datasources', 'dashboards']) {
      expect(mounts.get(`./deploy/grafana/provisioning/${kind}`)).toBe(
        `/etc/grafana/provisioning/${kind}`,
      )
    }
    const provider = (
      parse(read('deploy/grafana/provisioning/dashboards/hookhouse.yml')) as {
        providers: { folder: string; options: { path: string } }[]
      }
    ).providers[0]
    expect(provider?.folder).toBe('hookhouse')
    expect(mounts.get('./dashboards/grafana')).toBe(provider?.options.path)
    expect(existsSync(join(repoRoot, 'dashboards/grafana'))).toBe(true)
  })

  it('finds data source references wherever a dashboard puts them', () => {
    const uids = new Set(['hookhouse-clickhouse'])
    const dashboard = {
      annotations: { list: [{ datasource: { type: 'grafana', uid: '-- Grafana --' } }] },
      templating: { list: [{ type: 'datasource', name: 'ds', query: 'x' }] },
      panels: [
        { datasource: { type: 'x', uid: 'hookhouse-clickhouse' } },
        { datasource: '${ds}', targets: [{ datasource: { uid: 'elsewhere' } }] },
        { panels: [{ datasource: 'old-name' }] },
      ],
    }
    expect(foreignDataSources(dashboard, uids)).toEqual(['elsewhere', 'old-name'])
    expect(foreignDataSources({ __inputs: [] }, uids)).toEqual(['__inputs'])
  })

  it('dashboards/grafana/*.json refer only to the provisioned data source', () => {
    const uids = new Set(datasources.map((d) => d.uid))
    const dir = join(repoRoot, 'dashboards/grafana')
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const dashboard: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'))
      expect(foreignDataSources(dashboard, uids), file).toEqual([])
    }
  })
})
