// Runs inside the page (page.evaluate): what every panel card of the page shows, read off the DOM
// and off the ECharts instances (the values a chart draws are its option's series data). Plain
// JavaScript so that no compiler helper sneaks into the code the browser runs.
/* global document, echarts */
;(() => {
  const text = (el) => (el?.textContent ?? '').trim()
  return [...document.querySelectorAll('[data-panel]')].map((card) => {
    const shown = {
      name: card.dataset.panel,
      state: card.dataset.state,
      rows: card.dataset.rows === undefined ? null : Number(card.dataset.rows),
      message: text(card.querySelector('.message')) || null,
    }
    const chartEl = card.querySelector('.chart')
    if (chartEl) {
      const canvas = chartEl.querySelector('canvas')
      let painted = false
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
        for (let i = 3; i < pixels.length && !painted; i += 4) painted = pixels[i] !== 0
      }
      const instance = echarts.getInstanceByDom(chartEl)
      const option = instance?.getOption()
      const values = []
      for (const s of option?.series ?? [])
        for (const d of s.data ?? []) {
          const v = Array.isArray(d) ? d[d.length - 1] : d
          values.push(v === null || v === undefined || v === '-' ? null : Number(v))
        }
      const box = chartEl.getBoundingClientRect()
      shown.chart = {
        width: Math.round(box.width),
        height: Math.round(box.height),
        canvas: canvas ? { width: canvas.width, height: canvas.height } : null,
        painted,
        values,
      }
    }
    const stat = card.querySelector('.stat')
    if (stat) shown.stat = { value: stat.dataset.value, text: text(stat.firstChild) }
    const keys = card.querySelectorAll('.dora .key')
    if (keys.length > 0)
      shown.dora = [...keys].map((k) => ({
        metric: k.dataset.metric,
        rating: k.dataset.rating,
        value: k.querySelector('.value').dataset.value,
        text: text(k.querySelector('.value')),
      }))
    const table = card.querySelector('table')
    if (table)
      shown.table = {
        headers: [...table.querySelectorAll('thead th')].map(text),
        cells: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map(text)),
        links: [...table.querySelectorAll('tbody a')].map((a) => a.href),
      }
    return shown
  })
})()
