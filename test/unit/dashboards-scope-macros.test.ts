// The two filter macros for panels whose view or table applies the project and group filter by
// project id: {{scopeargs}} (a parameterised view's arguments) and {{scopeids}} (the ids alone).
import { describe, expect, it } from 'vitest'
import { scopeFilter, scopeIdsFilter } from '../../services/dashboards/filters.ts'
import { parsePanel } from '../../services/dashboards/panels.ts'

const header = '-- title: T\n-- description: D\n-- page: commits\n-- chart: bar\n'

describe('the scope macros', () => {
  it('pass the filter to a parameterised view as bound parameters', () => {
    const p = parsePanel(
      'x',
      `${header}-- params: project, group\nSELECT 1 FROM v(from_time = now(), {{scopeargs}}) WHERE {{scope}}`,
    )
    expect(p.params).toEqual(['project', 'group'])
    expect(p.sql).toContain(
      'v(from_time = now(), scope_project = {project:String}, scope_group = {group:String})',
    )
  })

  it('narrow a table without project_path to the filter ids, the part of {{scope}} that reads project_paths', () => {
    const p = parsePanel(
      'x',
      `${header}-- params: project, group\nSELECT 1 FROM t WHERE {{scopeids}}`,
    )
    expect(p.params).toEqual(['project', 'group'])
    expect(p.sql).toContain(scopeIdsFilter())
    expect(p.sql).toContain('project_id IN (SELECT project_id FROM project_paths WHERE')
    // {{scope}} is that clause and the path check: one definition of which projects match
    expect(scopeFilter()).toContain(scopeIdsFilter())
    expect(scopeFilter('m').startsWith(scopeIdsFilter('m.project_id'))).toBe(true)
  })

  it.each([['{{scopeids m}}'], ['{{scopeargs x}}']])('refuses %s, naming the file', (macro) => {
    const text = `${header}-- params: project, group\nSELECT 1 WHERE ${macro}`
    expect(() => parsePanel('bad', text)).toThrow(/macro takes nothing/)
    expect(() => parsePanel('bad', text)).toThrow(/dashboards\/panels\/bad\.sql/)
  })
})
