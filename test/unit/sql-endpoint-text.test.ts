// The endpoint's reading of a query's text: what it refuses before the engine (the gaps of the
// engine's readonly=1), what it leaves to the engine, and the format a query names.
import { describe, expect, it } from 'vitest'
import { ClickHouseException, codes } from '../../services/sql-endpoint/errors.ts'
import { readQueryText, tokenize } from '../../services/sql-endpoint/sql-text.ts'

const read = (sql: string) => readQueryText(sql, 'default')

function refusal(sql: string): ClickHouseException {
  const r = read(sql)
  if (!(r instanceof ClickHouseException)) throw new Error(`not refused: ${sql}`)
  return r
}

describe('tokenize', () => {
  it('keeps strings, quoted identifiers, comments and heredocs whole', () => {
    const kinds = (sql: string) => {
      const t = tokenize(sql)
      if (!Array.isArray(t)) throw t
      return t.filter((x) => x.kind !== 'space').map((x) => `${x.kind}:${x.text}`)
    }
    expect(kinds("SELECT 'it''s \\' (', `a``b`, \"c\"")).toEqual([
      'word:SELECT',
      "string:'it''s \\' ('",
      'punct:,',
      'quoted:`a``b`',
      'punct:,',
      'quoted:"c"',
    ])
    expect(kinds('/* a /* nested */ b */ 1 -- x\n# y\n$tag$ $$ ; $tag$')).toEqual([
      'comment:/* a /* nested */ b */',
      'number:1',
      'comment:-- x',
      'comment:# y',
      'string:$tag$ $$ ; $tag$',
    ])
  })

  it('makes an unterminated string or comment a syntax error', () => {
    for (const sql of ["SELECT 'abc", 'SELECT `a', 'SELECT /* x', 'SELECT $$ x'])
      expect(refusal(sql).code).toBe(codes.SYNTAX_ERROR)
  })
})

describe('readQueryText', () => {
  it('names the statement and the format of a top-level FORMAT clause', () => {
    expect(read('SELECT 1')).toEqual({ statement: 'SELECT', format: undefined })
    expect(read('select 1 format JSONEachRow')).toEqual({
      statement: 'SELECT',
      format: 'JSONEachRow',
    })
    expect(read('SELECT 1 FORMAT CSV SETTINGS max_threads = 1;')).toEqual({
      statement: 'SELECT',
      format: 'CSV',
    })
    expect(read('(SELECT 1) FORMAT `TSV`')).toEqual({ statement: '(', format: 'TSV' })
    expect(read('WITH 1 AS x SELECT x')).toMatchObject({ statement: 'WITH' })
    // Not a FORMAT clause: the format() table function, a column alias, a subquery's text.
    expect(read("SELECT * FROM format(CSV, '1')")).toMatchObject({ format: undefined })
    expect(read('SELECT 1 AS format')).toMatchObject({ format: undefined })
    expect(read("SELECT 'FORMAT JSON'")).toMatchObject({ format: undefined })
  })

  it('leaves writes to the engine, whose readonly=1 refuses them', () => {
    for (const sql of [
      'INSERT INTO t VALUES (1)',
      'DROP TABLE t',
      'ALTER TABLE t DELETE WHERE 1',
      'SET readonly = 0',
    ])
      expect(read(sql)).not.toBeInstanceOf(ClickHouseException)
  })

  it('refuses what the engine lets through on a readonly=1 session', () => {
    for (const sql of [
      'SYSTEM STOP MERGES',
      'kill query where 1',
      'UNDROP TABLE t',
      'BACKUP TABLE t TO Disk(x)',
      'SET ROLE NONE',
    ]) {
      const e = refusal(sql)
      expect(e.code).toBe(codes.READONLY)
      expect(e.toText()).toMatch(
        /^Code: 164\. DB::Exception: default: Cannot execute query in readonly mode: .* is not allowed on this endpoint\. \(READONLY\)$/,
      )
    }
    expect(refusal("SELECT 1 INTO OUTFILE '/tmp/x'").code).toBe(codes.INTO_OUTFILE_NOT_ALLOWED)
    expect(refusal("SELECT file('/etc/passwd')").code).toBe(codes.READONLY)
    expect(refusal("SELECT `file` ('/etc/passwd')").code).toBe(codes.READONLY)
    expect(refusal("SELECT length(FILE /* */ ('/etc/passwd'))").code).toBe(codes.READONLY)
    expect(refusal("SELECT * FROM cluster('c', system.one)").code).toBe(codes.READONLY)
  })

  it('does not take the word file in a string, a comment or a name for a call', () => {
    expect(read("SELECT 'file(1)', file_path AS file -- file('/etc/passwd')")).toMatchObject({
      statement: 'SELECT',
    })
  })

  it('allows one statement, with a trailing semicolon', () => {
    expect(read('SELECT 1;')).toMatchObject({ statement: 'SELECT' })
    expect(read('SELECT 1 ; ;')).toMatchObject({ statement: 'SELECT' })
    const e = refusal('SELECT 1; SELECT 2')
    expect(e.code).toBe(codes.SYNTAX_ERROR)
    expect(e.message).toMatch(/Multi-statements are not allowed/)
  })

  it('answers an empty query and an unknown statement with a syntax error', () => {
    expect(refusal('  -- nothing\n').message).toBe('Empty query')
    expect(refusal('SELEC 1').code).toBe(codes.SYNTAX_ERROR)
  })
})
