// Every error the dashboards answer with, created here once: a stable code, the HTTP status, and a
// message that says what was wrong. Responses carry `{ error: { code, message, parameter? } }`.
export interface DashboardsErrorBody {
  error: { code: string; message: string; parameter?: string }
}

export class DashboardsError extends Error {
  override name = 'DashboardsError'
  readonly code: string
  readonly statusCode: number
  /** The query parameter at fault, for a 400. */
  readonly parameter: string | undefined
  constructor(code: string, statusCode: number, message: string, parameter?: string) {
    super(message)
    this.code = code
    this.statusCode = statusCode
    this.parameter = parameter
  }
  toBody(): DashboardsErrorBody {
    const error: DashboardsErrorBody['error'] = { code: this.code, message: this.message }
    if (this.parameter !== undefined) error.parameter = this.parameter
    return { error }
  }
}

export const errors = {
  unknownParameter: (name: string, known: readonly string[]) =>
    new DashboardsError(
      'HH_UNKNOWN_PARAMETER',
      400,
      `unknown parameter ${JSON.stringify(name)}: expected one of ${known.join(', ')}`,
      name,
    ),
  badParameter: (name: string, why: string) =>
    new DashboardsError('HH_BAD_PARAMETER', 400, `parameter ${name} is invalid: ${why}`, name),
  unknownPanel: (name: string) =>
    new DashboardsError(
      'HH_UNKNOWN_PANEL',
      404,
      `no panel named ${JSON.stringify(name)}: GET /api/panels lists them`,
    ),
  panelUnavailable: (panel: string, missing: readonly string[]) =>
    new DashboardsError(
      'HH_PANEL_UNAVAILABLE',
      503,
      `panel ${panel} reads ${missing.join(', ')}, which the database does not have yet: run \`hookhouse migrate\``,
    ),
  notMigrated: (panel: string, detail: string) =>
    new DashboardsError(
      'HH_PANEL_UNAVAILABLE',
      503,
      `panel ${panel} reads ${detail}, which the database does not have: run \`hookhouse migrate\``,
    ),
  unauthorized: () =>
    new DashboardsError(
      'HH_UNAUTHORIZED',
      401,
      'a bearer token (Authorization: Bearer <token>) or Basic credentials with the token as password are required',
    ),
  panelTimeout: (panel: string, seconds: number) =>
    new DashboardsError(
      'HH_PANEL_TIMEOUT',
      504,
      `panel ${panel} ran longer than ${seconds} s and was stopped; try a shorter time range or one project`,
    ),
  queryFailed: (panel: string) =>
    new DashboardsError('HH_QUERY_FAILED', 500, `panel ${panel} failed to run; see the server log`),
} as const
