/**
 * ClickHouse targets and template variables for the grafana-clickhouse-datasource plugin (SQL editor
 * mode). The foundation SDK has no builder for this plugin, so this is one, in the SDK's style.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CLICKHOUSE } from './datasources.ts';

/** How the plugin shapes the result: a table, or time series (a `time` column plus values). */
export type ClickHouseQueryType = 'table' | 'timeseries';

/** A ClickHouse target as the plugin stores it in a panel's `targets`. */
export interface ClickHouseQuery extends cog.Dataquery {
  refId: string;
  datasource: typeof CLICKHOUSE;
  editorType: 'sql';
  queryType: ClickHouseQueryType;
  /** The plugin's format: 1 table, 0 time series. */
  format: 0 | 1;
  rawSql: string;
  /**
   * The result columns the panel relies on (fields it overrides, the time column). Grafana keeps
   * unknown target fields and ignores them; the panel query test checks them against ClickHouse.
   */
  expectedColumns: string[];
}

export interface ClickHouseQueryOptions {
  readonly sql: string;
  /** Result columns, in order, that the panel needs. */
  readonly columns: readonly string[];
  /**
   * Table or time series.
   * @default 'table'
   */
  readonly queryType?: ClickHouseQueryType;
  /**
   * The target's id within its panel.
   * @default 'A'
   */
  readonly refId?: string;
}

export class ClickHouseQueryBuilder implements cog.Builder<cog.Dataquery> {
  readonly #options: ClickHouseQueryOptions;

  constructor(options: ClickHouseQueryOptions) {
    this.#options = options;
  }

  build(): ClickHouseQuery {
    const queryType = this.#options.queryType ?? 'table';
    return {
      refId: this.#options.refId ?? 'A',
      datasource: CLICKHOUSE,
      editorType: 'sql',
      queryType,
      format: queryType === 'table' ? 1 : 0,
      rawSql: this.#options.sql.trim(),
      expectedColumns: [...this.#options.columns],
      _implementsDataqueryVariant: () => undefined,
    };
  }
}

export function clickhouseQuery(options: ClickHouseQueryOptions): ClickHouseQueryBuilder {
  return new ClickHouseQueryBuilder(options);
}

export interface ClickHouseVariableOptions {
  readonly name: string;
  readonly label: string;
  /** SQL returning one column of values (macros and earlier variables allowed). */
  readonly sql: string;
  /**
   * Several values at once, with an All option; SQL then filters with {@link inSelection}. Without it,
   * SQL compares with {@link sqlString}.
   * @default false
   */
  readonly multi?: boolean;
}

/** A query variable on ClickHouse, refreshed when the time range changes. */
export function clickhouseVariable(options: ClickHouseVariableOptions): dashboard.QueryVariableBuilder {
  const multi = options.multi ?? false;
  return new dashboard.QueryVariableBuilder(options.name)
    .label(options.label)
    .datasource(CLICKHOUSE)
    .query(options.sql.trim())
    .definition(options.sql.trim())
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi);
}

/**
 * A single-value variable as an SQL string literal: `${name:sqlstring}` (quoted, quotes doubled), so a
 * value with a quote in it cannot break the query.
 */
export function sqlString(variable: string): string {
  return `\${${variable}:sqlstring}`;
}

/**
 * `column IN (<selected values>)`, or `1=1` when the multi-value variable is at All or empty (the
 * plugin's `$__conditionalAll`), so All does not expand into a long IN list.
 */
export function inSelection(column: string, variable: string): string {
  return `$__conditionalAll(${column} IN (${sqlString(variable)}), $${variable})`;
}

/** Like {@link inSelection} for an array column: true when it holds any selected value. */
export function anyInSelection(arrayColumn: string, variable: string): string {
  return `$__conditionalAll(hasAny(${arrayColumn}, [${sqlString(variable)}]), $${variable})`;
}
