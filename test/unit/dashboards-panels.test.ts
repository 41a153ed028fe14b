import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scopeFilter } from '../../services/dashboards/filters.ts'
import { loadPanels, pages, panelsDir, parsePanel } from '../../services/dashboards/panels.ts'

const header = (extra = '') =>
  `-- title: T\n-- description: D\n-- page: commits\n-- chart: bar\n${extra}`

describe('the panel files', () => {
  it('all parse, each on a known page, with unique names', () => {
    const panels = loadPanels()
    expect(panels.length).toBeGreaterThanOrEqual(20)
    expect(new Set(panels.map((p) => p.name)).size).toBe(panels.length)
    for (const p of panels) expect(pages.map((x) => x.id)).toContain(p.page)
    for (const page of ['overview', 'commits', 'merge-requests', 'pipelines'])
      expect(
        panels.some((p) => p.page === page),
        page,
      ).toBe(true)
  })
})

describe('the filters', () => {
  it('are written once: no panel file spells the project, group or branch clause out', () => {
    for (const file of readdirSync(panelsDir).filter((f) => f.endsWith('.sql'))) {
      const text = readFileSync(join(panelsDir, file), 'utf8')
      expect(text, file).not.toMatch(/\{(project|group|branch):String\}/)
    }
  })
})

describe('parsePanel', () => {
  it('reads the header, the chart hints and the parameters the SQL binds', () => {
    const p = parsePanel(
      'x',
      `${header('-- x: day\n-- y: a, b\n-- stack: true\n-- params: from, project\n')}SELECT 1 WHERE t >= {from:DateTime64(3, 'UTC')} AND p = {project:String}`,
    )
    expect(p).toMatchObject({
      name: 'x',
      title: 'T',
      page: 'commits',
      chart: 'bar',
      params: ['from', 'project'],
      hints: { x: 'day', y: ['a', 'b'], stack: true },
    })
  })

  it.each([
    ['an unknown parameter', '-- params: limit\n', 'SELECT {limit:UInt32}', /unknown parameter/],
    [
      'a parameter bound with another type',
      '-- params: project\n',
      'SELECT {project:UInt64}',
      /must be bound as \{project:String\}/,
    ],
    ['params: that disagree with the SQL', '-- params: from\n', 'SELECT 1', /params: says/],
    ['two statements', '', 'SELECT 1; DROP TABLE x', /one statement/],
    ['something other than a SELECT', '', 'INSERT INTO x VALUES (1)', /one SELECT/],
  ])('refuses %s, naming the file', (_what, extra, sql, why) => {
    expect(() => parsePanel('bad', `${header(extra)}${sql}`)).toThrow(why)
    expect(() => parsePanel('bad', `${header(extra)}${sql}`)).toThrow(
      /dashboards\/panels\/bad\.sql/,
    )
  })

  it('expands the filter macros into the shared clauses, with bound parameters only', () => {
    const p = parsePanel(
      'x',
      `${header('-- params: project, group, branch\n')}SELECT 1 FROM t AS m WHERE {{scope m}} AND {{branch m.ref}}`,
    )
    expect(p.params).toEqual(['project', 'group', 'branch'])
    expect(p.sql).toContain(scopeFilter('m'))
    expect(p.sql).toContain("({branch:String} = '' OR m.ref = {branch:String})")
    // The project is resolved to its ids from project_paths, so a key on project_id prunes.
    expect(p.sql).toContain('m.project_id IN (SELECT project_id FROM project_paths WHERE')
    expect(p.sql).not.toMatch(/\{\{|\}\}/)
    const group = parsePanel('g', `${header('-- params: group\n')}SELECT 1 WHERE {{group}}`)
    expect(group.params).toEqual(['group'])
  })

  it.each([
    ['an unknown macro', '{{project}}', /unknown filter macro/],
    ['a branch macro without its column', '{{branch}}', /takes the ref column/],
    ['a scope alias that is not a name', '{{scope m;DROP}}', /takes a table alias/],
  ])('refuses %s, naming the file', (_what, macro, why) => {
    const text = `${header('-- params: project, group, branch\n')}SELECT 1 WHERE ${macro}`
    expect(() => parsePanel('bad', text)).toThrow(why)
    expect(() => parsePanel('bad', text)).toThrow(/dashboards\/panels\/bad\.sql/)
  })

  it('refuses an unknown page or chart', () => {
    expect(() =>
      parsePanel('x', '-- title: T\n-- description: D\n-- page: nope\n-- chart: bar\nSELECT 1'),
    ).toThrow(/unknown page/)
    expect(() =>
      parsePanel('x', '-- title: T\n-- description: D\n-- page: commits\n-- chart: pie\nSELECT 1'),
    ).toThrow(/unknown chart/)
  })
})
