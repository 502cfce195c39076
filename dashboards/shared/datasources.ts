/**
 * The two data sources every dashboard uses, by the fixed uids that deploy/grafana/provisioning
 * gives them, so the rendered JSON works on a provisioned Grafana without editing.
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** The official ClickHouse plugin's type id. */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/** ClickHouse (the pipelines' tables), through grafana-clickhouse-datasource. */
export const CLICKHOUSE: DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: 'stadion-clickhouse' };

/** Prometheus scraping the processors' metrics port (the engine's own health). */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'stadion-prometheus' };
