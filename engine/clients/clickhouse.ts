/** The ClickHouse client: @clickhouse/client over HTTP, whether the server is chDB behind `stadion up` or a real one. */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../config/config.ts';

/** How long one request may take before the client gives up. @default 300 s */
export const DEFAULT_CLICKHOUSE_REQUEST_TIMEOUT_MS = 300_000;

export function createClickHouse(
  config: ClickHouseConfig,
  options: { requestTimeoutMs?: number; applicationName?: string } = {},
): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: config.database,
    application: options.applicationName ?? 'stadion',
    request_timeout: options.requestTimeoutMs ?? DEFAULT_CLICKHOUSE_REQUEST_TIMEOUT_MS,
    // Long queries keep the connection alive through load balancers with progress headers.
    clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '110000' },
  });
}
