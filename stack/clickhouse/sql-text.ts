/** Building the few SQL statements this server sends on behalf of a request, with safe quoting. */

/** A ClickHouse string literal holding `value` exactly. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A back-quoted ClickHouse identifier. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** Names that may appear unquoted in `SET name = ...` (settings; custom settings may contain dots). */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name);
}

/**
 * `SET a = 'x', param_p = '...'`: settings and query parameters, every value a string literal. The engine
 * converts a setting's string to the setting's type, and parses a parameter's text in the escaped format
 * against the type the query declares, exactly as it does for the HTTP server's URL parameters.
 */
export function setStatement(
  settings: Iterable<readonly [string, string]>,
  parameters: Iterable<readonly [string, string]> = [],
): string | undefined {
  const assignments: string[] = [];
  for (const [name, value] of settings) {
    if (!isPlainName(name)) throw new Error(`not a setting name: ${JSON.stringify(name)}`);
    assignments.push(`${name} = ${quoteString(value)}`);
  }
  for (const [name, value] of parameters) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue; // no query could use it
    assignments.push(`param_${name} = ${quoteString(value)}`);
  }
  return assignments.length === 0 ? undefined : `SET ${assignments.join(', ')}`;
}

/** COMPRESSION names of `INSERT ... FROM INFILE` for HTTP Content-Encoding tokens. */
const INFILE_COMPRESSION: Readonly<Record<string, string>> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
  xz: 'xz',
  zstd: 'zstd',
  lz4: 'lz4',
  bz2: 'bz2',
  snappy: 'snappy',
};

/** The INFILE compression for a Content-Encoding, undefined if ClickHouse does not know it. */
export function infileCompression(contentEncoding: string): string | undefined {
  return INFILE_COMPRESSION[contentEncoding];
}

/**
 * Rewrites an INSERT header whose data came inline (`INSERT INTO t (a, b) SETTINGS ... FORMAT X`) into
 * one that reads the data from a file: `INSERT INTO t (a, b) FROM INFILE '<path>' [COMPRESSION 'c']
 * SETTINGS ... FORMAT X`. `VALUES` becomes `FORMAT Values`.
 */
export function insertFromFile(
  header: string,
  clause: {
    markerStart: number;
    markerEnd: number;
    settingsStart: number | undefined;
    viaValues: boolean;
    format?: string;
    inputCall?: { start: number; argumentsStart: number } | undefined;
  },
  path: string,
  compression: string | undefined,
): string {
  if (clause.inputCall !== undefined) {
    // INSERT ... SELECT ... FROM input('structure') ... FORMAT X: chDB reads the file through file().
    const { start, argumentsStart } = clause.inputCall;
    const format = header.slice(clause.markerStart, clause.markerEnd).replace(/^FORMAT\s+/i, '');
    const rest = header.slice(argumentsStart, clause.markerStart).trimEnd();
    const compressed = compression === undefined ? '' : `, ${quoteString(compression)}`;
    // file(path, format, structure[, compression]): the structure argument is input()'s only one.
    const close = compressed === '' ? rest : insertBeforeClosingParen(rest, compressed);
    return `${header.slice(0, start)}file(${quoteString(path)}, ${quoteString(format)}, ${close}`;
  }
  const cut = clause.settingsStart ?? clause.markerStart;
  const from = ` FROM INFILE ${quoteString(path)}${compression === undefined ? '' : ` COMPRESSION ${quoteString(compression)}`} `;
  const marker = clause.viaValues ? 'FORMAT Values' : header.slice(clause.markerStart, clause.markerEnd);
  return `${header.slice(0, cut).trimEnd()}${from}${header.slice(cut, clause.markerStart)}${marker}`;
}

/** Puts `text` before the `)` that closes the argument list starting at the beginning of `rest`. */
function insertBeforeClosingParen(rest: string, text: string): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote !== undefined) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') {
      if (depth === 0) return `${rest.slice(0, i)}${text}${rest.slice(i)}`;
      depth -= 1;
    }
  }
  return rest;
}
