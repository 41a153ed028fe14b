import { describe, expect, it } from 'vitest'
import { clickhouseTime, parseTime, readPanelParams } from '../../services/dashboards/params.ts'
import type { Panel } from '../../services/dashboards/panels.ts'

const now = Date.UTC(2026, 10, 23, 12, 0, 0)
const panel: Panel = {
  name: 'p',
  title: 'P',
  description: '',
  page: 'commits',
  order: 1,
  chart: 'bar',
  params: ['from', 'to', 'project', 'group'],
  requires: [],
  hints: {},
  sql: 'SELECT 1',
}

describe('parseTime', () => {
  it.each([
    ['now', now],
    ['now-30d', now - 30 * 86_400_000],
    ['now-2w', now - 14 * 86_400_000],
    ['now-6h', now - 6 * 3_600_000],
    ['2026-11-01', Date.UTC(2026, 10, 1)],
    ['2026-11-01T10:30:00Z', Date.UTC(2026, 10, 1, 10, 30)],
    ['2026-11-01T10:30:00+02:00', Date.UTC(2026, 10, 1, 8, 30)],
    ['2026-11-01 10:30', Date.UTC(2026, 10, 1, 10, 30)],
    ['1795953600000', 1795953600000],
  ])('reads %s', (raw, ms) => {
    expect(parseTime(raw, now)).toBe(ms)
  })

  it.each(['yesterday', 'now+1d', '2026-13-01', '2026-11-01T25:00', "1' OR 1=1", ''])(
    'refuses %j',
    (raw) => {
      expect(parseTime(raw, now)).toBeUndefined()
    },
  )
})

describe('readPanelParams', () => {
  it('defaults to the last 30 days and every project, bound as ClickHouse values', () => {
    const r = readPanelParams(panel, {}, now)
    expect(r).toEqual({
      ok: true,
      values: {
        from: clickhouseTime(now - 30 * 86_400_000),
        to: '2026-11-23 12:00:00.000',
        project: '',
        group: '',
      },
      shown: {
        from: '2026-10-24T12:00:00.000Z',
        to: '2026-11-23T12:00:00.000Z',
        project: '',
        group: '',
      },
    })
  })

  it('passes only the parameters the panel binds', () => {
    const r = readPanelParams(
      { ...panel, params: ['project'] },
      { branch: 'main', project: '15' },
      now,
    )
    expect(r.ok && r.values).toEqual({ project: '15' })
  })

  it.each([
    [{ since: '1' }, 'since', 'HH_UNKNOWN_PARAMETER'],
    [{ from: 'soon' }, 'from', 'HH_BAD_PARAMETER'],
    [{ from: 'now', to: 'now-1d' }, 'from', 'HH_BAD_PARAMETER'],
    [{ project: ['a', 'b'] }, 'project', 'HH_BAD_PARAMETER'],
    [{ project: "a'b" }, 'project', 'HH_BAD_PARAMETER'],
    [{ group: 'x'.repeat(256) }, 'group', 'HH_BAD_PARAMETER'],
    [{ branch: 'a b' }, 'branch', 'HH_BAD_PARAMETER'],
  ])('refuses %j naming %s', (query, parameter, code) => {
    const r = readPanelParams(panel, query, now)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.statusCode).toBe(400)
      expect(r.error.toBody().error).toMatchObject({ code, parameter })
    }
  })

  it('accepts group paths, project ids and git refs with slashes', () => {
    expect(readPanelParams(panel, { group: 'gitlab-org/sub.group', project: '380' }, now).ok).toBe(
      true,
    )
    expect(
      readPanelParams({ ...panel, params: ['branch'] }, { branch: 'feature/ÄÖ-1.2' }, now).ok,
    ).toBe(true)
  })
})
