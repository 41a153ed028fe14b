// The committed seed fixtures must be exactly what extract-seeds.ts makes of the seed documents,
// and must keep the facts the ingest relies on (which headers each kind of sender shows).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  SEED_DOCS,
  extractSeeds,
  renderFixture,
  type SeedDelivery,
} from '../fixtures/extract-seeds.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const seedsDir = resolve(repoRoot, '../shared/seeds')
const fixturePath = resolve(repoRoot, 'test/fixtures/seed-deliveries.json')
const fixtureText = readFileSync(fixturePath, 'utf8')
const fixture = JSON.parse(fixtureText) as SeedDelivery[]

const docName = (d: SeedDelivery): string => SEED_DOCS[d.doc]?.name ?? '(unknown)'

describe('seed delivery fixtures', () => {
  it.skipIf(!existsSync(seedsDir))(
    'match a fresh extraction of ../shared/seeds (skipped when that folder is absent)',
    () => {
      const { deliveries } = extractSeeds(seedsDir)
      expect(deliveries).toEqual(fixture)
      // Same input, same bytes: the committed file is the script's output untouched.
      expect(renderFixture(deliveries)).toBe(fixtureText)
      // A seed document nobody mapped would have made extractSeeds throw; check the reverse too.
      const files = readdirSync(seedsDir).filter((f) => f.endsWith('.txt'))
      expect(files.sort()).toEqual(Object.keys(SEED_DOCS).sort())
    },
  )

  it('has unique ids of the form <doc>/<section-slug>', () => {
    const ids = fixture.map((d) => d.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const d of fixture) expect(d.id).toMatch(new RegExp(`^${docName(d)}/[a-z0-9-]+$`))
  })

  it('has the expected number of deliveries per document, at least one each', () => {
    const counts: Record<string, number> = {}
    for (const d of fixture) counts[docName(d)] = (counts[docName(d)] ?? 0) + 1
    expect(counts).toEqual({
      atomgit: 5,
      'gitlab-11': 11,
      'gitlab-8': 9,
      'gitlab-6': 3,
      gitswarm: 10,
    })
    for (const doc of Object.values(SEED_DOCS)) expect(counts[doc.name]).toBeGreaterThan(0)
  })

  it('always sends JSON, with lower-case header names', () => {
    for (const d of fixture) {
      expect(d.headers['content-type']).toBe('application/json')
      for (const name of Object.keys(d.headers)) expect(name).toBe(name.toLowerCase())
    }
  })

  it('shows X-Gitlab-Event for every GitLab 8+ and GitSwarm delivery', () => {
    const modern = fixture.filter((d) => d.source !== 'atomgit' && docName(d) !== 'gitlab-6')
    expect(modern).toHaveLength(30)
    for (const d of modern) expect(d.headers['x-gitlab-event'], d.id).toMatch(/ Hook$/)
  })

  it('shows X-AtomGit-Event (and no X-Gitlab-Event) for every AtomGit delivery', () => {
    const atomgit = fixture.filter((d) => d.source === 'atomgit')
    for (const d of atomgit) {
      expect(d.headers['x-atomgit-event'], d.id).toMatch(/ Hook$/)
      expect(d.headers['x-gitlab-event'], d.id).toBeUndefined()
    }
  })

  it('shows no headers at all for GitLab 6 deliveries', () => {
    const old = fixture.filter((d) => docName(d) === 'gitlab-6')
    for (const d of old) expect(d.headers).toEqual({ 'content-type': 'application/json' })
  })

  it('keeps bodies verbatim, quirks included', () => {
    for (const d of fixture) expect(d.body).toMatch(/^\{[\s\S]*\}$/)
    const byId = new Map(fixture.map((d) => [d.id, d]))
    // The odd bytes the seeds README promises must survive extraction.
    expect(byId.get('atomgit/push')?.body).toMatch(/\},\n\}\n\],/)
    expect(byId.get('atomgit/code-review-comments')?.body).toContain('"2019-04-08T21: 00:25-07:00"')
    expect(() => JSON.parse(byId.get('atomgit/push')?.body ?? '')).toThrow()
  })
})
