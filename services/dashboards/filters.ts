// The dashboards' filters, written once. A panel file says where a filter goes with a macro, and
// the loader (panels.ts) expands it into the one clause below before the panel is parsed, so every
// panel filters by project, group and branch the same way and the UI, the API and Grafana all get
// the expanded SQL. The clauses hold bound parameters only: no request value is ever SQL text.
//
//   {{scope}}            project and group filter on project_id / project_path
//   {{scope m}}          the same on m.project_id / m.project_path
//   {{group}}            group filter alone on project_path (for panels without a project)
//   {{branch ref}}       branch filter on the column ref (any column name, alias allowed)
//   {{scopeids}}         the project ids of the project and group filter, on project_id (for a
//                        table without project_path; the exact filter applies elsewhere)
//   {{scopeargs}}        the filter's values as the arguments of a parameterised view that takes
//                        it (scope_project, scope_group: merge_request_cycle_in_scope, ...)
//
// Why the project clause looks up project_paths: a project is named by its path or its numeric id,
// and `project_path = X OR toString(project_id) = X` cannot use a table key that starts with
// project_id (EXPLAIN showed every granule read). `project_id IN (SELECT ... FROM project_paths)`
// resolves the path to its ids once per query, from a table of a few rows per project, and the
// engine prunes with that set by the key. The path and id checks stay, so the rows are exactly
// those of the filter written out: project_paths only narrows what is read (migration 0009 keeps
// it complete: every table a panel filters feeds it on insert).
export class FilterMacroError extends Error {
  override name = 'FilterMacroError'
}

const column = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/
const alias = /^[A-Za-z_][A-Za-z0-9_]*$/

const inGroup = (path: string) =>
  `({group:String} = '' OR startsWith(${path}, concat({group:String}, '/')))`

const matches = (id: string, path: string) =>
  `({project:String} = '' OR ${path} = {project:String} OR toString(${id}) = {project:String})
    AND ${inGroup(path)}`

/** The project ids of the project and group filter (all when there is none), on `id`. */
export function scopeIdsFilter(id = 'project_id'): string {
  return `(({project:String} = '' AND {group:String} = '')
        OR ${id} IN (SELECT project_id FROM project_paths WHERE ${matches('project_id', 'project_path')}))`
}

/** The project and group filter on the columns of `table` (an alias, or none). */
export function scopeFilter(table?: string): string {
  const prefix = table === undefined ? '' : `${table}.`
  return `${scopeIdsFilter(`${prefix}project_id`)}
    AND ${matches(`${prefix}project_id`, `${prefix}project_path`)}`
}

/** The filter's values as the arguments of a parameterised view that applies it by project id. */
export const scopeViewArguments = 'scope_project = {project:String}, scope_group = {group:String}'

/** The group filter alone, on the project_path column of `table` (an alias, or none). */
export function groupFilter(table?: string): string {
  return inGroup(table === undefined ? 'project_path' : `${table}.project_path`)
}

/** The branch filter on a ref column. */
export function branchFilter(refColumn: string): string {
  return `({branch:String} = '' OR ${refColumn} = {branch:String})`
}

const macro = /\{\{\s*([a-z]+)(?:\s+([^{}\s]+))?\s*\}\}/g

/** Replaces every filter macro of a panel's SQL; throws a FilterMacroError naming a bad one. */
export function expandFilters(sql: string): string {
  return sql.replace(macro, (all, name: string, arg: string | undefined) => {
    if (name === 'scope') {
      if (arg !== undefined && !alias.test(arg))
        throw new FilterMacroError(`${all}: the scope macro takes a table alias`)
      return scopeFilter(arg)
    }
    if (name === 'group') {
      if (arg !== undefined && !alias.test(arg))
        throw new FilterMacroError(`${all}: the group macro takes a table alias`)
      return groupFilter(arg)
    }
    if (name === 'scopeids' || name === 'scopeargs') {
      if (arg !== undefined) throw new FilterMacroError(`${all}: the ${name} macro takes nothing`)
      return name === 'scopeids' ? scopeIdsFilter() : scopeViewArguments
    }
    if (name === 'branch') {
      if (arg === undefined || !column.test(arg))
        throw new FilterMacroError(
          `${all}: the branch macro takes the ref column, e.g. {{branch ref}}`,
        )
      return branchFilter(arg)
    }
    throw new FilterMacroError(
      `${all}: unknown filter macro (there are {{scope}}, {{group}}, {{branch}}, {{scopeids}} and {{scopeargs}})`,
    )
  })
}
