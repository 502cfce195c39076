/**
 * The dashboards as Grafana gets them: the committed JSON is what the code renders, every board has a
 * unique uid and provisioned data sources, every ClickHouse query expands (macros and variables) and
 * names its columns, and every Prometheus metric a panel uses exists in engine/runtime/metrics.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EngineMetrics } from '../../engine/runtime/metrics.ts';
import { DASHBOARDS } from '../../dashboards/index.ts';
import { DASHBOARDS_JSON_DIR, findDrift, renderAll } from '../../dashboards/render.ts';
import { CLICKHOUSE, CLICKHOUSE_PLUGIN_ID, PROMETHEUS } from '../../dashboards/shared/datasources.ts';
import { expandClickHouseQuery, type VariableSelection } from '../../dashboards/shared/expand.ts';
import { dashboardVariables, panelTargets } from '../../dashboards/shared/inspect.ts';

const loadAll = async (): Promise<Array<{ file: string; json: unknown }>> =>
  Promise.all(
    DASHBOARDS.map(async ({ file }) => ({
      file,
      json: JSON.parse(await readFile(join(DASHBOARDS_JSON_DIR, file), 'utf8')) as unknown,
    })),
  );

describe('rendered dashboards', () => {
  it('are committed exactly as the code renders them, and rendering is deterministic', async () => {
    expect(await findDrift()).toEqual([]);
    const first = await renderAll();
    const second = await renderAll();
    expect([...second.entries()]).toEqual([...first.entries()]);
  });

  it('have unique uids and only use the provisioned data sources', async () => {
    const boards = await loadAll();
    const uids = boards.map(({ json }) => (json as { uid: string }).uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { file, json } of boards) {
      const targets = panelTargets(json);
      expect(targets.length, file).toBeGreaterThan(0);
      for (const target of targets) {
        expect([CLICKHOUSE.type, PROMETHEUS.type], `${file} ${target.panelTitle}`).toContain(
          target.datasourceType,
        );
      }
    }
  });

  it('name the columns of every ClickHouse query, with a time column for time series', async () => {
    for (const { json } of await loadAll()) {
      for (const target of panelTargets(json).filter((t) => t.datasourceType === CLICKHOUSE_PLUGIN_ID)) {
        expect(target.expectedColumns.length, target.panelTitle).toBeGreaterThan(0);
        if (target.queryType === 'timeseries')
          expect(target.expectedColumns, target.panelTitle).toContain('time');
      }
    }
  });

  it('expand every ClickHouse query with All and with single selections, leaving no macro or variable', async () => {
    const range = { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 1, 1) };
    for (const { json } of await loadAll()) {
      const variables = dashboardVariables(json).filter((v) => v.datasourceType === CLICKHOUSE_PLUGIN_ID);
      const all: Record<string, VariableSelection> = {};
      const some: Record<string, VariableSelection> = {};
      for (const variable of variables) {
        all[variable.name] = variable.multi
          ? { kind: 'all', options: ['x', 'y'] }
          : { kind: 'value', value: 'x' };
        some[variable.name] = variable.multi
          ? { kind: 'values', values: ['x'] }
          : { kind: 'value', value: 'x' };
      }
      const queries = [
        ...variables.map((v) => v.query),
        ...panelTargets(json)
          .filter((t) => t.datasourceType === CLICKHOUSE_PLUGIN_ID)
          .map((t) => t.query),
      ];
      for (const query of queries) {
        for (const selection of [all, some]) {
          const sql = expandClickHouseQuery(query, { range, variables: selection });
          expect(sql, query).not.toMatch(/\$/);
        }
      }
    }
  });

  it('use only Prometheus metrics that the engine registers', async () => {
    const metrics = new EngineMetrics(new Registry(), { defaultMetrics: true });
    const registered = new Map(
      (await metrics.registry.getMetricsAsJSON()).map((metric) => [metric.name, String(metric.type)]),
    );
    const used = new Set<string>();
    for (const { json } of await loadAll()) {
      const queries = [
        ...panelTargets(json)
          .filter((t) => t.datasourceType === PROMETHEUS.type)
          .map((t) => t.query),
        ...dashboardVariables(json)
          .filter((v) => v.datasourceType === PROMETHEUS.type)
          .map((v) => v.query),
      ];
      for (const query of queries) for (const name of query.match(/\bstadion_\w+/g) ?? []) used.add(name);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) {
      const histogram = /^(.+)_(bucket|sum|count)$/.exec(name);
      const base = histogram?.[1];
      const known = registered.has(name) || (base !== undefined && registered.get(base) === 'histogram');
      expect(known, `${name} is not registered in engine/runtime/metrics.ts`).toBe(true);
    }
  });
});
