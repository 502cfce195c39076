/**
 * One chDB connection (a `Session` on the data directory), reduced to what the HTTP layer needs: run a
 * statement to completion, or stream a result chunk by chunk. Both run on libuv's thread pool, off the
 * event loop. Statements on one connection run one after another; connections on the same directory run
 * in parallel and each keeps its own settings, current database and query parameters.
 */
import { Session, drainPending } from 'chdb';

/**
 * Settings every connection starts with, where chDB's defaults differ from a ClickHouse server's: 64-bit
 * integers quoted in JSON output, `basic` DateTime parsing, synchronous inserts. A client that wants
 * otherwise asks per query, as it would against a server.
 */
export const SERVER_DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  output_format_json_quote_64bit_integers: '1',
  date_time_input_format: 'basic',
  async_insert: '0',
};

export interface ChdbQueryResult {
  readonly bytes: Uint8Array;
  /** Rows in the result, or rows read from the file of an `INSERT ... FROM INFILE`. */
  readonly rows: number;
  /** Bytes (engine representation) of the same rows. */
  readonly rowBytes: number;
  readonly elapsedS: number;
}

/** A streamed result: `next()` gives the next chunk of formatted output, undefined at the end. */
export interface ChdbChunkStream {
  next(): Promise<Uint8Array | undefined>;
  /** Stops the query; safe to call at any time and more than once. */
  cancel(): void;
}

export interface ChdbConnection {
  query(sql: string, format: string): Promise<ChdbQueryResult>;
  /** Starts streaming; throws at once for statements the engine refuses to stream. */
  stream(sql: string, format: string): ChdbChunkStream;
  close(): void;
}

export type ChdbConnectionFactory = () => ChdbConnection;

/** Opens connections on `path`, each starting from SERVER_DEFAULT_SETTINGS. */
export function chdbConnectionFactory(path: string): ChdbConnectionFactory {
  const connectionArgs = Object.entries(SERVER_DEFAULT_SETTINGS).map(([name, value]) => `--${name}=${value}`);
  return () => wrapSession(new Session(path, { connectionArgs }));
}

function wrapSession(session: Session): ChdbConnection {
  return {
    async query(sql, format) {
      const result = await session.queryAsync(sql, { format });
      return {
        bytes: result.bytes(),
        rows: result.rowsRead,
        rowBytes: result.bytesRead,
        elapsedS: result.elapsed,
      };
    },
    stream(sql, format) {
      const stream = session.queryStream(sql, { format });
      const chunks = stream[Symbol.asyncIterator]();
      return {
        async next() {
          const next = await chunks.next();
          return next.done === true ? undefined : next.value.raw();
        },
        cancel() {
          stream.cancel();
        },
      };
    },
    close() {
      session.close();
    },
  };
}

/** Resolves once no chDB work is left running in this process (after every connection is closed). */
export function drainChdb(): Promise<void> {
  return drainPending();
}
