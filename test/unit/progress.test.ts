import { describe, expect, it } from 'vitest'
import { formatProgress } from '../../cli/progress.ts'

describe('formatProgress', () => {
  it('gives done / total, percentage, rate and time left', () => {
    expect(formatProgress(250, 1000, 500)).toBe(
      '250 / 1000 events (25.0%), 500 events/s, ETA 1.5 s',
    )
    expect(formatProgress(1000, 61000, 1000)).toBe(
      '1000 / 61000 events (1.6%), 1000 events/s, ETA 1 min 0 s',
    )
  })

  it('says done at the end and ? before any rate is known', () => {
    expect(formatProgress(10, 10, 2000)).toBe('10 / 10 events (100.0%), 5 events/s, done')
    expect(formatProgress(0, 10, 0)).toBe('0 / 10 events (0.0%), 0 events/s, ETA ?')
  })
})
