// JSON as real senders write it. Strict JSON.parse first (fast path); when that fails, one
// tolerant retry that drops trailing commas, which AtomGit's documented payloads contain.
// Duplicated keys need nothing: JSON.parse keeps the last, and the seeds' duplicates are equal.
import { errors, type IngestError } from './errors.ts'

export type JsonObject = Record<string, unknown>

export type ParseResult =
  { ok: true; value: JsonObject; repaired: boolean } | { ok: false; error: IngestError }

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function parseWebhookBody(body: Buffer): ParseResult {
  if (body.length === 0) return { ok: false, error: errors.emptyBody() }
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return { ok: false, error: errors.invalidUtf8() }
  }
  let value: unknown
  let repaired = false
  try {
    value = JSON.parse(text)
  } catch (strictErr) {
    try {
      value = JSON.parse(dropTrailingCommas(text))
      repaired = true
    } catch {
      // Only now is a blank body worth the copy it takes to tell it apart.
      if (text.trim() === '') return { ok: false, error: errors.emptyBody() }
      return { ok: false, error: errors.invalidJson((strictErr as Error).message) }
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      error: errors.notAnObject(
        Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value,
      ),
    }
  }
  return { ok: true, value: value as JsonObject, repaired }
}

/** Removes commas that directly precede `}` or `]`, outside strings. */
export function dropTrailingCommas(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      out += c
      if (c === '\\') {
        out += text[i + 1] ?? ''
        i++
      } else if (c === '"') inString = false
      continue
    }
    if (c === '"') {
      inString = true
      out += c
      continue
    }
    if (c === ',') {
      let j = i + 1
      while (j < text.length && /\s/.test(text[j] ?? '')) j++
      if (text[j] === '}' || text[j] === ']') continue
    }
    out += c
  }
  return out
}
