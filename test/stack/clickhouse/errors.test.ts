import { ClickHouseError, extractErrorAtTheEndOfChunk, parseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import {
  ClickHouseServerError,
  formatErrorText,
  httpStatusForCode,
  streamExceptionBlock,
  toClickHouseError,
} from '../../../stack/clickhouse/errors.ts';

const VERSION = '26.7.2.1';

describe('toClickHouseError', () => {
  it('reads code and name from chDB messages, including doubly wrapped ones', () => {
    const unknownTable = toClickHouseError(
      new Error(
        "Code: 60. DB::Exception: Unknown table expression identifier 'nope' in scope SELECT * FROM nope. (UNKNOWN_TABLE)",
      ),
    );
    expect([unknownTable.code, unknownTable.type]).toEqual([60, 'UNKNOWN_TABLE']);

    const wrapped = toClickHouseError(
      new Error(
        "Code: 115. DB::Exception: Code: 115. DB::Exception: Unknown setting 'x'. (UNKNOWN_SETTING) (version 26.7.2.1). (UNKNOWN_SETTING)",
      ),
    );
    expect([wrapped.code, wrapped.type]).toEqual([115, 'UNKNOWN_SETTING']);
  });

  it('gives errors without a code the code of a plain exception', () => {
    const plain = toClickHouseError(new Error('socket hang up'));
    expect(plain.code).toBe(1001);
    expect(plain.type).toBe('STD_EXCEPTION');
    expect(toClickHouseError('text')).toBeInstanceOf(ClickHouseServerError);
  });
});

describe('formatErrorText', () => {
  it('is parsed by @clickhouse/client into the same code and type', () => {
    const engine = toClickHouseError(
      new Error('Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR)'),
    );
    const own = new ClickHouseServerError(456, 'Substitution `x` is not set');
    for (const error of [engine, own]) {
      const text = formatErrorText(error, VERSION);
      expect(text).toMatch(/\(version 26\.7\.2\.1\)$/);
      const parsed = parseError(text);
      expect(parsed).toBeInstanceOf(ClickHouseError);
      expect((parsed as ClickHouseError).code).toBe(String(error.code));
      expect((parsed as ClickHouseError).type).toBe(error.type);
    }
    expect(formatErrorText(own, VERSION)).toBe(
      'Code: 456. DB::Exception: Substitution `x` is not set. (UNKNOWN_QUERY_PARAMETER) (version 26.7.2.1)',
    );
  });

  it('does not add a second version', () => {
    const error = toClickHouseError(
      new Error('Code: 60. DB::Exception: gone. (UNKNOWN_TABLE) (version 1.2)'),
    );
    expect(formatErrorText(error, VERSION)).toBe(
      'Code: 60. DB::Exception: gone. (UNKNOWN_TABLE) (version 1.2)',
    );
  });
});

describe('httpStatusForCode', () => {
  it('chooses statuses as ClickHouse does', () => {
    expect(httpStatusForCode(60)).toBe(404);
    expect(httpStatusForCode(115)).toBe(404);
    expect(httpStatusForCode(62)).toBe(400);
    expect(httpStatusForCode(27)).toBe(400);
    expect(httpStatusForCode(194)).toBe(401);
    expect(httpStatusForCode(516)).toBe(403);
    expect(httpStatusForCode(159)).toBe(408);
    expect(httpStatusForCode(48)).toBe(501);
    expect(httpStatusForCode(395)).toBe(500);
    expect(httpStatusForCode(164)).toBe(500);
  });
});

describe('streamExceptionBlock', () => {
  it('is what @clickhouse/client extracts from the end of a streamed body', () => {
    const tag = 'abcdef0123456789';
    const text =
      "Code: 395. DB::Exception: Value passed to 'throwIf' is non-zero: ü\n(in row 7). (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)";
    const chunk = Buffer.from(`{"n":1}\n{"n":2}\n${streamExceptionBlock(text, tag)}`);
    const error = extractErrorAtTheEndOfChunk(chunk, tag);
    expect(error).toBeInstanceOf(ClickHouseError);
    expect(error).toMatchObject({ code: '395', type: 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO' });
  });
});
