/**
 * A request's database, settings and query parameters, applied to the chDB connection that runs it, and
 * what it takes to undo them. On a pooled connection nothing is undone: the connection is replaced. On a
 * session's connection the settings and database are put back as they were (ClickHouse applies URL
 * settings to the one query, not to the session), while query parameters are left: a query only ever
 * sees the ones its own request sent, because a missing one is refused before the query runs.
 */
import type { ChdbConnection } from './chdb-connection.ts';
import { quoteIdentifier, quoteString, setStatement } from './sql-text.ts';

export interface RequestState {
  readonly database: string | undefined;
  readonly settings: ReadonlyMap<string, string>;
  readonly queryParameters: ReadonlyMap<string, string>;
}

/** Statement kinds that change a connection's state beyond the request. */
const STATEFUL_KINDS: ReadonlySet<string> = new Set(['SET', 'USE']);

/** True when running this request leaves the connection different from a fresh one. */
export function changesConnection(
  state: RequestState,
  statement: { kind: string; mentionsTemporary: boolean },
): boolean {
  return (
    state.database !== undefined ||
    state.settings.size > 0 ||
    state.queryParameters.size > 0 ||
    STATEFUL_KINDS.has(statement.kind) ||
    statement.mentionsTemporary
  );
}

/** Applies the request's state; the returned function restores what `restorable` asks to be restored. */
export async function applyRequestState(
  connection: ChdbConnection,
  state: RequestState,
  options: { restorable: boolean },
): Promise<() => Promise<void>> {
  const undo: string[] = [];
  if (options.restorable && state.database !== undefined) {
    const current = new TextDecoder().decode(
      (await connection.query('SELECT currentDatabase()', 'TabSeparatedRaw')).bytes,
    );
    undo.push(`USE ${quoteIdentifier(current.replace(/\n$/, ''))}`);
  }
  if (options.restorable && state.settings.size > 0) {
    const restore = await settingsSnapshot(connection, [...state.settings.keys()]);
    if (restore !== undefined) undo.push(restore);
  }
  const restore = async (): Promise<void> => {
    for (const statement of undo) await connection.query(statement, 'TabSeparated');
  };
  try {
    if (state.database !== undefined) {
      await connection.query(`USE ${quoteIdentifier(state.database)}`, 'TabSeparated');
    }
    const set = setStatement(state.settings, state.queryParameters);
    if (set !== undefined) await connection.query(set, 'TabSeparated');
  } catch (error) {
    await restore().catch(() => undefined); // best effort: the request fails with the first error anyway
    throw error;
  }
  return restore;
}

/** `SET a = 'old', b = DEFAULT`: the current values of the named settings. */
async function settingsSnapshot(
  connection: ChdbConnection,
  names: readonly string[],
): Promise<string | undefined> {
  const list = names.map(quoteString).join(', ');
  const result = await connection.query(
    `SELECT name, value, changed FROM system.settings WHERE name IN (${list})`,
    'JSONCompactEachRow',
  );
  const assignments: string[] = [];
  for (const line of new TextDecoder().decode(result.bytes).split('\n')) {
    if (line === '') continue;
    const [name, value, changed] = JSON.parse(line) as [string, string, number | string | boolean];
    const isChanged = changed === 1 || changed === '1' || changed === true;
    assignments.push(`${name} = ${isChanged ? quoteString(value) : 'DEFAULT'}`);
  }
  return assignments.length === 0 ? undefined : `SET ${assignments.join(', ')}`;
}
