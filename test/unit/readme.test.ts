import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { allSettingNames } from '../../lib/config.ts'
import { repoRoot } from '../../lib/paths.ts'

describe('README.md', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')

  it('documents every environment variable the program reads', () => {
    const missing = allSettingNames().filter((name) => !readme.includes(`\`${name}\``))
    expect(missing).toEqual([])
  })

  it('shows the two commands', () => {
    expect(readme).toContain('npm install && npm start')
    expect(readme).toContain('npm test')
  })
})
