/**
 * Reads rendered dashboard JSON (what Grafana loads) back into the parts tests check: the ClickHouse
 * and Prometheus targets of every panel, rows included, and the template variables.
 */
import { StadionError } from '../../engine/errors.ts';
import { CLICKHOUSE_PLUGIN_ID } from './datasources.ts';

export interface PanelTarget {
  readonly dashboardUid: string;
  readonly panelTitle: string;
  readonly panelType: string;
  readonly refId: string;
  readonly datasourceType: string;
  /** ClickHouse: `rawSql`; Prometheus: `expr`. */
  readonly query: string;
  /** ClickHouse targets: the columns the panel relies on. */
  readonly expectedColumns: readonly string[];
  /** ClickHouse targets: `table` or `timeseries`. */
  readonly queryType: string;
  /** The panel's minimum interval (`interval`), as written, if any. */
  readonly minInterval: string | undefined;
}

export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly datasourceType: string;
  readonly query: string;
  readonly multi: boolean;
  readonly includeAll: boolean;
  readonly allValue: string | undefined;
}

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

function datasourceType(value: unknown): string {
  return isObject(value) ? text(value['type']) : '';
}

/** Every target of every panel (rows' nested panels too), in dashboard order. */
export function panelTargets(dashboardJson: unknown): PanelTarget[] {
  if (!isObject(dashboardJson)) throw new StadionError('CONFIG_INVALID', 'a dashboard must be a JSON object');
  const uid = text(dashboardJson['uid']);
  const panels = list(dashboardJson['panels']).flatMap((panel) =>
    isObject(panel) && panel['type'] === 'row' ? [panel, ...list(panel['panels'])] : [panel],
  );
  const targets: PanelTarget[] = [];
  for (const panel of panels) {
    if (!isObject(panel)) continue;
    for (const target of list(panel['targets'])) {
      if (!isObject(target)) continue;
      const type = datasourceType(target['datasource']) || datasourceType(panel['datasource']);
      targets.push({
        dashboardUid: uid,
        panelTitle: text(panel['title']),
        panelType: text(panel['type']),
        refId: text(target['refId']),
        datasourceType: type,
        query: type === CLICKHOUSE_PLUGIN_ID ? text(target['rawSql']) : text(target['expr']),
        expectedColumns: list(target['expectedColumns']).map(text),
        queryType: text(target['queryType']),
        minInterval: typeof panel['interval'] === 'string' ? panel['interval'] : undefined,
      });
    }
  }
  return targets;
}

/** The dashboard's template variables, in order (Grafana resolves them in this order). */
export function dashboardVariables(dashboardJson: unknown): DashboardVariable[] {
  if (!isObject(dashboardJson)) throw new StadionError('CONFIG_INVALID', 'a dashboard must be a JSON object');
  const templating = dashboardJson['templating'];
  return list(isObject(templating) ? templating['list'] : undefined)
    .filter(isObject)
    .map((variable) => ({
      name: text(variable['name']),
      type: text(variable['type']),
      datasourceType: datasourceType(variable['datasource']),
      query: text(variable['query']),
      multi: variable['multi'] === true,
      includeAll: variable['includeAll'] === true,
      allValue: typeof variable['allValue'] === 'string' ? variable['allValue'] : undefined,
    }));
}
