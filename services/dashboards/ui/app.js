// The hookhouse web UI: one module, no build step. It reads the panel list from /api/panels, draws
// the panels of this page with ECharts (served from node_modules), keeps the filters in the URL
// query string and refreshes 30 s after the last refresh finished. Data only ever reaches the page
// as text or chart values, never as HTML.
/* global document, window, fetch, history, location, URLSearchParams, Option, AbortController, echarts */

const REFRESH_MS = 30_000
const page = document.body.dataset.page
const filterNames = ['from', 'to', 'project', 'group', 'branch']
const charts = new Map()

function currentFilters() {
  const q = new URLSearchParams(location.search)
  const f = {}
  for (const name of filterNames) {
    const v = q.get(name)
    if (v) f[name] = v
  }
  return f
}

function setFilters(f) {
  const q = new URLSearchParams()
  for (const name of filterNames) if (f[name]) q.set(name, f[name])
  const search = q.toString()
  history.pushState(null, '', search ? `?${search}` : location.pathname)
}

function panelQuery(panel, f) {
  const q = new URLSearchParams()
  for (const name of panel.params) if (f[name]) q.set(name, f[name])
  const s = q.toString()
  return `/api/panels/${encodeURIComponent(panel.name)}${s ? `?${s}` : ''}`
}

async function getJson(url, signal) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`)
  return body
}

// ---- filters ------------------------------------------------------------------------------

function syncForm(form, f) {
  const range = form.elements.namedItem('range')
  const presets = [...range.options].map((o) => o.value)
  const custom = f.from !== undefined && (!presets.includes(f.from) || f.to !== undefined)
  range.value = custom ? 'custom' : (f.from ?? 'now-30d')
  for (const el of form.querySelectorAll('.custom')) el.hidden = !custom
  form.elements.namedItem('from').value = custom ? (f.from ?? '').slice(0, 10) : ''
  form.elements.namedItem('to').value = custom ? (f.to ?? '').slice(0, 10) : ''
  for (const name of ['project', 'group', 'branch'])
    form.elements.namedItem(name).value = f[name] ?? ''
  form.querySelector('.branch').hidden = page !== 'pipelines'
}

function readForm(form) {
  const v = (name) => form.elements.namedItem(name).value.trim()
  const f = {}
  if (v('range') === 'custom') {
    if (v('from')) f.from = v('from')
    if (v('to')) f.to = v('to')
  } else if (v('range') !== 'now-30d') {
    f.from = v('range')
  }
  for (const name of ['project', 'group', 'branch']) if (v(name)) f[name] = v(name)
  return f
}

async function fillSuggestions() {
  try {
    const { rows } = await getJson('/api/panels/projects')
    const projects = document.getElementById('projects')
    const groups = document.getElementById('groups')
    projects.replaceChildren(...rows.map((r) => new Option(r.project_path)))
    const names = [...new Set(rows.map((r) => r.group_path).filter(Boolean))]
    groups.replaceChildren(...names.map((g) => new Option(g)))
  } catch {
    // Suggestions are a convenience: the filters work without them.
  }
}

// ---- formatting ---------------------------------------------------------------------------

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '–'
  const s = Math.abs(seconds)
  if (s < 90) return `${Math.round(seconds)} s`
  if (s < 90 * 60) return `${(seconds / 60).toFixed(1)} min`
  if (s < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`
  return `${(seconds / 86400).toFixed(1)} days`
}

function formatNumber(v) {
  if (typeof v !== 'number') return v === null || v === undefined ? '' : String(v)
  return Number.isInteger(v)
    ? v.toLocaleString('en')
    : v.toLocaleString('en', { maximumFractionDigits: 2 })
}

const isDay = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)
const isTime = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)

// ---- renderers ----------------------------------------------------------------------------

function chartFor(el) {
  let chart = charts.get(el)
  if (!chart) {
    chart = echarts.init(el, null, { renderer: 'canvas' })
    charts.set(el, chart)
  }
  return chart
}

function seriesChart(el, panel, rows) {
  const { x, y = [], series: by, stack, line } = panel.hints
  const horizontal = panel.chart === 'hbar'
  const type = panel.chart === 'line' ? 'line' : 'bar'
  const timeAxis = !horizontal && rows.some((r) => isDay(r[x]) || isTime(r[x]))
  const groups = by ? [...new Set(rows.map((r) => r[by]))] : [undefined]
  const series = []
  for (const g of groups) {
    const part = by ? rows.filter((r) => r[by] === g) : rows
    for (const col of y) {
      series.push({
        name: by ? (y.length > 1 ? `${g} ${col}` : String(g)) : col,
        type,
        stack: stack ? 'total' : undefined,
        showSymbol: part.length < 40,
        connectNulls: true,
        data: part.map((r) => (timeAxis ? [r[x], r[col]] : r[col])),
      })
    }
  }
  const axes = [{ type: 'value', name: y.length === 1 && !by ? y[0] : '' }]
  if (line) {
    axes.push({ type: 'value', name: line, min: 0, max: 1, splitLine: { show: false } })
    series.push({
      name: line,
      type: 'line',
      yAxisIndex: 1,
      data: rows.map((r) => (timeAxis ? [r[x], r[line]] : r[line])),
    })
  }
  const categories = timeAxis ? undefined : [...new Set(rows.map((r) => String(r[x])))]
  // Daily data on a time axis: ticks no finer than a day, or one day's bar reads as three days
  // of hours; labels that would collide are dropped ("Nov" beside "2").
  const daily = timeAxis && rows.every((r) => isDay(r[x]))
  const xAxis = timeAxis
    ? {
        type: 'time',
        minInterval: daily ? 24 * 3600 * 1000 : undefined,
        axisLabel: { hideOverlap: true },
      }
    : { type: 'category', data: categories }
  chartFor(el).setOption(
    {
      animation: false,
      grid: { left: horizontal ? 140 : 50, right: line ? 50 : 20, top: 30, bottom: 30 },
      legend: { type: 'scroll', top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: horizontal ? axes[0] : xAxis,
      yAxis: horizontal
        ? { ...xAxis, inverse: true, axisLabel: { width: 130, overflow: 'truncate' } }
        : axes,
      series,
    },
    true,
  )
}

function heatmapChart(el, panel, rows) {
  const { x, y: [yCol] = [], value } = panel.hints
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
  const hours = Array.from({ length: 24 }, (_, h) => String(h))
  const max = Math.max(1, ...rows.map((r) => r[value]))
  chartFor(el).setOption(
    {
      animation: false,
      // The colour scale stands at the right, clear of the hour labels and the axis name.
      grid: { left: 50, right: 70, top: 10, bottom: 40 },
      tooltip: { position: 'top' },
      xAxis: {
        type: 'category',
        data: hours,
        name: 'hour (UTC)',
        nameLocation: 'middle',
        nameGap: 25,
      },
      yAxis: { type: 'category', data: days, inverse: true },
      visualMap: {
        min: 0,
        max,
        orient: 'vertical',
        right: 0,
        top: 'middle',
        itemHeight: 120,
        calculable: true,
      },
      series: [
        {
          type: 'heatmap',
          data: rows.map((r) => [r[x], r[yCol] - 1, r[value]]),
          label: { show: false },
        },
      ],
    },
    true,
  )
}

function statView(body, panel, rows) {
  const row = rows[0] ?? {}
  const v = row[panel.hints.value]
  const div = document.createElement('div')
  div.className = 'stat'
  div.dataset.value = v ?? ''
  div.textContent = panel.hints.unit === 's' ? formatDuration(v) : formatNumber(v)
  const small = document.createElement('small')
  const last = row.last_received_at
  small.textContent = last
    ? `newest event received ${new Date(last).toLocaleString()}`
    : 'no events yet'
  div.append(small)
  body.replaceChildren(div)
}

const doraNames = {
  deployment_frequency: 'Deployment frequency',
  lead_time_for_changes: 'Lead time for changes',
  change_failure_rate: 'Change failure rate',
  time_to_restore: 'Time to restore',
}

function doraView(body, rows) {
  const grid = document.createElement('div')
  grid.className = 'dora'
  for (const r of rows) {
    const key = document.createElement('div')
    key.className = 'key'
    key.dataset.metric = r.metric
    key.dataset.rating = r.rating
    const value = document.createElement('div')
    value.className = 'value'
    value.dataset.value = r.value ?? ''
    value.textContent =
      r.value === null
        ? '–'
        : r.unit === 'ratio'
          ? `${(r.value * 100).toFixed(1)} %`
          : r.unit === 'hours'
            ? formatDuration(r.value * 3600)
            : `${formatNumber(r.value)} ${r.unit}`
    const name = document.createElement('div')
    name.className = 'name'
    name.textContent = doraNames[r.metric] ?? r.metric
    const band = document.createElement('div')
    band.className = 'band'
    band.textContent = r.rating || 'no data'
    key.append(value, name, band)
    grid.append(key)
  }
  body.replaceChildren(grid)
}

function tableView(body, panel, columns, rows) {
  const link = panel.hints.link
  const shown = columns.filter((c) => c.name !== link)
  const numeric = (c) => /Int|Float|Decimal/.test(c.type)
  const table = document.createElement('table')
  const head = table.createTHead().insertRow()
  for (const c of shown) {
    const th = document.createElement('th')
    th.textContent = c.name
    if (numeric(c)) th.className = 'num'
    head.append(th)
  }
  const tbody = table.createTBody()
  for (const r of rows) {
    const tr = tbody.insertRow()
    for (const c of shown) {
      const td = tr.insertCell()
      const v = r[c.name]
      if (numeric(c)) td.className = 'num'
      const text = isTime(v) ? new Date(v).toLocaleString() : formatNumber(v)
      const href = link && c.name === 'title' ? r[link] : undefined
      if (typeof href === 'string' && /^https?:\/\//.test(href)) {
        const a = document.createElement('a')
        a.href = href
        a.rel = 'noopener noreferrer'
        a.target = '_blank'
        a.textContent = text
        td.append(a)
      } else {
        td.textContent = text
      }
    }
  }
  const wrap = document.createElement('div')
  wrap.className = 'table-wrap'
  wrap.append(table)
  body.replaceChildren(wrap)
}

function message(body, text, error = false) {
  const p = document.createElement('p')
  p.className = error ? 'message error' : 'message'
  p.textContent = text
  body.replaceChildren(p)
}

// ---- panels -------------------------------------------------------------------------------

function panelCard(panel) {
  const card = document.createElement('article')
  card.className = 'panel'
  if (['table', 'dora'].includes(panel.chart) || panel.hints.series) card.classList.add('wide')
  card.dataset.panel = panel.name
  card.dataset.state = 'loading'
  const h2 = document.createElement('h2')
  h2.textContent = panel.title
  const about = document.createElement('p')
  about.className = 'about'
  about.textContent = panel.description
  const body = document.createElement('div')
  body.className = 'body'
  card.append(h2, about, body)
  return card
}

// The request each card is waiting for. A panel over a large range can take longer than the
// refresh interval: a refresh does not ask again for a query still running, and a filter change
// drops the answer to the old filters, which could otherwise arrive last and be drawn.
const pending = new Map()

function drawPanel(card, panel, f) {
  const url = panelQuery(panel, f)
  const waiting = pending.get(card)
  if (waiting?.url === url) return waiting.done
  waiting?.controller.abort()
  const controller = new AbortController()
  const done = fetchAndDraw(card, panel, url, controller).finally(() => {
    if (pending.get(card)?.controller === controller) pending.delete(card)
  })
  pending.set(card, { url, controller, done })
  return done
}

async function fetchAndDraw(card, panel, url, controller) {
  const body = card.querySelector('.body')
  try {
    const { columns, rows } = await getJson(url, controller.signal)
    if (controller.signal.aborted) return
    card.dataset.rows = String(rows.length)
    const chartKind = ['line', 'bar', 'hbar', 'heatmap'].includes(panel.chart)
    if (rows.length === 0 && panel.chart !== 'stat') {
      disposeChart(body)
      message(body, 'No data for these filters.')
      card.dataset.state = 'empty'
      return
    }
    if (chartKind) {
      let el = body.querySelector('.chart')
      if (!el) {
        el = document.createElement('div')
        el.className = 'chart'
        body.replaceChildren(el)
      }
      if (panel.chart === 'heatmap') heatmapChart(el, panel, rows)
      else seriesChart(el, panel, rows)
    } else if (panel.chart === 'stat') statView(body, panel, rows)
    else if (panel.chart === 'dora') doraView(body, rows)
    else tableView(body, panel, columns, rows)
    card.dataset.state = 'ready'
  } catch (err) {
    if (controller.signal.aborted) return
    disposeChart(body)
    message(body, err.message, true)
    card.dataset.state = 'error'
  }
}

function disposeChart(body) {
  const el = body.querySelector('.chart')
  if (el && charts.has(el)) {
    charts.get(el).dispose()
    charts.delete(el)
  }
}

async function showEmptyState() {
  const box = document.getElementById('empty')
  try {
    const [{ rows }, info] = await Promise.all([
      getJson('/api/panels/freshness'),
      getJson('/api/info'),
    ])
    if (rows[0]?.has_events) {
      box.hidden = true
      return
    }
    const url = info.ingestUrl ?? `http://${location.hostname}:8080/webhooks`
    const h = document.createElement('strong')
    h.textContent = 'No events yet. '
    const p = document.createElement('p')
    p.append(
      'In GitLab, open your group (or project) > Settings > Webhooks > Add new webhook, set the URL to ',
      Object.assign(document.createElement('code'), { textContent: url }),
      ', the secret token to the webhook token hookhouse printed at start-up (WEBHOOK_TOKENS), and tick push, tag push, merge request, comments, issues, pipeline, job, deployment and release events. Charts fill in as deliveries arrive.',
    )
    box.replaceChildren(h, p)
    box.hidden = false
  } catch {
    box.hidden = true
  }
}

async function main() {
  const form = document.getElementById('filters')
  const container = document.getElementById('panels')
  const status = document.getElementById('status')
  let panels = []
  try {
    panels = (await getJson('/api/panels')).panels.filter((p) => p.page === page)
  } catch (err) {
    status.textContent = `Could not load the panel list: ${err.message}`
    return
  }
  const cards = panels.map((p) => [panelCard(p), p])
  container.replaceChildren(...cards.map(([c]) => c))

  // The next refresh is due REFRESH_MS after the latest one finished, never while it runs.
  let timer
  let latest = 0
  const refresh = async () => {
    window.clearTimeout(timer)
    const run = ++latest
    const f = currentFilters()
    await Promise.all([showEmptyState(), ...cards.map(([card, p]) => drawPanel(card, p, f))])
    if (run !== latest) return
    status.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`
    timer = window.setTimeout(() => void refresh(), REFRESH_MS)
  }

  syncForm(form, currentFilters())
  form.addEventListener('change', () => {
    const f = readForm(form)
    setFilters(f)
    syncForm(form, f)
    void refresh()
  })
  form.addEventListener('submit', (e) => e.preventDefault())
  window.addEventListener('popstate', () => {
    syncForm(form, currentFilters())
    void refresh()
  })
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()))
  void fillSuggestions()
  await refresh()
}

void main()
