// Output formats: the name a client may spell them by, the Content-Type the server sends for each
// (IOutputFormat::getContentType and its overrides), and how the engine's streamed pieces join.
//
// The embedded engine streams a result as a series of pieces, one per block, and formats each
// piece as a complete document of its own (checked on chdb 3.4: a JSON piece has its own "meta"
// and "statistics", a Parquet piece is a whole file). So a result is streamed only in the formats
// where the pieces join into exactly the bytes of the one-shot answer:
// - `concat`: rows and nothing else (TabSeparated, CSV, JSONEachRow, RowBinary, Native, ...);
// - `header`: the same, after each later piece's repeated header is cut (the WithNames and
//   WithNamesAndTypes variants);
// - `separated`: pieces joined by a separator (Values: `(1),(2)` then `,` then `(3)`).
// Every other format (JSON, Parquet, Arrow, Pretty, XML, ...) is answered from the engine's one-shot
// result: held once, in the buffer the engine hands over, and bounded by max_result_bytes.

export type Joining =
  | { kind: 'concat' }
  | { kind: 'header'; header: HeaderShape }
  | { kind: 'separated'; separator: string }
  | { kind: 'whole' }

/** How a piece's header is laid out: text lines (CSV ones may quote newlines) or RowBinary strings. */
export type HeaderShape =
  { kind: 'lines'; lines: 1 | 2; csv: boolean } | { kind: 'rowbinary'; strings: 1 | 2 }

export interface OutputFormat {
  /** The name ClickHouse reports in X-ClickHouse-Format. */
  name: string
  contentType: string
  joining: Joining
}

const text = 'text/plain; charset=UTF-8'
const json = 'application/json; charset=UTF-8'
const tsv = 'text/tab-separated-values; charset=UTF-8'
const binary = 'application/octet-stream'
const csvAbsent = 'text/csv; charset=UTF-8; header=absent'
const csvPresent = 'text/csv; charset=UTF-8; header=present'

const concat: Joining = { kind: 'concat' }
const whole: Joining = { kind: 'whole' }
const lines = (n: 1 | 2, csv = false): Joining => ({
  kind: 'header',
  header: { kind: 'lines', lines: n, csv },
})

const table: [string, string, Joining, ...string[]][] = [
  ['TabSeparated', tsv, concat, 'TSV'],
  ['TabSeparatedRaw', tsv, concat, 'TSVRaw', 'Raw'],
  ['TabSeparatedWithNames', tsv, lines(1), 'TSVWithNames'],
  ['TabSeparatedWithNamesAndTypes', tsv, lines(2), 'TSVWithNamesAndTypes'],
  ['TabSeparatedRawWithNames', tsv, lines(1), 'TSVRawWithNames', 'RawWithNames'],
  [
    'TabSeparatedRawWithNamesAndTypes',
    tsv,
    lines(2),
    'TSVRawWithNamesAndTypes',
    'RawWithNamesAndTypes',
  ],
  ['CSV', csvAbsent, concat],
  ['CSVWithNames', csvPresent, lines(1, true)],
  ['CSVWithNamesAndTypes', csvPresent, lines(2, true)],
  ['JSONEachRow', json, concat, 'JSONLines', 'NDJSON'],
  ['JSONStringsEachRow', json, concat],
  ['JSONCompactEachRow', json, concat],
  ['JSONCompactStringsEachRow', json, concat],
  ['JSONCompactEachRowWithNames', json, lines(1)],
  ['JSONCompactEachRowWithNamesAndTypes', json, lines(2)],
  ['JSONCompactStringsEachRowWithNames', json, lines(1)],
  ['JSONCompactStringsEachRowWithNamesAndTypes', json, lines(2)],
  ['JSON', json, whole],
  ['JSONStrings', json, whole],
  ['JSONCompact', json, whole],
  ['JSONCompactStrings', json, whole],
  ['JSONColumns', json, whole],
  ['JSONColumnsWithMetadata', json, whole],
  ['JSONCompactColumns', json, whole],
  ['JSONObjectEachRow', json, whole],
  ['PrettyJSONEachRow', json, whole, 'PrettyJSONLines', 'PrettyNDJSON'],
  ['RowBinary', binary, concat],
  ['RowBinaryWithNames', binary, { kind: 'header', header: { kind: 'rowbinary', strings: 1 } }],
  [
    'RowBinaryWithNamesAndTypes',
    binary,
    { kind: 'header', header: { kind: 'rowbinary', strings: 2 } },
  ],
  ['Native', binary, concat],
  ['Parquet', binary, whole],
  ['Arrow', binary, whole],
  ['ArrowStream', binary, whole],
  ['ORC', binary, whole],
  ['Avro', binary, whole],
  ['MsgPack', binary, whole],
  ['BSONEachRow', binary, whole],
  ['Npy', binary, whole],
  ['RawBLOB', text, concat],
  ['LineAsString', text, concat],
  ['TSKV', tsv, concat],
  ['Values', text, { kind: 'separated', separator: ',' }],
  ['Null', text, concat],
  ['XML', 'application/xml; charset=UTF-8', whole],
  ['Markdown', 'text/markdown; charset=UTF-8', whole, 'MD'],
]

const byName = new Map<string, OutputFormat>()
for (const [name, contentType, joining, ...aliases] of table)
  for (const spelling of [name, ...aliases])
    byName.set(spelling.toLowerCase(), { name, contentType, joining })

/**
 * The format a client asked for. Names are case-insensitive, as in ClickHouse. A name this table
 * does not know (Pretty variants, Vertical, Template, ...) is passed to the engine as given and
 * answered whole, as plain text: the engine decides whether it exists.
 */
export function outputFormat(name: string): OutputFormat {
  return byName.get(name.toLowerCase()) ?? { name, contentType: text, joining: whole }
}

/** Reads an unsigned LEB128 integer (RowBinary's VarUInt); returns value and next offset. */
function varUInt(buf: Uint8Array, at: number): [number, number] {
  let value = 0
  let shift = 0
  let i = at
  for (;;) {
    const b = buf[i++]
    if (b === undefined) throw new Error('truncated header')
    value += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return [value, i]
    shift += 7
  }
}

/** Length in bytes of the header a piece of this shape starts with. */
export function headerLength(shape: HeaderShape, piece: Uint8Array): number {
  if (shape.kind === 'rowbinary') {
    const [columns, afterCount] = varUInt(piece, 0)
    let at = afterCount
    for (let k = 0; k < columns * shape.strings; k++) {
      const [len, afterLen] = varUInt(piece, at)
      at = afterLen + len
    }
    if (at > piece.length) throw new Error('truncated header')
    return at
  }
  let at = 0
  for (let line = 0; line < shape.lines; line++) {
    let quoted = false
    for (;;) {
      const b = piece[at++]
      if (b === undefined) throw new Error('truncated header')
      if (shape.csv && b === 0x22)
        quoted = !quoted // "" inside quotes toggles twice
      else if (b === 0x0a && !quoted) break
    }
  }
  return at
}
