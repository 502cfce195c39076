/**
 * Inserts into ClickHouse with a deduplication token, retrying what can pass (network errors, server
 * overload) and failing at once on what cannot (unknown table or column, rows that do not parse).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../log.ts';
import type { ClickHouseRow } from '../topology/sinks.ts';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { retryUntilDone, type RetryOptions } from './retry.ts';
import { rowBinaryEncoder, type RowBinaryEncoder } from './row-binary.ts';

/** Rows ClickHouse may put in one block of a bulk insert: more than any bulk flush holds. */
export const BULK_MAX_INSERT_BLOCK_ROWS = 100_000_000;

/**
 * ClickHouse exception codes worth retrying: overload, timeouts, network, read-only replicas, Keeper.
 * Anything else with a code is a mistake in the rows or the table and will not pass on retry.
 */
export const TRANSIENT_CLICKHOUSE_CODES: ReadonlySet<string> = new Set([
  '159', // TIMEOUT_EXCEEDED
  '164', // READONLY
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '252', // TOO_MANY_PARTS
  '285', // TOO_FEW_LIVE_REPLICAS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
  '999', // KEEPER_EXCEPTION
]);

export function isTransientClickHouseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return TRANSIENT_CLICKHOUSE_CODES.has(code);
  // No ClickHouse code: connection refused or reset, timeouts, HTTP-level failures.
  return true;
}

export interface ClickHouseInsert {
  table: string;
  rows: readonly ClickHouseRow[];
  deduplicationToken: string;
}

/** An INSERT whose data is sent as it is, in the format the statement names (for bulk loads). */
export interface ClickHouseStatementInsert {
  /** The whole statement, ending in `FORMAT X`. */
  query: string;
  body: Buffer;
  deduplicationToken: string;
  /** For log lines and errors. */
  table: string;
}

export class ClickHouseWriter {
  readonly #client: ClickHouseClient;
  readonly #logger: Logger;

  constructor(client: ClickHouseClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** Per table: how its rows are encoded (RowBinaryWithDefaults from its columns, or JSON). */
  readonly #encoders = new Map<string, Promise<RowBinaryEncoder | undefined>>();
  /** The same, once known: null for JSON. */
  readonly #known = new Map<string, RowBinaryEncoder | null>();

  /**
   * The table's RowBinary encoder if it is known by now (the first insert into the table asks
   * ClickHouse), null if the table takes JSON, undefined if not known yet. For encoding rows as they
   * come, ahead of the insert (`insertRowBinary`).
   */
  encoderNow(table: string): RowBinaryEncoder | null | undefined {
    return this.#known.get(table);
  }

  /** Inserts rows already encoded by the table's encoder (`encoderNow`). */
  async insertRowBinary(
    insert: { table: string; encoder: RowBinaryEncoder; body: Buffer; deduplicationToken: string },
    options: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void } = {},
  ): Promise<void> {
    const columns = insert.encoder.columns.map((c) => `\`${c.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``);
    await this.insertStatement(
      {
        query: `INSERT INTO ${insert.table} (${columns.join(', ')}) FORMAT RowBinaryWithDefaults`,
        body: insert.body,
        deduplicationToken: insert.deduplicationToken,
        table: insert.table,
      },
      options,
    );
  }

  async insert(
    insert: ClickHouseInsert,
    options: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void } = {},
  ): Promise<void> {
    if (insert.rows.length === 0) return;
    const encoder = await this.#encoderOf(insert.table, options);
    if (encoder !== undefined) {
      // Encoded once, before any attempt: a row that cannot be encoded is not worth a retry.
      const body = encoder.encode(insert.rows);
      await this.insertRowBinary(
        { table: insert.table, encoder, body, deduplicationToken: insert.deduplicationToken },
        options,
      );
      return;
    }
    await retryUntilDone(
      () =>
        this.#client
          .insert({
            table: insert.table,
            values: insert.rows as ClickHouseRow[],
            format: 'JSONEachRow',
            clickhouse_settings: {
              insert_deduplicate: 1,
              insert_deduplication_token: insert.deduplicationToken,
              // Materialized views fed by the table get the block once too (their targets deduplicate).
              deduplicate_blocks_in_dependent_materialized_views: 1,
              date_time_input_format: 'best_effort',
            },
          })
          .then(() => undefined),
      this.#retryOptions(`insert into ${insert.table}`, options),
    );
  }

  /** The table's RowBinary encoder, from DESCRIBE TABLE once; undefined keeps JSONEachRow. */
  #encoderOf(
    table: string,
    options: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void },
  ): Promise<RowBinaryEncoder | undefined> {
    let encoder = this.#encoders.get(table);
    if (encoder === undefined) {
      encoder = retryUntilDone(
        async () => {
          const result = await this.#client.query({
            query: `DESCRIBE TABLE ${table}`,
            format: 'JSONEachRow',
          });
          const columns = await result.json<{ name: string; type: string; default_type: string }>();
          const made = rowBinaryEncoder(
            columns.map((c) => ({ name: c.name, type: c.type, defaultKind: c.default_type })),
          );
          if (made === undefined)
            this.#logger.info('a column type has no RowBinary encoding here: inserting JSON', { table });
          this.#known.set(table, made ?? null);
          return made;
        },
        this.#retryOptions(`describe ${table}`, options),
      );
      this.#encoders.set(table, encoder);
      encoder.catch(() => this.#encoders.delete(table)); // asked again on the next insert
    }
    return encoder;
  }

  /**
   * Sends an INSERT with its data. One statement is one block (the bulk flush is far below
   * `max_insert_block_size`), so it is written whole or not at all, and a retry with the same token is
   * deduplicated whole.
   */
  async insertStatement(
    insert: ClickHouseStatementInsert,
    options: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void } = {},
  ): Promise<void> {
    await retryUntilDone(
      async () => {
        const result = await this.#client.exec({
          query: insert.query,
          values: Readable.from([insert.body]),
          clickhouse_settings: {
            insert_deduplicate: 1,
            insert_deduplication_token: insert.deduplicationToken,
            // Materialized views fed by the table get the block once too (their targets deduplicate).
            deduplicate_blocks_in_dependent_materialized_views: 1,
            max_insert_block_size: String(BULK_MAX_INSERT_BLOCK_ROWS),
            min_insert_block_size_rows: '0',
            min_insert_block_size_bytes: '0',
          },
        });
        result.stream.resume();
        await finished(result.stream);
      },
      this.#retryOptions(`insert into ${insert.table}`, options),
    );
  }

  #retryOptions(
    what: string,
    options: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void },
  ): RetryOptions {
    return {
      isTransient: isTransientClickHouseError,
      logger: this.#logger,
      what,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.between === undefined ? {} : { between: options.between }),
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
    };
  }
}
