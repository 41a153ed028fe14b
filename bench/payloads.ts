// The request mix of the ingest benchmark: the real seed deliveries (test/fixtures), with their
// own headers plus the bench token, in proportions like a CI-heavy GitLab instance's traffic.
// Deterministic, so every run and both servers see the same sequence.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../lib/paths.ts'
import { readDelivery } from '../services/ingest/delivery.ts'
import { detectKind } from '../services/ingest/normalise/kinds.ts'

export const benchToken = 'bench-token'

/** Share of requests per event kind. Job and pipeline hooks dominate where CI runs. */
export const kindWeights: Record<string, number> = {
  job: 0.3,
  pipeline: 0.2,
  push: 0.2,
  merge_request: 0.15,
  note: 0.1,
  issue: 0.03,
  tag_push: 0.01,
  wiki_page: 0.01,
}

interface Seed {
  id: string
  headers: Record<string, string>
  body: string
}

export interface Payload {
  id: string
  kind: string
  headers: Record<string, string>
  body: Buffer
}

export interface Mix {
  /** The sequence to cycle through. */
  sequence: Payload[]
  /** Seeds left out, and why. */
  excluded: string[]
  kinds: { kind: string; seeds: number; share: number }[]
  meanBodyBytes: number
}

/** A small seeded PRNG (mulberry32), so the shuffle is the same on every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function buildMix(length = 1000): Mix {
  const seeds = JSON.parse(
    readFileSync(join(repoRoot, 'test', 'fixtures', 'seed-deliveries.json'), 'utf8'),
  ) as Seed[]
  const byKind = new Map<string, Payload[]>()
  const excluded: string[] = []
  for (const s of seeds) {
    let json: Record<string, unknown>
    try {
      // The bare baseline route parses with JSON.parse alone, so a body it cannot parse (AtomGit's
      // trailing commas) would be a 400 there: such seeds are left out of the mix for both.
      json = JSON.parse(s.body) as Record<string, unknown>
    } catch {
      excluded.push(`${s.id} (not strict JSON)`)
      continue
    }
    const kind = detectKind(json, readDelivery(s.headers).eventHeader)
    if (!(kind in kindWeights)) {
      excluded.push(`${s.id} (kind ${kind} not in the mix)`)
      continue
    }
    const list = byKind.get(kind) ?? []
    list.push({
      id: s.id,
      kind,
      headers: { ...s.headers, 'x-gitlab-token': benchToken },
      body: Buffer.from(s.body),
    })
    byKind.set(kind, list)
  }
  const sequence: Payload[] = []
  const kinds: Mix['kinds'] = []
  for (const [kind, weight] of Object.entries(kindWeights)) {
    const list = byKind.get(kind)
    if (!list) throw new Error(`no seed delivery of kind ${kind}`)
    const n = Math.round(weight * length)
    for (let i = 0; i < n; i++) sequence.push(list[i % list.length] as Payload)
    kinds.push({ kind, seeds: list.length, share: weight })
  }
  const rnd = random(20240601)
  for (let i = sequence.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[sequence[i], sequence[j]] = [sequence[j] as Payload, sequence[i] as Payload]
  }
  const meanBodyBytes = sequence.reduce((sum, p) => sum + p.body.length, 0) / sequence.length
  return { sequence, excluded, kinds, meanBodyBytes }
}
