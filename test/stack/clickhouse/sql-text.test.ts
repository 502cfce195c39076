import { describe, expect, it } from 'vitest';
import { contentTypeForFormat, isStreamableFormat } from '../../../stack/clickhouse/formats.ts';
import { chooseResponseCodec, summaryHeader } from '../../../stack/clickhouse/response.ts';
import { scanStatement } from '../../../stack/clickhouse/sql-scan.ts';
import {
  infileCompression,
  insertFromFile,
  quoteIdentifier,
  quoteString,
  setStatement,
} from '../../../stack/clickhouse/sql-text.ts';

describe('quoting', () => {
  it('escapes backslashes and quotes', () => {
    expect(quoteString("it's a \\ path")).toBe("'it\\'s a \\\\ path'");
    expect(quoteIdentifier('odd`name')).toBe('`odd\\`name`');
  });

  it('builds one SET for settings and parameters, keeping parameter text verbatim', () => {
    expect(
      setStatement(
        [['max_threads', '2']],
        [
          ['name', "O\\'Brien"],
          ['bad-name', 'skipped'],
        ],
      ),
    ).toBe("SET max_threads = '2', param_name = 'O\\\\\\'Brien'");
    expect(setStatement([], [])).toBeUndefined();
    expect(() => setStatement([['x = 1; DROP TABLE t; SET y', '1']])).toThrow();
  });
});

describe('insertFromFile', () => {
  const rewrite = (header: string, compression?: string): string => {
    const clause = scanStatement(header).insertData;
    if (clause === undefined) throw new Error('no clause');
    return insertFromFile(header, clause, "/tmp/x'y.data", compression);
  };

  it('reads the inline data from a file, before SETTINGS and FORMAT', () => {
    expect(rewrite('INSERT INTO t (a, b) FORMAT JSONEachRow')).toBe(
      "INSERT INTO t (a, b) FROM INFILE '/tmp/x\\'y.data' FORMAT JSONEachRow",
    );
    expect(rewrite('INSERT INTO db.t SETTINGS async_insert = 1 FORMAT CSV', 'gzip')).toBe(
      "INSERT INTO db.t FROM INFILE '/tmp/x\\'y.data' COMPRESSION 'gzip' SETTINGS async_insert = 1 FORMAT CSV",
    );
    expect(rewrite('INSERT INTO t VALUES')).toBe("INSERT INTO t FROM INFILE '/tmp/x\\'y.data' FORMAT Values");
  });

  it('reads input() of an INSERT ... SELECT through file(), keeping what follows', () => {
    expect(
      rewrite(
        "INSERT INTO t SELECT a.1, x FROM input('x Int64, a Array(Tuple(String))') ARRAY JOIN a WHERE x > 0 FORMAT Avro",
      ),
    ).toBe(
      "INSERT INTO t SELECT a.1, x FROM file('/tmp/x\\'y.data', 'Avro', 'x Int64, a Array(Tuple(String))') ARRAY JOIN a WHERE x > 0",
    );
    expect(rewrite("INSERT INTO t SELECT * FROM input('x Int64') FORMAT CSV", 'gzip')).toBe(
      "INSERT INTO t SELECT * FROM file('/tmp/x\\'y.data', 'CSV', 'x Int64', 'gzip')",
    );
    // A SELECT with no input() carries no data.
    expect(scanStatement('INSERT INTO t SELECT 1 FORMAT CSV').insertData).toBeUndefined();
  });

  it('maps HTTP content encodings to INFILE compressions', () => {
    expect(infileCompression('gzip')).toBe('gzip');
    expect(infileCompression('zstd')).toBe('zstd');
    expect(infileCompression('compress')).toBeUndefined();
  });
});

describe('formats and response headers', () => {
  it('streams only formats whose chunks concatenate into the whole result', () => {
    expect(isStreamableFormat('JSONEachRow')).toBe(true);
    expect(isStreamableFormat('tabseparated')).toBe(true);
    expect(isStreamableFormat('JSON')).toBe(false);
    expect(isStreamableFormat('CSVWithNames')).toBe(false);
    expect(isStreamableFormat('Parquet')).toBe(false);
  });

  it('names content types like ClickHouse', () => {
    expect(contentTypeForFormat('JSON')).toBe('application/json; charset=UTF-8');
    expect(contentTypeForFormat('CSVWithNames')).toBe('text/csv; charset=UTF-8; header=present');
    expect(contentTypeForFormat('Native')).toBe('application/octet-stream');
    expect(contentTypeForFormat('TabSeparated')).toBe('text/tab-separated-values; charset=UTF-8');
  });

  it('compresses only when enabled and accepted', () => {
    expect(chooseResponseCodec(false, { 'accept-encoding': 'gzip' })).toBeUndefined();
    expect(chooseResponseCodec(true, {})).toBeUndefined();
    expect(chooseResponseCodec(true, { 'accept-encoding': 'zstd, br;q=0.9' })).toBe('br');
  });

  it('writes every summary counter as a string', () => {
    expect(JSON.parse(summaryHeader({ writtenRows: 3, elapsedNs: 12n }))).toEqual({
      read_rows: '0',
      read_bytes: '0',
      written_rows: '3',
      written_bytes: '0',
      total_rows_to_read: '0',
      result_rows: '0',
      result_bytes: '0',
      elapsed_ns: '12',
    });
  });
});
