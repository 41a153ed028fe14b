// "Every table equals the result of projecting the log once", checked from the harness without
// opening ClickHouse in it: each look runs in a child process (tables-process.ts), because one
// process may hold only one embedded data directory and a run has several.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ProjectorStore } from './processes.ts'

const script = fileURLToPath(new URL('./tables-process.ts', import.meta.url))

export interface TableFingerprint {
  /** Rows read with FINAL. */
  rows: number
  /** Sum of a 64-bit hash of every row (kafka_offset left out), as a decimal string. */
  hash: string
}

export interface InspectSpec {
  store: ProjectorStore
  /** Where to write each table's FINAL rows (Native format); none: counts only. */
  outDir?: string
}

export interface InspectResult {
  /** Rows per table, read with FINAL. */
  counts: Record<string, number>
}

export interface CompareSpec {
  brokers: string[]
  topic: string
  /** A fresh store for the comparison (databases `<database>_observed` and `_reference`). */
  workspace: ProjectorStore
  /** Exports of embedded projector stores (inspect with outDir). */
  exportDirs: string[]
  /** Databases on the workspace's ClickHouse server the projectors wrote to. */
  databases: string[]
  /** Where to write the event ids found in the observed events table. */
  outDir: string
  timeoutMs: number
}

export interface CompareResult {
  observed: Record<string, TableFingerprint>
  reference: Record<string, TableFingerprint>
  /** Tables whose rows or hash differ: must be empty. */
  differing: string[]
  /** A few rows present on one side only, per differing table (payload left out). */
  samples: Record<string, unknown[]>
  /** Rows and distinct event ids of the observed events table (FINAL). */
  eventRows: number
  eventIds: number
  idsFile: string
  referenceSeconds: number
}

async function runTables<T>(mode: 'inspect' | 'compare', spec: object): Promise<T> {
  const child = spawn(process.execPath, [script, mode, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)))
  const line = stdout.split('\n').find((l) => l.startsWith('result '))
  if (code !== 0 || !line) {
    throw new Error(`tables ${mode} failed (exit ${code}):\n${stderr.slice(-4000)}`)
  }
  return JSON.parse(line.slice('result '.length)) as T
}

/** Rows per table of a projector's store (it must be stopped: it owns its data directory). */
export function inspectStore(store: ProjectorStore, outDir?: string): Promise<InspectResult> {
  if (outDir) mkdirSync(outDir, { recursive: true })
  return runTables('inspect', { store, outDir } satisfies InspectSpec)
}

export function compareTables(spec: CompareSpec): Promise<CompareResult> {
  mkdirSync(spec.outDir, { recursive: true })
  return runTables('compare', spec)
}

export function readIds(file: string): Set<string> {
  const text = readFileSync(file, 'utf8')
  return new Set(text.length === 0 ? [] : text.split('\n'))
}
