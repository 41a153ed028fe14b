// The local broker's cluster id must never start with '-': Kafka's storage tool would read it as
// an option and refuse to format (it happened to one start in 64 before the id was redrawn).
import { describe, expect, it } from 'vitest'
import { kafkaClusterId } from '../../lib/kafka/local-broker.ts'

describe('kafkaClusterId', () => {
  it('is 22 base64url characters that never start with a dash', () => {
    const ids = Array.from({ length: 5000 }, kafkaClusterId)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
