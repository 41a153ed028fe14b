// The contract between the consumer and the projections: one Projection per table, each a pure
// function of one event and its place in the log.
import type { Event } from '../../../lib/avro/types.generated.ts'
import type { CellValue } from '../../../lib/clickhouse/row-binary.ts'

export interface LogPosition {
  partition: number
  /** Offset as a decimal string (Kafka offsets outgrow a double). */
  offset: string
}

export type Row = Record<string, CellValue>

export interface Projection {
  table: string
  project(e: Event, at: LogPosition): Row[]
}
