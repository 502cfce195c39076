/**
 * The expander against the ClickHouse plugin's documented macro expansions (its README table and
 * its backend's macro functions) and Grafana's variable interpolation with the plugin's format.
 */
import { describe, expect, it } from 'vitest';
import {
  applyConditionalAll,
  expandClickHouseQuery,
  formatInterval,
  grafanaIntervalMs,
  interpolateVariables,
  type VariableSelection,
} from '../../../dashboards/shared/expand.ts';

// The plugin README's example range: 2014-11-12T11:45:26.123Z to 2015-11-12T11:45:26.456Z.
const range = { fromMs: 1_415_792_726_123, toMs: 1_447_328_726_456 };
const expand = (
  sql: string,
  variables: Record<string, VariableSelection> = {},
  intervalMs = 20_000,
): string => expandClickHouseQuery(sql, { range, intervalMs, variables });

describe('ClickHouse plugin macros', () => {
  it('expands the time filters to whole seconds, milliseconds and dates', () => {
    expect(expand('WHERE $__timeFilter(ts)')).toBe(
      'WHERE ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)',
    );
    expect(expand('WHERE $__timeFilter_ms(ts)')).toBe(
      'WHERE ts >= fromUnixTimestamp64Milli(1415792726123) AND ts <= fromUnixTimestamp64Milli(1447328726456)',
    );
    expect(expand('WHERE $__dateFilter(d)')).toBe(
      "WHERE d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')",
    );
    const dateTime =
      "(d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')) AND (t >= toDateTime(1415792726) AND t <= toDateTime(1447328726))";
    expect(expand('$__dateTimeFilter(d, t)')).toBe(dateTime);
    expect(expand('$__dt(d,t)')).toBe(dateTime);
  });

  it('expands the range ends', () => {
    expect(expand('$__fromTime $__toTime')).toBe('toDateTime(1415792726) toDateTime(1447328726)');
    expect(expand('$__fromTime_ms, $__toTime_ms')).toBe(
      'fromUnixTimestamp64Milli(1415792726123), fromUnixTimestamp64Milli(1447328726456)',
    );
  });

  it('expands the intervals from the panel interval, at least 1 s or 1 ms', () => {
    expect(expand('$__timeInterval(ts)')).toBe('toStartOfInterval(toDateTime(ts), INTERVAL 20 second)');
    expect(expand('$__timeInterval_ms(ts)')).toBe(
      'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 20000 millisecond)',
    );
    expect(expand('$__interval_s')).toBe('20');
    expect(expand('$__interval_s', {}, 200)).toBe('1');
    expect(expand('$__timeInterval(ts)', {}, 1_500)).toBe(
      'toStartOfInterval(toDateTime(ts), INTERVAL 1 second)',
    );
    expect(expand('$__timeInterval_ms(ts)', {}, 200)).toBe(
      'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 200 millisecond)',
    );
  });

  it('does not confuse macros that share a prefix, and keeps the text around them', () => {
    expect(expand('a $__timeFilter_ms(x) b $__timeFilter(y) c')).toBe(
      'a x >= fromUnixTimestamp64Milli(1415792726123) AND x <= fromUnixTimestamp64Milli(1447328726456) b ' +
        'y >= toDateTime(1415792726) AND y <= toDateTime(1447328726) c',
    );
  });

  it('rejects wrong argument counts and unknown macros instead of sending them on', () => {
    expect(() => expand('$__timeFilter(a, b)')).toThrow(/expects 1 argument/);
    expect(() => expand('$__dateTimeFilter(a)')).toThrow(/expects 2 argument/);
    expect(() => expand('$__timeFilterr(a)')).toThrow(/unknown macro/);
  });
});

describe('template variables with the plugin format', () => {
  const selections: Record<string, VariableSelection> = {
    session: { kind: 'value', value: 'm100-final' },
    athlete: { kind: 'values', values: ['a1', 'a2'] },
    one: { kind: 'values', values: ['a1'] },
    everyone: { kind: 'all', options: ['a1', 'a2', 'a3'] },
    custom: { kind: 'all', options: ['a1'], allValue: '.*' },
  };
  const interpolate = (sql: string): string => interpolateVariables(sql, selections, range, 20_000);

  it('inserts a single value raw and a multi-value selection quoted and joined', () => {
    expect(interpolate("s = '${session}' AND a IN ($athlete)")).toBe("s = 'm100-final' AND a IN ('a1','a2')");
    expect(interpolate('a IN ([[one]])')).toBe("a IN ('a1')");
  });

  it('turns All into every option, or the custom all value untouched', () => {
    expect(interpolate('a IN (${everyone})')).toBe("a IN ('a1','a2','a3')");
    expect(interpolate("a =~ '$custom'")).toBe("a =~ '.*'");
  });

  it('applies explicit formats', () => {
    const tricky: Record<string, VariableSelection> = { v: { kind: 'values', values: ["O'Neil", 'b'] } };
    const with_ = (sql: string): string => interpolateVariables(sql, tricky, range, 20_000);
    expect(with_('${v:sqlstring}')).toBe("'O''Neil','b'");
    expect(with_('${v:singlequote}')).toBe("'O\\'Neil','b'");
    expect(with_('${v:csv}')).toBe("O'Neil,b");
    expect(with_('${v:pipe}')).toBe("O'Neil|b");
    expect(with_('${v:doublequote}')).toBe('"O\'Neil","b"');
  });

  it("replaces Grafana's built-ins and leaves the plugin's macros for the backend", () => {
    expect(interpolate('$__from $__to $__interval $__interval_ms $__timeFilter(t) $__interval_s')).toBe(
      '1415792726123 1447328726456 20s 20000 $__timeFilter(t) $__interval_s',
    );
  });

  it('refuses a variable the dashboard does not have', () => {
    expect(() => interpolate('x = $nope')).toThrow(/not a variable/);
  });
});

describe('$__conditionalAll', () => {
  const variables: Record<string, VariableSelection> = {
    all: { kind: 'all', options: ['a', 'b'] },
    some: { kind: 'values', values: ['a'] },
    empty: { kind: 'value', value: '' },
  };

  it('becomes 1=1 when All or nothing is selected, else the condition as written', () => {
    expect(applyConditionalAll('WHERE $__conditionalAll(x IN ($all), $all)', variables)).toBe('WHERE 1=1');
    expect(applyConditionalAll('WHERE $__conditionalAll(x IN (${some}), ${some})', variables)).toBe(
      'WHERE x IN (${some})',
    );
    expect(applyConditionalAll('WHERE $__conditionalAll(x = 1, $empty)', variables)).toBe('WHERE 1=1');
  });

  it('handles several, with nested parentheses, before the variables are interpolated', () => {
    const sql = 'WHERE $__conditionalAll(f(x) IN (g($some)), $some) AND $__conditionalAll(y IN ($all), $all)';
    expect(expand(sql, variables)).toBe("WHERE f(x) IN (g('a')) AND 1=1");
  });

  it('rejects a call without two arguments', () => {
    expect(() => applyConditionalAll('$__conditionalAll(x)', variables)).toThrow(/needs 2 arguments/);
  });
});

describe("Grafana's panel interval", () => {
  it('divides the range by the resolution and rounds to a readable interval', () => {
    const minutes = (m: number): { fromMs: number; toMs: number } => ({ fromMs: 0, toMs: m * 60_000 });
    expect(grafanaIntervalMs(minutes(15), 1000)).toBe(1_000); // 900 ms raw
    expect(grafanaIntervalMs(minutes(5), 1000)).toBe(200); // 300 ms raw
    expect(grafanaIntervalMs(minutes(60), 1000)).toBe(5_000); // 3.6 s raw
    expect(grafanaIntervalMs(minutes(24 * 60), 1000)).toBe(60_000); // 86.4 s raw
    expect(grafanaIntervalMs(minutes(5), 1000, 1_000)).toBe(1_000); // the panel's minimum wins
  });

  it('prints $__interval in its largest whole unit', () => {
    expect(formatInterval(200)).toBe('200ms');
    expect(formatInterval(20_000)).toBe('20s');
    expect(formatInterval(90_000)).toBe('1m');
    expect(formatInterval(7_200_000)).toBe('2h');
    expect(formatInterval(86_400_000)).toBe('1d');
  });
});
