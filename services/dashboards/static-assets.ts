// The web UI's files, read once: a page shell, one JS module, one stylesheet, and the charting
// library straight from node_modules (no build step, no CDN).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from './panels.ts'

const uiDir = join(dirname(fileURLToPath(import.meta.url)), 'ui')

export interface Asset {
  type: string
  body: string | Buffer
}

export interface StaticAssets {
  /** Path → file, for the module, the stylesheet and the charting library. */
  files: Map<string, Asset>
  /** The HTML of one page of the UI. */
  page(page: Page, pages: Page[]): string
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function loadStaticAssets(): StaticAssets {
  const require = createRequire(import.meta.url)
  const files = new Map<string, Asset>([
    ['/ui/app.js', { type: 'text/javascript; charset=utf-8', body: read('app.js') }],
    ['/ui/style.css', { type: 'text/css; charset=utf-8', body: read('style.css') }],
    [
      '/vendor/echarts.min.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(require.resolve('echarts/dist/echarts.min.js')),
      },
    ],
  ])
  const shell = read('index.html')
  return {
    files,
    page(page, pages) {
      const nav = pages
        .filter((p) => p.path !== undefined)
        .map(
          (p) =>
            `<a href="${p.path}"${p.id === page.id ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a>`,
        )
        .join('\n        ')
      return shell
        .replaceAll('{{page}}', escapeHtml(page.id))
        .replaceAll('{{title}}', escapeHtml(page.title))
        .replace('{{nav}}', nav)
    },
  }
}

function read(name: string): string {
  return readFileSync(join(uiDir, name), 'utf8')
}
