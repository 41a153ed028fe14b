// The seed deliveries (test/fixtures/seed-deliveries.json, extracted from ../shared/seeds).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../lib/paths.ts'

export interface SeedDelivery {
  id: string
  doc: string
  section: string
  source: 'gitlab' | 'atomgit' | 'gitswarm'
  headers: Record<string, string>
  body: string
  notes?: string
}

export const seeds: SeedDelivery[] = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'fixtures', 'seed-deliveries.json'), 'utf8'),
) as SeedDelivery[]

export function seed(id: string): SeedDelivery {
  const s = seeds.find((x) => x.id === id)
  if (!s) throw new Error(`no seed ${id}`)
  return s
}
