import { describe, expect, it } from 'vitest'
import { ConfigError, describeSettings, loadConfig } from '../../lib/config.ts'

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const cfg = loadConfig({})
    expect(cfg.INGEST_PORT).toBe(8080)
    expect(cfg.KAFKA_BROKERS).toBeUndefined()
    expect(cfg.CLICKHOUSE_URL).toBeUndefined()
    expect(cfg.WEBHOOK_ALLOW_UNAUTHENTICATED).toBe(false)
    expect(cfg.KAFKA_TOPIC).toBe('hookhouse.events')
  })

  it('parses lists, ports and booleans', () => {
    const cfg = loadConfig({
      KAFKA_BROKERS: 'a:9092, b:9093',
      INGEST_PORT: '0',
      WEBHOOK_TOKENS: 'new,old',
      WEBHOOK_ALLOW_UNAUTHENTICATED: 'yes',
    })
    expect(cfg.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093'])
    expect(cfg.INGEST_PORT).toBe(0)
    expect(cfg.WEBHOOK_TOKENS).toEqual(['new', 'old'])
    expect(cfg.WEBHOOK_ALLOW_UNAUTHENTICATED).toBe(true)
  })

  it('names every wrong variable and what it expects, in one error', () => {
    const attempt = () =>
      loadConfig({ INGEST_PORT: 'eighty', KAFKA_BROKERS: 'localhost', CLICKHOUSE_URL: 'ftp://x' })
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(/INGEST_PORT="eighty" is invalid .*expected a port number/)
    expect(attempt).toThrow(/KAFKA_BROKERS="localhost" .*host:port/)
    expect(attempt).toThrow(/CLICKHOUSE_URL="ftp:\/\/x"/)
  })

  it('never echoes a secret in its error', () => {
    expect(() => loadConfig({ CLICKHOUSE_PASSWORD: 'x', INGEST_BODY_LIMIT: 's3cr3t' })).toThrow(
      /INGEST_BODY_LIMIT="s3cr3t"/,
    )
    try {
      loadConfig({ WEBHOOK_TOKENS: 'tok', CLICKHOUSE_DATABASE: 'bad-name' })
    } catch (err) {
      expect(String(err)).not.toContain('tok')
    }
  })

  it('describes every variable for --help', () => {
    const text = describeSettings()
    expect(text).toContain('KAFKA_BROKERS')
    expect(text).toContain('(default: 8080)')
  })
})
