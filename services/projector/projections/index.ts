// Every projection, one per table. The consumer folds each event through all of them.
import { commits } from './commits.ts'
import { deployments } from './deployments.ts'
import { events } from './events.ts'
import { issues } from './issues.ts'
import { jobs } from './jobs.ts'
import { mergeRequestEvents } from './merge-request-events.ts'
import { mergeRequests } from './merge-requests.ts'
import { pipelines } from './pipelines.ts'
import { pushes } from './pushes.ts'
import { releases } from './releases.ts'
import type { Projection } from './types.ts'

export type { LogPosition, Projection, Row } from './types.ts'

export const projections: Projection[] = [
  events,
  commits,
  pushes,
  pipelines,
  jobs,
  deployments,
  mergeRequests,
  mergeRequestEvents,
  issues,
  releases,
]
