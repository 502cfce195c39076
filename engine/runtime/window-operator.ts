/**
 * Windowed aggregation for one task: accumulators per (key, window) in a keyed store, so window state
 * is changelogged and restored like any other state. Tumbling and hopping windows close when the
 * watermark reaches end + grace; session windows when it reaches last event + gap + grace. A record
 * whose every window is already closed is late: the caller routes it to the late output.
 */
import { StadionError } from '../errors.ts';
import type { GraphNode } from '../topology/graph.ts';
import type { StreamRecord } from '../topology/record.ts';
import type { WindowResult } from '../topology/builder.ts';
import type { KeyedStore } from '../state/keyed-store.ts';
import { mergeSession, type SessionWindow } from '../windows/index.ts';

type WindowNode = Extract<GraphNode, { kind: 'window' }>;

/** What the store holds per (key, window). */
interface WindowState {
  readonly key: string | null;
  readonly startMs: number;
  /** Exclusive end for fixed windows; last event time (inclusive) for sessions. */
  readonly endMs: number;
  readonly acc: unknown;
}

type EmitResult = (record: StreamRecord<WindowResult<unknown>>) => void;

export class WindowOperator {
  readonly #node: WindowNode;
  readonly #store: KeyedStore;
  /** Close time per store key; rebuilt from the store on restore. */
  readonly #closeAt = new Map<string, number>();
  /** Session store keys per record key, for merging. */
  readonly #sessionsByKey = new Map<string, Set<string>>();
  #nextCloseMs = Number.POSITIVE_INFINITY;

  constructor(node: WindowNode, store: KeyedStore) {
    this.#node = node;
    this.#store = store;
  }

  /** Adds the record to its windows. Returns false when every window it belongs to is closed (late). */
  add(record: StreamRecord<unknown>, watermarkMs: number, emitUpdate: EmitResult): boolean {
    return this.#node.windows.kind === 'session'
      ? this.#addToSession(record, watermarkMs, emitUpdate)
      : this.#addToFixed(record, watermarkMs, emitUpdate);
  }

  /** Emits (in final mode) and forgets every window whose close time the watermark reached. */
  closeUpTo(watermarkMs: number, emit: EmitResult): void {
    if (watermarkMs < this.#nextCloseMs) return;
    const due: Array<[string, WindowState]> = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [storeKey, closeAt] of this.#closeAt) {
      if (closeAt <= watermarkMs) due.push([storeKey, this.#state(storeKey)]);
      else next = Math.min(next, closeAt);
    }
    this.#nextCloseMs = next;
    due.sort(([, a], [, b]) => a.endMs - b.endMs || a.startMs - b.startMs || compareKeys(a.key, b.key));
    for (const [storeKey, state] of due) {
      this.#forget(storeKey, state);
      if (this.#node.emit === 'final') emit(this.#result(state));
    }
  }

  /** Rebuilds the close-time and session indexes from the store (after a restore). */
  reindex(): void {
    this.#closeAt.clear();
    this.#sessionsByKey.clear();
    this.#nextCloseMs = Number.POSITIVE_INFINITY;
    for (const [storeKey, value] of this.#store.entries()) this.#index(storeKey, value as WindowState);
  }

  #addToFixed(record: StreamRecord<unknown>, watermarkMs: number, emitUpdate: EmitResult): boolean {
    const windows = this.#node.windows;
    if (windows.kind === 'session')
      throw new StadionError('INTERNAL', 'fixed window path on session windows');
    const { aggregator } = this.#node;
    let accepted = false;
    for (const window of windows.windowsFor(record.timestampMs)) {
      if (windows.isClosed(window, watermarkMs)) continue;
      accepted = true;
      const storeKey = `${JSON.stringify(record.key)}|${window.startMs}`;
      const existing = this.#store.get(storeKey) as WindowState | undefined;
      const state: WindowState = {
        key: record.key,
        startMs: window.startMs,
        endMs: window.endMs,
        acc: aggregator.add(existing?.acc ?? aggregator.initialize(), record.value),
      };
      this.#store.put(storeKey, state);
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
    this.#store.delete(storeKey);
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

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
