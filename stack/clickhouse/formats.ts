/**
 * Output formats as the HTTP layer sees them: the Content-Type ClickHouse sends for each, and which of
 * them may be streamed chunk by chunk from chDB. chDB formats every streamed chunk as a complete output
 * of its own, so only formats without a header, footer or row separator concatenate into exactly what
 * the whole result would be (measured: JSON, *WithNames, Parquet, Arrow, Values, Pretty do not).
 */

/** ClickHouse's default output format on the HTTP interface. */
export const DEFAULT_HTTP_FORMAT = 'TabSeparated';

const STREAMABLE_FORMATS: ReadonlySet<string> = new Set(
  [
    'TabSeparated',
    'TSV',
    'TabSeparatedRaw',
    'TSVRaw',
    'Raw',
    'CSV',
    'JSONEachRow',
    'JSONLines',
    'NDJSON',
    'JSONStringsEachRow',
    'JSONCompactEachRow',
    'JSONCompactStringsEachRow',
    'RowBinary',
    'Native',
    'LineAsString',
    'TSKV',
  ].map((name) => name.toLowerCase()),
);

/** True when the chunks of a streamed result in `format` add up to the whole result. */
export function isStreamableFormat(format: string): boolean {
  return STREAMABLE_FORMATS.has(format.toLowerCase());
}

const BINARY_FORMAT_PREFIXES = [
  'native',
  'rowbinary',
  'parquet',
  'arrow',
  'orc',
  'avro',
  'protobuf',
  'capnproto',
  'msgpack',
  'bsoneachrow',
  'npy',
];

/** The Content-Type ClickHouse answers with for an output format. */
export function contentTypeForFormat(format: string): string {
  const name = format.toLowerCase();
  if (BINARY_FORMAT_PREFIXES.some((prefix) => name.startsWith(prefix))) return 'application/octet-stream';
  if (name.startsWith('csv')) {
    return `text/csv; charset=UTF-8; header=${name.includes('withnames') ? 'present' : 'absent'}`;
  }
  if (name.startsWith('tabseparated') || name.startsWith('tsv'))
    return 'text/tab-separated-values; charset=UTF-8';
  if (name.startsWith('json') || name === 'ndjson') {
    return name.includes('eachrow') || name === 'jsonlines' || name === 'ndjson'
      ? 'application/x-ndjson; charset=UTF-8'
      : 'application/json; charset=UTF-8';
  }
  if (name === 'xml') return 'application/xml; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}
