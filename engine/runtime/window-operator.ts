/**
 * Windowed aggregation for one task: accumulators per (key, window) in a keyed store, so window state
 * is changelogged and restored like any other state. Tumbling and hopping windows close when the
 * watermark reaches end + grace; session windows when it reaches last event + gap + grace. A record
 * whose every window is already closed is late: the caller routes it to the late output.
 *
 * Hopping windows whose size is a multiple of their advance, emitted final, are sliced (as Flink
 * does): the store keeps one accumulator per key and pane (`advanceMs` long), a record updates only
 * its pane, and a window's result is the merge of its `sizeMs / advanceMs` panes when it closes. A
 * record thus changes one stored value instead of one per window it falls in, and the changelog
 * carries a pane per key and advance instead of every window. A pane is kept until the last window
 * containing it has closed. Which windows were already emitted is not stored: they are exactly those
 * with `endMs + graceMs <= watermark`, and the committed watermark is restored with the panes.
 */
import { StadionError } from '../errors.ts';
import type { GraphNode } from '../topology/graph.ts';
import type { StreamRecord } from '../topology/record.ts';
import type { WindowResult } from '../topology/builder.ts';
import type { KeyedStore } from '../state/keyed-store.ts';
import { mergeSession, type FixedWindows, type SessionWindow } from '../windows/index.ts';

type WindowNode = Extract<GraphNode, { kind: 'window' }>;

/** What the store holds per (key, window). */
interface WindowState {
  readonly key: string | null;
  readonly startMs: number;
  /** Exclusive end for fixed windows; last event time (inclusive) for sessions. */
  readonly endMs: number;
  /** Replaced only on states that own their accumulator (FixedWindowState.ownsAcc). */
  acc: unknown;
  /** Set on the panes of sliced hopping windows (`startMs`..`endMs` is then the pane). */
  readonly pane?: true;
}

/**
 * A tumbling or hopping window's (or a pane's) state. Its changelog entry is `[acc]` only: the key,
 * start and end follow from the store key (`fromStored`), which saves most of an entry's bytes next
 * to a small accumulator. Session windows keep the whole object (their end is not in the key).
 */
class FixedWindowState implements WindowState {
  readonly key: string | null;
  readonly startMs: number;
  readonly endMs: number;
  acc: unknown;
  readonly pane: true | undefined;
  /**
   * Whether `acc` is a private copy the aggregator's `inPlace` path may mutate. Not for restored
   * states (a test driver may share them with its changelog) nor for results of a pure `add`.
   * Changelog values are serialized when a flush takes them, before any later add.
   */
  readonly ownsAcc: boolean;

  constructor(
    key: string | null,
    startMs: number,
    endMs: number,
    acc: unknown,
    pane: boolean,
    ownsAcc = false,
  ) {
    this.key = key;
    this.startMs = startMs;
    this.endMs = endMs;
    this.acc = acc;
    this.pane = pane ? true : undefined;
    this.ownsAcc = ownsAcc;
  }

  toJSON(): unknown {
    return [this.acc];
  }
}

/** The panes of one key (sliced hopping windows) and the end of its next window to emit. */
interface KeyPanes {
  readonly key: string | null;
  /** Pane start -> store key. */
  readonly panes: Map<number, string>;
  nextEndMs: number;
}

type EmitResult = (record: StreamRecord<WindowResult<unknown>>) => void;

export class WindowOperator {
  readonly #node: WindowNode;
  readonly #store: KeyedStore;
  /** Close time per store key; rebuilt from the store on restore. */
  readonly #closeAt = new Map<string, number>();
  /** Session store keys per record key, for merging. */
  readonly #sessionsByKey = new Map<string, Set<string>>();
  /** Panes per record key (JSON), for sliced hopping windows. */
  readonly #panesByKey = new Map<string, KeyPanes>();
  /** Whether this operator slices its windows into panes. */
  readonly #sliced: boolean;
  #nextCloseMs = Number.POSITIVE_INFINITY;
  /**
   * The watermark of the last `closeUpTo`: every window closing at or before it was emitted. Lateness
   * is judged against it, not against the task's watermark, which is already ahead while an upstream
   * window emits its results into this one (a minute window fed by 10 s windows must still take the
   * last 10 s window, which the same watermark step closed).
   */
  #closedUpToMs = Number.NEGATIVE_INFINITY;

  constructor(node: WindowNode, store: KeyedStore) {
    this.#node = node;
    this.#store = store;
    const windows = node.windows;
    this.#sliced =
      windows.kind === 'hopping' && windows.sizeMs % windows.advanceMs === 0 && node.emit === 'final';
  }

  /** Adds the record to its windows. Returns false when every window it belongs to is closed (late). */
  add(record: StreamRecord<unknown>, emitUpdate: EmitResult): boolean {
    const watermarkMs = this.#closedUpToMs;
    if (this.#node.windows.kind === 'session') return this.#addToSession(record, watermarkMs, emitUpdate);
    return this.#sliced
      ? this.#addToPane(record, watermarkMs)
      : this.#addToFixed(record, watermarkMs, emitUpdate);
  }

  /** Emits (in final mode) and forgets every window whose close time the watermark reached. */
  closeUpTo(watermarkMs: number, emit: EmitResult): void {
    this.#closedUpToMs = Math.max(this.#closedUpToMs, watermarkMs);
    if (watermarkMs < this.#nextCloseMs) return;
    const due: Array<[string | undefined, WindowState]> = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [storeKey, closeAt] of this.#closeAt) {
      if (closeAt <= watermarkMs) due.push([storeKey, this.#state(storeKey)]);
      else next = Math.min(next, closeAt);
    }
    if (this.#sliced) next = Math.min(next, this.#duePaneWindows(watermarkMs, due));
    this.#nextCloseMs = next;
    due.sort(([, a], [, b]) => a.endMs - b.endMs || a.startMs - b.startMs || compareKeys(a.key, b.key));
    for (const [storeKey, state] of due) {
      if (storeKey !== undefined) this.#forget(storeKey, state); // undefined: merged from panes
      if (this.#node.emit === 'final') emit(this.#result(state));
    }
  }

  /**
   * Since restoring, windows ending at or before `watermarkMs - graceMs` were emitted before the
   * commit: a key's panes restart with the first window still open.
   */
  restoreWatermark(watermarkMs: number): void {
    this.#closedUpToMs = Math.max(this.#closedUpToMs, watermarkMs);
    const windows = this.#node.windows;
    if (windows.kind === 'session') return;
    // Closed windows and spent panes are not tombstoned (#forget): the restored state may still hold
    // them. They were emitted before the commit; they go now, without a changelog entry.
    for (const [storeKey, value] of [...this.#store.entries()]) {
      const closeAt = storeKeyCloseMs(windows, storeKey);
      if (closeAt !== undefined && closeAt <= watermarkMs) this.#drop(storeKey, value as WindowState);
    }
    if (!this.#sliced) return;
    const firstOpenEndMs = this.#firstOpenEndMs(watermarkMs);
    for (const entry of this.#panesByKey.values()) {
      entry.nextEndMs = Math.max(entry.nextEndMs, firstOpenEndMs);
      this.#nextCloseMs = Math.min(this.#nextCloseMs, entry.nextEndMs + windows.graceMs);
    }
  }

  /** Forgets a restored window or pane the committed watermark already closed. */
  #drop(storeKey: string, state: WindowState): void {
    this.#store.expire(storeKey);
    this.#closeAt.delete(storeKey);
    if (state.pane !== true) return;
    const keyJson = JSON.stringify(state.key);
    const entry = this.#panesByKey.get(keyJson);
    entry?.panes.delete(state.startMs);
    if (entry?.panes.size === 0) this.#panesByKey.delete(keyJson);
  }

  /** Rebuilds the states from their changelog form, and the close-time and session indexes (after a restore). */
  reindex(): void {
    this.#closeAt.clear();
    this.#sessionsByKey.clear();
    this.#panesByKey.clear();
    this.#nextCloseMs = Number.POSITIVE_INFINITY;
    for (const [storeKey, value] of this.#store.entries()) {
      const state = this.#fromStored(storeKey, value);
      if (state !== value) this.#store.restore({ key: storeKey, value: state });
      if (state.pane === true) this.#indexPane(storeKey, state, Number.NEGATIVE_INFINITY);
      else this.#index(storeKey, state);
    }
  }

  /** A restored value as a state: `[acc]` (FixedWindowState's changelog form) or a whole state object. */
  #fromStored(storeKey: string, value: unknown): WindowState {
    const windows = this.#node.windows;
    if (!Array.isArray(value) || windows.kind === 'session') return value as WindowState;
    const parsed = parseStoreKey(storeKey);
    if (parsed === undefined)
      throw new StadionError('INTERNAL', `window store key ${storeKey} has no window start`);
    const { keyJson, startMs, pane } = parsed;
    const endMs = startMs + (pane ? windows.advanceMs : windows.sizeMs);
    return new FixedWindowState(JSON.parse(keyJson) as string | null, startMs, endMs, value[0], pane);
  }

  #addToPane(record: StreamRecord<unknown>, watermarkMs: number): boolean {
    const windows = this.#node.windows;
    if (windows.kind === 'session') throw new StadionError('INTERNAL', 'pane path on session windows');
    const { aggregator } = this.#node;
    const t = record.timestampMs;
    const paneStartMs = t - (t % windows.advanceMs);
    // The newest window containing the record starts with its pane and is the last to close.
    if (watermarkMs >= paneStartMs + windows.sizeMs + windows.graceMs) return false;
    const storeKey = `${JSON.stringify(record.key)}|p${paneStartMs}`;
    const existing = this.#store.get(storeKey) as WindowState | undefined;
    const state = new FixedWindowState(
      record.key,
      paneStartMs,
      paneStartMs + windows.advanceMs,
      aggregator.add(existing?.acc ?? aggregator.initialize(), record.value),
      true,
    );
    this.#store.put(storeKey, state);
    if (existing === undefined) this.#indexPane(storeKey, state, watermarkMs);
    return true;
  }

  /** The end of the first window whose close the watermark has not reached (ends are multiples of the advance). */
  #firstOpenEndMs(watermarkMs: number): number {
    const windows = this.#node.windows;
    if (windows.kind === 'session' || !Number.isFinite(watermarkMs)) return Number.NEGATIVE_INFINITY;
    const { advanceMs, graceMs } = windows;
    return (Math.floor((watermarkMs - graceMs) / advanceMs) + 1) * advanceMs;
  }

  #indexPane(storeKey: string, state: WindowState, watermarkMs: number): void {
    const windows = this.#node.windows;
    if (windows.kind === 'session') return;
    const keyJson = JSON.stringify(state.key);
    let entry = this.#panesByKey.get(keyJson);
    if (entry === undefined) {
      entry = { key: state.key, panes: new Map(), nextEndMs: Number.POSITIVE_INFINITY };
      this.#panesByKey.set(keyJson, entry);
    }
    entry.panes.set(state.startMs, storeKey);
    // Its first window: the one ending with it, unless that one starts before the epoch or has closed.
    const firstEndMs = Math.max(
      state.startMs + windows.advanceMs,
      windows.sizeMs,
      this.#firstOpenEndMs(watermarkMs),
    );
    entry.nextEndMs = Math.min(entry.nextEndMs, firstEndMs);
    this.#nextCloseMs = Math.min(this.#nextCloseMs, entry.nextEndMs + windows.graceMs);
  }

  /**
   * Adds to `due` every window the watermark closed, merged from its panes (with no store key),
   * forgets the panes no open window needs, and returns the next close time of a sliced window.
   */
  #duePaneWindows(watermarkMs: number, due: Array<[string | undefined, WindowState]>): number {
    const windows = this.#node.windows;
    if (windows.kind === 'session') return Number.POSITIVE_INFINITY;
    const { sizeMs, advanceMs, graceMs } = windows;
    const { aggregator } = this.#node;
    // With an in-place merge, a window's first pane is copied once and the others merged into the copy.
    const inPlace = aggregator.inPlace;
    let next = Number.POSITIVE_INFINITY;
    for (const [keyJson, entry] of this.#panesByKey) {
      while (entry.panes.size > 0 && entry.nextEndMs + graceMs <= watermarkMs) {
        const endMs = entry.nextEndMs;
        const startMs = endMs - sizeMs;
        let acc: unknown;
        let panes = 0;
        for (let pane = startMs; pane < endMs; pane += advanceMs) {
          const storeKey = entry.panes.get(pane);
          if (storeKey === undefined) continue;
          const paneAcc = this.#state(storeKey).acc;
          if (panes === 0) acc = paneAcc;
          else if (inPlace?.merge === undefined) acc = aggregator.merge(acc, paneAcc);
          else acc = inPlace.merge(panes === 1 ? inPlace.copy(acc) : acc, paneAcc);
          panes += 1;
        }
        if (panes > 0) due.push([undefined, { key: entry.key, startMs, endMs, acc }]);
        // The window just closed was the last one containing its first pane.
        const done = entry.panes.get(startMs);
        if (done !== undefined) {
          this.#store.expire(done);
          entry.panes.delete(startMs);
        }
        // Skip windows without panes: the next one ends with the oldest pane left, at the earliest.
        let oldest = Number.POSITIVE_INFINITY;
        for (const pane of entry.panes.keys()) oldest = Math.min(oldest, pane);
        entry.nextEndMs = Math.max(endMs + advanceMs, oldest + advanceMs);
      }
      if (entry.panes.size === 0) this.#panesByKey.delete(keyJson);
      else next = Math.min(next, entry.nextEndMs + graceMs);
    }
    return next;
  }

  #addToFixed(record: StreamRecord<unknown>, watermarkMs: number, emitUpdate: EmitResult): boolean {
    const windows = this.#node.windows;
    if (windows.kind === 'session')
      throw new StadionError('INTERNAL', 'fixed window path on session windows');
    const { aggregator } = this.#node;
    // Final results only: an update emitted per record would share the accumulator mutated next.
    const inPlace = this.#node.emit === 'final' ? aggregator.inPlace : undefined;
    let accepted = false;
    const t = record.timestampMs;
    // The windows of windowsFor(t), without the array and objects per record.
    for (let startMs = windows.firstStartMs(t); startMs <= t; startMs += windows.advanceMs) {
      const endMs = startMs + windows.sizeMs;
      if (watermarkMs >= endMs + windows.graceMs) continue; // closed (FixedWindows.isClosed)
      accepted = true;
      const storeKey = `${JSON.stringify(record.key)}|${startMs}`;
      const existing = this.#store.get(storeKey) as WindowState | undefined;
      let state: WindowState;
      if (inPlace === undefined) {
        state = new FixedWindowState(
          record.key,
          startMs,
          endMs,
          aggregator.add(existing?.acc ?? aggregator.initialize(), record.value),
          false,
        );
      } else {
        // The first add to a window, or to a restored one, copies its accumulator once.
        state =
          existing instanceof FixedWindowState && existing.ownsAcc
            ? existing
            : new FixedWindowState(
                record.key,
                startMs,
                endMs,
                inPlace.copy(existing?.acc ?? aggregator.initialize()),
                false,
                true,
              );
        state.acc = inPlace.add(state.acc, record.value);
      }
      if (state === existing) this.#store.touch(storeKey);
      else this.#store.put(storeKey, state);
      if (existing === undefined) this.#index(storeKey, state);
      if (this.#node.emit === 'updates') emitUpdate(this.#result(state));
    }
    return accepted;
  }

  #addToSession(record: StreamRecord<unknown>, watermarkMs: number, emitUpdate: EmitResult): boolean {
    const windows = this.#node.windows;
    if (windows.kind !== 'session') throw new StadionError('INTERNAL', 'session path on fixed windows');
    const { aggregator } = this.#node;
    const keyJson = JSON.stringify(record.key);
    const existingKeys = [...(this.#sessionsByKey.get(keyJson) ?? [])];
    const existing = existingKeys
      .map((storeKey) => this.#state(storeKey))
      .sort((a, b) => a.startMs - b.startMs)
      .map((s): SessionWindow => ({ startMs: s.startMs, endMs: s.endMs }));
    const { window, replaced } = mergeSession(existing, record.timestampMs, windows.gapMs);
    if (window.endMs + windows.gapMs + windows.graceMs <= watermarkMs) return false;
    let acc = aggregator.initialize();
    for (const old of replaced) {
      const storeKey = `${keyJson}|${old.startMs}`;
      const state = this.#state(storeKey);
      acc = aggregator.merge(acc, state.acc);
      this.#forget(storeKey, state);
    }
    const state: WindowState = {
      key: record.key,
      startMs: window.startMs,
      endMs: window.endMs,
      acc: aggregator.add(acc, record.value),
    };
    const storeKey = `${keyJson}|${window.startMs}`;
    this.#store.put(storeKey, state);
    this.#index(storeKey, state);
    if (this.#node.emit === 'updates') emitUpdate(this.#result(state));
    return true;
  }

  #index(storeKey: string, state: WindowState): void {
    const windows = this.#node.windows;
    const closeAt =
      windows.kind === 'session'
        ? state.endMs + windows.gapMs + windows.graceMs
        : state.endMs + windows.graceMs;
    this.#closeAt.set(storeKey, closeAt);
    this.#nextCloseMs = Math.min(this.#nextCloseMs, closeAt);
    if (windows.kind === 'session') {
      const keyJson = JSON.stringify(state.key);
      let set = this.#sessionsByKey.get(keyJson);
      if (set === undefined) {
        set = new Set();
        this.#sessionsByKey.set(keyJson, set);
      }
      set.add(storeKey);
    }
  }

  #forget(storeKey: string, state: WindowState): void {
    // A closed fixed window needs no tombstone: a restore drops it by the committed watermark
    // (restoreWatermark). A session's close is not implied by its key, and merged sessions must go.
    if (this.#node.windows.kind === 'session') this.#store.delete(storeKey);
    else this.#store.expire(storeKey);
    this.#closeAt.delete(storeKey);
    const keyJson = JSON.stringify(state.key);
    const set = this.#sessionsByKey.get(keyJson);
    if (set !== undefined) {
      set.delete(storeKey);
      if (set.size === 0) this.#sessionsByKey.delete(keyJson);
    }
  }

  #state(storeKey: string): WindowState {
    const state = this.#store.get(storeKey) as WindowState | undefined;
    if (state === undefined) throw new StadionError('INTERNAL', `window state ${storeKey} is missing`);
    return state;
  }

  #result(state: WindowState): StreamRecord<WindowResult<unknown>> {
    const endMs = this.#node.windows.kind === 'session' ? state.endMs + 1 : state.endMs;
    return {
      key: state.key,
      timestampMs: endMs - 1,
      value: {
        key: state.key,
        windowStartMs: state.startMs,
        windowEndMs: endMs,
        value: this.#node.aggregator.result(state.acc),
      },
    };
  }
}

/**
 * When the watermark closes the last window that needs a fixed window's or a pane's stored state,
 * from its store key alone (`<key JSON>|<start>` or `<key JSON>|p<pane start>`); undefined for a key
 * of another form. The runner uses it to forget mirrored changelog entries (no tombstones for these).
 */
export function storeKeyCloseMs(windows: FixedWindows, storeKey: string): number | undefined {
  const parsed = parseStoreKey(storeKey);
  // A window closes at end + grace; a pane's last window starts with it and ends a window size later.
  return parsed === undefined ? undefined : parsed.startMs + windows.sizeMs + windows.graceMs;
}

/** `<key JSON>|<start>` or `<key JSON>|p<pane start>`, as the operator builds store keys. */
function parseStoreKey(storeKey: string): { keyJson: string; startMs: number; pane: boolean } | undefined {
  const at = storeKey.lastIndexOf('|');
  if (at < 0) return undefined;
  const pane = storeKey.charCodeAt(at + 1) === 112; // 'p'
  const digits = storeKey.slice(at + (pane ? 2 : 1));
  const startMs = digits === '' ? Number.NaN : Number(digits);
  return Number.isFinite(startMs) ? { keyJson: storeKey.slice(0, at), startMs, pane } : undefined;
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
