/**
 * Runs a rendered dashboard's ClickHouse queries the way Grafana would for a time range: variables
 * first, in order (each query sees the selections before it), then every panel target with the
 * plugin's macros and the selections expanded. Used by the panel query integration test.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { CLICKHOUSE_PLUGIN_ID } from '../../dashboards/shared/datasources.ts';
import {
  expandClickHouseQuery,
  grafanaIntervalMs,
  DEFAULT_MAX_DATA_POINTS,
  type TimeRange,
  type VariableSelection,
} from '../../dashboards/shared/expand.ts';
import { dashboardVariables, panelTargets, type PanelTarget } from '../../dashboards/shared/inspect.ts';

/**
 * How multi-value variables are set: All, or every option but the last picked by hand (a real IN list
 * that still leaves most data in view; a single option when there is only one).
 */
export type SelectionMode = 'all' | 'some';

export interface QueryResult {
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  readonly rows: number;
}

export interface PanelRun {
  readonly target: PanelTarget;
  readonly sql: string;
  readonly result?: QueryResult;
  readonly error?: string;
}

export interface DashboardRun {
  readonly variables: Readonly<Record<string, VariableSelection>>;
  /** Variables whose own query failed or returned nothing, with the reason. */
  readonly variableProblems: readonly string[];
  readonly panels: readonly PanelRun[];
}

async function runSql(
  clickhouse: ClickHouseClient,
  sql: string,
): Promise<{ meta: QueryResult; values: unknown[][] }> {
  const result = await clickhouse.query({ query: sql, format: 'JSONCompact' });
  const body = await result.json<unknown[]>();
  return {
    meta: { columns: body.meta ?? [], rows: body.data.length },
    values: body.data,
  };
}

const interval = (text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined;
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (match === null) return undefined;
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
};

export async function runDashboard(
  clickhouse: ClickHouseClient,
  dashboardJson: unknown,
  range: TimeRange,
  mode: SelectionMode,
): Promise<DashboardRun> {
  const variables: Record<string, VariableSelection> = {};
  const variableProblems: string[] = [];
  const intervalMs = grafanaIntervalMs(range, DEFAULT_MAX_DATA_POINTS);
  for (const variable of dashboardVariables(dashboardJson)) {
    if (variable.datasourceType !== CLICKHOUSE_PLUGIN_ID) continue;
    let options: string[] = [];
    try {
      const sql = expandClickHouseQuery(variable.query, { range, intervalMs, variables });
      options = (await runSql(clickhouse, sql)).values.map((row) => String(row[0]));
    } catch (error) {
      variableProblems.push(`$${variable.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (options.length === 0) variableProblems.push(`$${variable.name}: no options`);
    variables[variable.name] = !variable.multi
      ? { kind: 'value', value: options[0] ?? '' }
      : mode === 'all'
        ? {
            kind: 'all',
            options,
            ...(variable.allValue === undefined ? {} : { allValue: variable.allValue }),
          }
        : { kind: 'values', values: options.length > 1 ? options.slice(0, -1) : options };
  }
  const panels: PanelRun[] = [];
  for (const target of panelTargets(dashboardJson)) {
    if (target.datasourceType !== CLICKHOUSE_PLUGIN_ID) continue;
    let sql = target.query;
    try {
      const minIntervalMs = interval(target.minInterval);
      sql = expandClickHouseQuery(target.query, {
        range,
        variables,
        ...(minIntervalMs === undefined ? {} : { minIntervalMs }),
      });
      panels.push({ target, sql, result: (await runSql(clickhouse, sql)).meta });
    } catch (error) {
      panels.push({ target, sql, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { variables, variableProblems, panels };
}
