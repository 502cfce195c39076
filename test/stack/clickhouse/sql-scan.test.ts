import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inlineDataStart, scanStatement, tokenize } from '../../../stack/clickhouse/sql-scan.ts';

describe('scanStatement: kind, FORMAT, parameters', () => {
  it('reads the kind past comments and whitespace', () => {
    expect(scanStatement('  -- hi\n /* a /* nested */ b */ select 1').kind).toBe('SELECT');
    expect(scanStatement('# comment\nSHOW TABLES').kind).toBe('SHOW');
    expect(scanStatement('(SELECT 1) UNION ALL (SELECT 2)').kind).toBe('(');
    expect(scanStatement('  ').kind).toBe('');
  });

  it('finds the trailing FORMAT clause the way @clickhouse/client appends it', () => {
    expect(scanStatement('SELECT * FROM t WHERE a = 1 \nFORMAT JSONEachRow').outputFormat).toBe(
      'JSONEachRow',
    );
    expect(scanStatement('SELECT 1 FORMAT JSON SETTINGS max_threads = 1').outputFormat).toBe('JSON');
    expect(scanStatement('SELECT 1 FORMAT `CSV`;').outputFormat).toBe('CSV');
    expect(scanStatement('SELECT 1 SETTINGS max_threads = 1 FORMAT TSV').outputFormat).toBe('TSV');
  });

  it('does not take a column, a string or a subquery for the FORMAT clause', () => {
    expect(scanStatement('SELECT format FROM t').outputFormat).toBeUndefined();
    expect(scanStatement("SELECT 'FORMAT JSON' AS x").outputFormat).toBeUndefined();
    expect(scanStatement('SELECT * FROM (SELECT 1 FORMAT JSON)').outputFormat).toBeUndefined();
    expect(scanStatement("SELECT * FROM file('x.csv', 'CSV')").outputFormat).toBeUndefined();
  });

  it('lists {name:Type} parameters but not map literals or strings', () => {
    const info = scanStatement(
      "SELECT {a:UInt32}, {b: Array(String)}, {'k':1}, '{c:String}', {a:UInt32} FROM t WHERE x IN {list:Array(UInt8)}",
    );
    expect(info.parameterNames).toEqual(['a', 'b', 'list']);
  });

  it('detects several statements, but not a trailing semicolon', () => {
    expect(scanStatement('SELECT 1;').multipleStatements).toBe(false);
    expect(scanStatement('SELECT 1; -- done').multipleStatements).toBe(false);
    expect(scanStatement('SELECT 1; SELECT 2').multipleStatements).toBe(true);
    expect(scanStatement("SELECT ';' ; ").multipleStatements).toBe(false);
  });

  it('notices temporary tables', () => {
    expect(scanStatement('CREATE TEMPORARY TABLE x (a UInt8)').mentionsTemporary).toBe(true);
    expect(scanStatement("SELECT 'TEMPORARY'").mentionsTemporary).toBe(false);
  });
});

describe('scanStatement: INSERT inline data', () => {
  it('finds FORMAT X and where the data starts', () => {
    const text = 'INSERT INTO db.events (id, name) FORMAT JSONEachRow\n{"id":1}\n';
    const clause = scanStatement(text).insertData;
    expect(clause?.format).toBe('JSONEachRow');
    expect(text.slice(clause?.markerStart, clause?.markerEnd)).toBe('FORMAT JSONEachRow');
    expect(text.slice(clause?.dataStart)).toBe('{"id":1}\n');
    expect(clause?.viaValues).toBe(false);
    expect(clause?.settingsStart).toBeUndefined();
  });

  it('handles VALUES, SETTINGS, quoted names, EXCEPT columns and table functions', () => {
    const values = scanStatement("insert into t values (1, 'a'), (2, 'b')");
    expect(values.insertData?.format).toBe('Values');
    expect(values.insertData?.viaValues).toBe(true);

    const text = "INSERT INTO `my table` SETTINGS format_csv_delimiter = ';' FORMAT CSV\n1;2\n";
    const settings = scanStatement(text).insertData;
    expect(text.slice(settings?.settingsStart, settings?.markerStart)).toBe(
      "SETTINGS format_csv_delimiter = ';' ",
    );

    expect(scanStatement('INSERT INTO t (* EXCEPT (a, b)) FORMAT TSV\n').insertData?.format).toBe('TSV');
    expect(
      scanStatement("INSERT INTO FUNCTION file('x.tsv', 'TSV') FORMAT TSV\n1\n").insertData?.format,
    ).toBe('TSV');
    expect(scanStatement('INSERT INTO format FORMAT CSV\n').insertData?.format).toBe('CSV');
  });

  it('leaves INSERT ... SELECT and FROM INFILE alone', () => {
    expect(scanStatement('INSERT INTO t SELECT * FROM s').insertData).toBeUndefined();
    expect(scanStatement('INSERT INTO t (a) WITH 1 AS x SELECT x').insertData).toBeUndefined();
    expect(scanStatement("INSERT INTO t FROM INFILE 'data.csv' FORMAT CSV").insertData).toBeUndefined();
  });

  it('does not look into the data: semicolons and FORMAT words there are data', () => {
    const info = scanStatement('INSERT INTO t FORMAT CSV\n1,"a;b"\n2,"FORMAT JSON"; SELECT 1\n');
    expect(info.multipleStatements).toBe(false);
    expect(info.insertData?.format).toBe('CSV');
  });

  it('says when the header may go on beyond the text scanned so far', () => {
    expect(scanStatement('INSERT INTO t FORMAT JSONEach', { complete: false }).insertHeaderIncomplete).toBe(
      true,
    );
    expect(scanStatement('INSERT INTO t (a, b', { complete: false }).insertHeaderIncomplete).toBe(true);
    expect(scanStatement('INSERT INTO t FORMAT CSV\n', { complete: false }).insertData?.format).toBe('CSV');
    expect(scanStatement('INSERT INTO t SELECT 1', { complete: false }).insertHeaderIncomplete).toBe(false);
  });

  it('skips spaces and one newline before the data', () => {
    expect(inlineDataStart('X  \n\nabc', 1)).toBe(4);
    expect(inlineDataStart('X   abc', 1)).toBe(4);
    expect(inlineDataStart('X', 1)).toBe(1);
  });
});

describe('tokenize', () => {
  it('keeps literals, quoted names and heredocs whole', () => {
    const text = "SELECT 'it''s \\' -- no', `a``b`, \"c\", $$ raw ' $$, 1.5e3";
    const kinds = [...tokenize(text)].map((token) => [token.kind, text.slice(token.start, token.end)]);
    expect(kinds).toEqual([
      ['word', 'SELECT'],
      ['string', "'it''s \\' -- no'"],
      ['punct', ','],
      ['quoted', '`a``b`'],
      ['punct', ','],
      ['quoted', '"c"'],
      ['punct', ','],
      ['string', "$$ raw ' $$"],
      ['punct', ','],
      ['number', '1.5e3'],
    ]);
  });

  it('never fails and yields ordered, non-overlapping tokens for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        let previousEnd = 0;
        for (const token of tokenize(text)) {
          expect(token.start).toBeGreaterThanOrEqual(previousEnd);
          expect(token.end).toBeGreaterThan(token.start);
          expect(token.end).toBeLessThanOrEqual(text.length);
          previousEnd = token.end;
        }
        scanStatement(text);
        scanStatement(text, { complete: false });
      }),
      { seed: 20261124, numRuns: 500 },
    );
  });
});
