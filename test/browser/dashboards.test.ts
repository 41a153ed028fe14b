// The dashboards web UI in Debian's Chromium, against the whole running pipeline: the seed
// deliveries and a generated month of synthetic events are posted to a real ingest, go through
// Kafka and the projector into an embedded ClickHouse, and the dashboards serve them. Every page
// must load without a console error, draw every panel, keep its filters in the URL, and show the
// same numbers the JSON API returns for the same filters. Each page's screenshot is written to
// test-results/screenshots/ for a person to look at.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { repoRoot } from '../../lib/paths.ts'
import {
  chartKinds,
  differences,
  fingerprint,
  panelPath,
  readPanelsScript,
  type Filters,
  type PanelAnswer,
  type PanelInfo,
  type ShownPanel,
} from './panels.ts'
import { startStack, type Stack } from './stack.ts'

/** Debian's Chromium (package `chromium`, installed by .ci/run); no browser is downloaded. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** A laptop screen. */
const viewport = { width: 1366, height: 768 }
const screenshotsDir = join(repoRoot, 'test-results', 'screenshots')

const SYNTHETIC = 3000
const PROJECTS = 8
/**
 * A range over all the data: the seeds' times (2011 on) and the synthetic month up to now. Its
 * end is fixed (tomorrow), not now: a rate per day over a range that ends now changes between
 * the page's query and the test's.
 */
const covering: Filters = {
  from: '2010-01-01',
  to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
}

/**
 * Panels the dataset leaves empty over the whole range: none. The DORA story of
 * test/support/dora-story.ts gives the DORA panels and the flaky-job table their rows.
 */
const emptyForThisData = new Set<string>()

let stack: Stack
let browser: Browser
let base: string
let panels: PanelInfo[]
let pages: { id: string; title: string; path: string | null }[]

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, base))
  const body = (await res.json()) as T
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`)
  return body
}

const answer = (panel: PanelInfo, filters: Filters) =>
  getJson<PanelAnswer>(panelPath(panel, filters))

const shownPanels = async (page: Page) => (await page.evaluate(readPanelsScript)) as ShownPanel[]

/** Console errors, uncaught exceptions and failed requests of a page, as they happen. */
function watch(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('requestfailed', (r) => {
    // The page aborts a panel request whose filters changed meanwhile, on purpose.
    const dropped =
      r.failure()?.errorText === 'net::ERR_ABORTED' && r.url().includes('/api/panels/')
    if (!dropped) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`)
  })
  return problems
}

/** Waits until every card of the page left its loading state. */
async function rendered(page: Page, cards: number): Promise<void> {
  await page.waitForFunction(
    `(() => {
      const cards = [...document.querySelectorAll('[data-panel]')]
      return cards.length === ${cards} && cards.every((c) => c.dataset.state !== 'loading')
    })()`,
    undefined,
    { timeout: 30_000 },
  )
}

/** Polls until every panel of the page shows what the API answers for `filters`. */
async function expectShownEqualsApi(
  page: Page,
  onPage: PanelInfo[],
  filters: Filters,
): Promise<ShownPanel[]> {
  let last: ShownPanel[] = []
  await expect
    .poll(
      async () => {
        last = await shownPanels(page)
        const diffs: string[] = []
        for (const p of onPage)
          diffs.push(
            ...differences(
              p,
              await answer(p, filters),
              last.find((s) => s.name === p.name),
            ),
          )
        return diffs
      },
      { timeout: 20_000, interval: 500 },
    )
    .toEqual([])
  return last
}

beforeAll(async () => {
  stack = await startStack({
    brokers: inject('kafkaBrokers'),
    synthetic: SYNTHETIC,
    projects: PROJECTS,
    now: Date.now(),
  })
  base = stack.dashboards.url
  ;({ panels, pages } = await getJson<{ panels: PanelInfo[]; pages: typeof pages }>('api/panels'))
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
  })
  mkdirSync(screenshotsDir, { recursive: true })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await stack?.stop()
})

describe('the data behind the pages', () => {
  it('went through the pipeline: seeds and a synthetic month, every day of it', async () => {
    const byName = (name: string) => panels.find((p) => p.name === name) as PanelInfo
    const events = await answer(byName('events_per_day'), covering)
    const total = events.rows.reduce((n, r) => n + Number(r.events), 0)
    expect(total).toBe(stack.posted)
    // Commits on at least 28 of the last 30 days: the month is covered, not one corner of it.
    const days = await answer(byName('commits_per_day'), { from: 'now-30d' })
    expect(days.rows.length).toBeGreaterThanOrEqual(28)
  })
})

describe.each([
  ['overview', '/'],
  ['commits', '/commits'],
  ['merge-requests', '/merge-requests'],
  ['pipelines', '/pipelines'],
])('the %s page (%s) in Chromium', (id, path) => {
  it('loads without errors, draws every panel, shows the API numbers, and filters by URL', async () => {
    expect(pages.find((p) => p.id === id)?.path).toBe(path)
    const onPage = panels.filter((p) => p.page === id)
    expect(onPage.length).toBeGreaterThanOrEqual(4)

    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' })
    try {
      const page = await context.newPage()
      const problems = watch(page)
      const url = new URL(path, base)
      url.search = new URLSearchParams(covering).toString()
      await page.goto(url.href)
      await rendered(page, onPage.length)

      // Every panel in its rendered state, drawing exactly the API's rows for the same filters.
      const before = await expectShownEqualsApi(page, onPage, covering)
      const empty = before.filter((s) => s.state === 'empty').map((s) => s.name)
      expect(empty.filter((n) => !emptyForThisData.has(n))).toEqual([])
      // A canvas with pixels on it for every chart panel that has rows (differences() checks each).
      const drawn = before.filter((s) => s.chart?.painted).map((s) => s.name)
      expect(drawn).toEqual(
        onPage
          .filter((p) => chartKinds.includes(p.chart) && !emptyForThisData.has(p.name))
          .map((p) => p.name),
      )

      const allFile = join(screenshotsDir, `${id}-all.png`)
      await page.screenshot({ path: allFile, fullPage: true })
      console.log(`screenshot of ${url.pathname}${url.search}: ${allFile}`)

      // The busiest synthetic project, typed into the Project filter as a user would.
      const top = await answer(panels.find((p) => p.name === 'top_projects') as PanelInfo, covering)
      const project = String(top.rows[0]?.project_path)
      expect(project).toMatch(/^group-\d\/project-\d+$/)
      await expect.poll(() => page.locator('#projects option').count()).toBeGreaterThan(PROJECTS)
      const input = page.locator('#filters input[name="project"]')
      await input.fill(project)
      await input.press('Enter')
      await expect.poll(() => new URL(page.url()).searchParams.get('project')).toBe(project)
      expect(new URL(page.url()).searchParams.get('from')).toBe(covering.from)

      const filtered = await expectShownEqualsApi(page, onPage, { ...covering, project })
      const changed = filtered
        .filter((s) => {
          const was = before.find((b) => b.name === s.name)
          return was !== undefined && fingerprint(was) !== fingerprint(s)
        })
        .map((s) => s.name)
      expect(changed.length, 'panels whose numbers changed with the project').toBeGreaterThan(0)
      const projectFile = join(screenshotsDir, `${id}-project.png`)
      await page.screenshot({ path: projectFile, fullPage: true })
      console.log(`screenshot of ${path} for ${project}: ${projectFile}`)

      // Back: the URL loses the project, and the page shows the whole data again.
      await page.goBack()
      await expect.poll(() => new URL(page.url()).searchParams.get('project')).toBe(null)
      await expect(input.inputValue()).resolves.toBe('')
      await expectShownEqualsApi(page, onPage, covering)

      // The Range control back to its default, the last 30 days: the query string empties and
      // the page shows the synthetic month, the view a team lead opens every morning.
      await page.locator('#filters select[name="range"]').selectOption('now-30d')
      await expect.poll(() => new URL(page.url()).search).toBe('')
      await expectShownEqualsApi(page, onPage, {})
      const file = join(screenshotsDir, `${id}.png`)
      await page.screenshot({ path: file, fullPage: true })
      console.log(`screenshot of ${path} (last 30 days): ${file}`)

      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, 120_000)
})

describe('a filter change while panels are loading', () => {
  // The answers for the first filters are held back until after those for the second: a page
  // that drew whatever came last would show the first filters' numbers under the second's.
  it('draws the answers to the latest filters, not late answers to earlier ones', async () => {
    const onPage = panels.filter((p) => p.page === 'commits')
    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' })
    try {
      const page = await context.newPage()
      const problems = watch(page)
      const url = new URL('/commits', base)
      url.search = new URLSearchParams(covering).toString()
      await page.goto(url.href)
      await rendered(page, onPage.length)
      await expectShownEqualsApi(page, onPage, covering)

      const held = 'group-0/project-0'
      let heldBack = 0
      await page.route('**/api/panels/**', async (route) => {
        if (new URL(route.request().url()).searchParams.get('project') !== held)
          return route.continue()
        heldBack++
        await new Promise((r) => setTimeout(r, 3_000))
        // The page may have dropped the request meanwhile.
        await route.continue().catch(() => undefined)
      })
      const input = page.locator('#filters input[name="project"]')
      await input.fill(held)
      await input.press('Enter')
      await expect.poll(() => heldBack).toBe(onPage.length)
      await input.fill('')
      await input.press('Enter')
      await expect.poll(() => new URL(page.url()).searchParams.get('project')).toBe(null)
      await expectShownEqualsApi(page, onPage, covering)
      // Past the held answers' arrival, the page still shows the latest filters' numbers.
      await page.waitForTimeout(4_000)
      const shown = await shownPanels(page)
      for (const p of onPage)
        expect(
          differences(
            p,
            await answer(p, covering),
            shown.find((x) => x.name === p.name),
          ),
        ).toEqual([])
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)
})
