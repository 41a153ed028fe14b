// The figures of a reliability run, as a table a person reads and a JSON line a document quotes.
import { fmt, table } from '../../bench/harness.ts'
import type { Verdict } from './run.ts'
import type { Run } from './run.ts'
import type { LoadSummary } from './sender.ts'

export type Figure = [label: string, value: string | number]

export interface ScenarioReport {
  name: string
  title: string
  figures: Figure[]
  failures: string[]
  seconds: number
}

const n = (x: number) => fmt.int(x)

/** The figures every run reports: answers, log, tables, latency. */
export function deliveryFigures(load: LoadSummary, v: Verdict): Figure[] {
  return [
    ['requests sent', n(load.sent)],
    [
      'accepted (200 Kafka / 202 spool)',
      `${n(load.accepted)} (${n(load.ok)} / ${n(load.spooled)})`,
    ],
    ['refused 503 (spool full)', n(load.refused)],
    ['no answer (process down) / other', `${n(load.noAnswer)} / ${n(load.otherHttp)}`],
    ['stored: accepted events in the log', n(v.delivery.stored)],
    ['log records / distinct event ids', `${n(v.logRecords)} / ${n(v.logIds)}`],
    ['unanswered but stored (allowed)', n(v.delivery.unacknowledgedStored)],
    ['projected: accepted events in the events table', n(v.projected)],
    ['lost (must be 0)', n(v.lost)],
    ['ingest and projector crashes (must be 0)', n(v.crashes)],
    [
      'accepted events in the log more than once (at-least-once)',
      `${n(v.delivery.duplicated)}${v.delivery.duplicated > 0 ? ` (${v.delivery.duplicatedIds.slice(0, 3).join(', ')})` : ''}`,
    ],
    ['duplicated in ClickHouse (must be 0)', n(v.clickhouseDuplicates)],
    ['order violations within a partition (must be 0)', n(v.delivery.orderViolations)],
    [
      'tables equal to a fresh projection of the log',
      `${v.tablesCompared - v.tablesDiffering.length} of ${v.tablesCompared}`,
    ],
    [
      'ack latency p50 / p99 / max (ms)',
      `${fmt.ms(load.p50)} / ${fmt.ms(load.p99)} / ${fmt.ms(load.max)}`,
    ],
  ]
}

export function memoryFigures(run: Run): Figure[] {
  return ['ingest', 'projector', 'kafka'].flatMap((role): Figure[] => {
    const mb = run.memory.peakMb(role)
    return mb === undefined ? [] : [[`peak RSS ${role} (MB, VmHWM)`, n(mb)]]
  })
}

export function printReport(r: ScenarioReport, write: (s: string) => void): void {
  write(`\n${r.title} (${r.seconds.toFixed(0)} s)`)
  write(
    table(
      ['figure', 'value'],
      r.figures.map(([k, v]) => [k, String(v)]),
    ),
  )
  write(r.failures.length === 0 ? 'result: PASS' : `result: FAIL\n  ${r.failures.join('\n  ')}`)
}
