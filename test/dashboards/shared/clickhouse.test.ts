/** The ClickHouse target and variable builders, and the variable helpers as the plugin expands them. */
import { describe, expect, it } from 'vitest';
import {
  clickhouseQuery,
  clickhouseVariable,
  inSelection,
  sqlString,
} from '../../../dashboards/shared/clickhouse.ts';
import { CLICKHOUSE } from '../../../dashboards/shared/datasources.ts';
import { expandClickHouseQuery } from '../../../dashboards/shared/expand.ts';

const range = { fromMs: 0, toMs: 3_600_000 };

describe('ClickHouse builders', () => {
  it('build a SQL-editor target in the plugin model, with the panel columns', () => {
    const target = clickhouseQuery({
      sql: '\n SELECT 1 AS x \n',
      columns: ['x'],
      queryType: 'timeseries',
    }).build();
    expect(JSON.parse(JSON.stringify(target))).toEqual({
      refId: 'A',
      datasource: CLICKHOUSE,
      editorType: 'sql',
      queryType: 'timeseries',
      format: 0,
      rawSql: 'SELECT 1 AS x',
      expectedColumns: ['x'],
    });
    expect(clickhouseQuery({ sql: 'SELECT 1', columns: ['1'] }).build().format).toBe(1);
  });

  it('build variables refreshed with the time range, All only for multi-value ones', () => {
    const single = clickhouseVariable({ name: 's', label: 'S', sql: 'SELECT 1' }).build();
    const multi = clickhouseVariable({ name: 'm', label: 'M', sql: 'SELECT 1', multi: true }).build();
    expect(single).toMatchObject({
      name: 's',
      multi: false,
      includeAll: false,
      refresh: 2,
      datasource: CLICKHOUSE,
    });
    expect(multi).toMatchObject({ name: 'm', multi: true, includeAll: true });
  });

  it('quote and escape values, and drop the filter at All', () => {
    const sql = `WHERE s = ${sqlString('s')} AND ${inSelection('a', 'm')}`;
    const expand = (m: Parameters<typeof expandClickHouseQuery>[1]['variables']): string =>
      expandClickHouseQuery(sql, { range, variables: m });
    expect(expand({ s: { kind: 'value', value: "it's" }, m: { kind: 'values', values: ["o'b", 'c'] } })).toBe(
      "WHERE s = 'it''s' AND a IN ('o''b','c')",
    );
    expect(expand({ s: { kind: 'value', value: 'x' }, m: { kind: 'all', options: ['b', 'c'] } })).toBe(
      "WHERE s = 'x' AND 1=1",
    );
  });
});
