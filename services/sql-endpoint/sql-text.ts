// What the endpoint needs to know about a query's text before the engine runs it, read with a
// small lexer that follows ClickHouse's own (src/Parsers/Lexer.cpp): comments, string literals,
// quoted identifiers and heredocs are single tokens, so nothing inside them is ever taken for SQL.
//
// - the statement kind, the output format named by a top-level `FORMAT` clause;
// - the refusals the engine does not make itself on a `readonly=1` session (checked on chdb 3.4,
//   ClickHouse 26.7; test/integration/sql-endpoint-guard.test.ts proves each): `SYSTEM START/STOP
//   MERGES`, `KILL QUERY`, `UNDROP`, `SET ROLE`, `INTO OUTFILE` (which writes a file on the
//   machine), the scalar `file()` function (which reads any file: clickhouse-local, which chdb
//   is, does not confine it to user_files), several statements in one request.
//
// Everything else goes to the engine, whose readonly=1 refuses INSERT, DDL, `SET` of any setting
// to another value, table functions that reach outside (file, url, s3, remote, mysql, executable,
// ...), and most SYSTEM commands with its own error text.
import { errors, type ClickHouseException } from './errors.ts'

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'comment' | 'space'

export interface Token {
  kind: TokenKind
  text: string
  start: number
}

const wordStart = /[A-Za-z_\u0080-\uffff]/
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/

/** Splits SQL into tokens; an unterminated string, identifier or comment is a syntax error. */
export function tokenize(sql: string): Token[] | ClickHouseException {
  const out: Token[] = []
  let i = 0
  const n = sql.length
  const push = (kind: TokenKind, end: number) => {
    out.push({ kind, text: sql.slice(i, end), start: i })
    i = end
  }
  while (i < n) {
    const c = sql[i] ?? ''
    const next = sql[i + 1] ?? ''
    if (/\s/.test(c)) {
      let j = i + 1
      while (j < n && /\s/.test(sql[j] ?? '')) j++
      push('space', j)
    } else if ((c === '-' && next === '-') || (c === '#' && (next === ' ' || next === '!'))) {
      const nl = sql.indexOf('\n', i)
      push('comment', nl < 0 ? n : nl)
    } else if (c === '/' && next === '*') {
      // Multiline comments nest in ClickHouse.
      let depth = 0
      let j = i
      while (j < n) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++
          j += 2
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--
          j += 2
          if (depth === 0) break
        } else j++
      }
      if (depth !== 0) return errors.unterminated('multiline comment', i)
      push('comment', j)
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      for (;;) {
        if (j >= n)
          return errors.unterminated(c === "'" ? 'string literal' : 'quoted identifier', i)
        const d = sql[j]
        if (d === '\\') j += 2
        else if (d === c) {
          if (sql[j + 1] === c)
            j += 2 // doubled quote
          else break
        } else j++
      }
      push(c === "'" ? 'string' : 'quoted', j + 1)
    } else if (c === '$' && /^\$[A-Za-z0-9_]*\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$[A-Za-z0-9_]*\$/.exec(sql.slice(i, i + 64))?.[0] ?? '$$'
      const end = sql.indexOf(tag, i + tag.length)
      if (end < 0) return errors.unterminated('heredoc', i)
      push('string', end + tag.length)
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next))) {
      let j = i + 1
      while (j < n) {
        const d = sql[j] ?? ''
        if (/[0-9A-Za-z_.]/.test(d)) j++
        else if ((d === '+' || d === '-') && /[eEpP]/.test(sql[j - 1] ?? '')) j++
        else break
      }
      push('number', j)
    } else if (wordStart.test(c)) {
      let j = i + 1
      while (j < n && wordPart.test(sql[j] ?? '')) j++
      push('word', j)
    } else push('punct', i + 1)
  }
  return out
}

/** A quoted identifier's name without its quotes and escapes. */
function unquote(t: Token): string {
  return t.text
    .slice(1, -1)
    .replace(/\\(.)/g, '$1')
    .replace(/``|""/g, (m) => m[0] ?? '')
}

const nameOf = (t: Token): string => (t.kind === 'quoted' ? unquote(t) : t.text)

/** Statements handed to the engine: reads, and the writes its readonly=1 refuses by itself. */
const engineStatements = new Set([
  'SELECT',
  'WITH',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXPLAIN',
  'EXISTS',
  'CHECK',
  'SET',
  'USE',
  // Writes: the engine refuses each on a readonly=1 session, with its own error (tests prove it).
  'INSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'DELETE',
  'UPDATE',
  'OPTIMIZE',
  'RENAME',
  'ATTACH',
  'DETACH',
  'EXCHANGE',
  'GRANT',
  'REVOKE',
])

/** Statements the endpoint refuses itself: the engine lets some of each through on readonly=1. */
const refusedStatements = new Set([
  'SYSTEM',
  'KILL',
  'UNDROP',
  'BACKUP',
  'RESTORE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'MOVE',
  'WATCH',
])

/** Functions that reach outside the database; the engine allows the first on a read-only session. */
const deniedFunctions = new Map([
  ['file', 'reads files of the machine running hookhouse'],
  ['catboostevaluate', 'loads a model from a file of the machine running hookhouse'],
  ['cluster', 'connects to other servers'],
  ['clusterallreplicas', 'connects to other servers'],
])

export interface QueryText {
  /** The first keyword, upper case (`SELECT`, `SHOW`, ...), or `(` for a parenthesised query. */
  statement: string
  /** The format named by the query's own top-level `FORMAT` clause, if any. */
  format: string | undefined
}

/**
 * Reads a query's text: what kind of statement it is and which format it names, or the
 * ClickHouse error it is refused with before it reaches the engine. `user` names who asked, as
 * the engine's own readonly errors do.
 */
export function readQueryText(sql: string, user: string): QueryText | ClickHouseException {
  const all = tokenize(sql)
  if (!Array.isArray(all)) return all
  const tokens = all.filter((t) => t.kind !== 'space' && t.kind !== 'comment')
  const first = tokens[0]
  if (!first) return errors.emptyQuery()

  // One statement per request, as the server's HTTP interface: a trailing `;` is fine.
  let depth = 0
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token
    if (t.kind !== 'punct') continue
    if (t.text === '(' || t.text === '[') depth++
    else if (t.text === ')' || t.text === ']') depth = Math.max(0, depth - 1)
    else if (t.text === ';' && k < tokens.length - 1) {
      const rest = tokens.slice(k + 1)
      if (rest.some((r) => r.text !== ';')) return errors.multiStatements(t.start)
    }
  }

  const statement = first.kind === 'punct' ? first.text : first.text.toUpperCase()
  if (refusedStatements.has(statement)) return errors.readonlyStatement(user, statement)
  if (statement !== '(' && !engineStatements.has(statement))
    return errors.unknownStatement(first.text, first.start)
  const second = tokens[1]?.text.toUpperCase()
  if (statement === 'SET' && (second === 'ROLE' || second === 'DEFAULT'))
    return errors.readonlyStatement(user, `SET ${second}`)

  let format: string | undefined
  depth = 0
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token
    const next = tokens[k + 1]
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[') depth++
      else if (t.text === ')' || t.text === ']') depth = Math.max(0, depth - 1)
      continue
    }
    if (t.kind !== 'word' && t.kind !== 'quoted') continue
    const upper = t.kind === 'word' ? t.text.toUpperCase() : ''
    if (upper === 'INTO' && next?.kind === 'word' && next.text.toUpperCase() === 'OUTFILE')
      return errors.intoOutfile()
    if (next?.kind === 'punct' && next.text === '(') {
      const why = deniedFunctions.get(nameOf(t).toLowerCase())
      if (why) return errors.readonlyFunction(user, nameOf(t), why)
    }
    // `FORMAT name` at the top level, followed by nothing, `;` or `SETTINGS ...`.
    if (upper === 'FORMAT' && depth === 0 && (next?.kind === 'word' || next?.kind === 'quoted')) {
      const after = tokens[k + 2]
      if (
        after === undefined ||
        after.text === ';' ||
        (after.kind === 'word' && after.text.toUpperCase() === 'SETTINGS')
      )
        format = nameOf(next)
    }
  }
  return { statement, format }
}
