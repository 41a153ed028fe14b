import { describe, expect, it } from 'vitest'
import { loadPanels, pages, parsePanel } from '../../services/dashboards/panels.ts'

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

  it('refuses an unknown page or chart', () => {
    expect(() =>
      parsePanel('x', '-- title: T\n-- description: D\n-- page: nope\n-- chart: bar\nSELECT 1'),
    ).toThrow(/unknown page/)
    expect(() =>
      parsePanel('x', '-- title: T\n-- description: D\n-- page: commits\n-- chart: pie\nSELECT 1'),
    ).toThrow(/unknown chart/)
  })
})
