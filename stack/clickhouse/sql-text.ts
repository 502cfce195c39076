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
  clause: { markerStart: number; markerEnd: number; settingsStart: number | undefined; viaValues: boolean },
  path: string,
  compression: string | undefined,
): string {
  const cut = clause.settingsStart ?? clause.markerStart;
  const from = ` FROM INFILE ${quoteString(path)}${compression === undefined ? '' : ` COMPRESSION ${quoteString(compression)}`} `;
  const marker = clause.viaValues ? 'FORMAT Values' : header.slice(clause.markerStart, clause.markerEnd);
  return `${header.slice(0, cut).trimEnd()}${from}${header.slice(cut, clause.markerStart)}${marker}`;
}
