// ClickHouse SQL text for names and values that are not the caller's SQL: one place for quoting.

/** A single-quoted string literal: only `\` and `'` can end one, so both are escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** A back-quoted identifier. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``
}

// The engine reads a query parameter's value in the TSV "Escaped" format (as a server reads
// `param_x` from a URL): a backslash starts an escape and `\N` is NULL. So a value is escaped for
// that format first, then quoted as a string literal.
const escapedFormat: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
}

/**
 * `SET param_a = '...', param_b = '...'`: binds `{a:Type}` and `{b:Type}` for the session's later
 * queries. The values stay data: the engine parses each as its placeholder's type, never as SQL.
 */
export function setQueryParams(values: Readonly<Record<string, string>>): string {
  const assignments = Object.entries(values).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad parameter name ${name}`)
    const escaped = value.replace(/[\\\t\n\r\0]/g, (c) => escapedFormat[c] ?? c)
    return `param_${name} = ${quoteString(escaped)}`
  })
  if (assignments.length === 0) throw new Error('no parameters to set')
  return `SET ${assignments.join(', ')}`
}
