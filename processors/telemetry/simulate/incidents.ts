/**
 * Injected incidents with their ground truth: what kind, which POP / feed / broadcaster, when, and exactly
 * which (feed, broadcaster) pairs it degrades (those live for the whole incident and a margin around it,
 * so that every affected pair has clean windows before and after).
 */
import type { Rng } from '../../shared/random.ts';
import { createRng, deriveSeed } from '../../shared/random.ts';
import type { ResolvedOptions } from './options.ts';
import { isLiveThroughout, type SimPair, type SimWorld } from './world.ts';

export type IncidentKind = 'pop' | 'feed' | 'broadcaster';

export interface IncidentEffect {
  /** RTT multiplier (network incidents). */
  readonly rttFactor: number;
  /** Loss ratio while degraded (network incidents), or null to keep the background loss. */
  readonly lossRatio: number | null;
  /** Share of lost packets never recovered (dropped as too late). */
  readonly dropShareOfLost: number;
  /** Bandwidth estimate multiplier. */
  readonly bandwidthFactor: number;
  /** Video bitrate multiplier (encoder faults). */
  readonly bitrateFactor: number;
  /** Share of frames dropped (encoder faults). */
  readonly framesDroppedShare: number;
  /** Continuity-count errors per interval (encoder faults). */
  readonly ccErrorsPerInterval: number;
}

export interface InjectedIncident {
  /** `<kind>-<n>` or `blip-<n>`. */
  readonly id: string;
  readonly kind: IncidentKind;
  /** True for a blip: shorter than a window, must raise no alert. */
  readonly blip: boolean;
  /** The POP, feed or broadcaster id. */
  readonly scopeId: string;
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
  /** The degraded pairs, as `feedId/broadcasterId`. */
  readonly pairs: readonly string[];
  readonly effect: IncidentEffect;
}

/** Margins around an incident in which its pairs must stay live (clean windows before and after). */
export const LIVE_MARGIN_BEFORE_MS = 20_000;
export const LIVE_MARGIN_AFTER_MS = 30_000;

export const pairKey = (p: SimPair): string => `${p.feed.entry.feedId}/${p.broadcaster.broadcasterId}`;

function effectOf(kind: IncidentKind, rng: Rng): IncidentEffect {
  const none = {
    rttFactor: 1,
    lossRatio: null,
    dropShareOfLost: 0,
    bandwidthFactor: 1,
    bitrateFactor: 1,
    framesDroppedShare: 0,
    ccErrorsPerInterval: 0,
  };
  switch (kind) {
    case 'pop':
      return {
        ...none,
        rttFactor: rng.uniform(2.5, 3.5),
        lossRatio: rng.uniform(0.04, 0.08),
        dropShareOfLost: rng.uniform(0.03, 0.06),
        bandwidthFactor: rng.uniform(0.3, 0.6),
      };
    case 'broadcaster':
      return {
        ...none,
        rttFactor: rng.uniform(1.1, 1.4),
        lossRatio: rng.uniform(0.05, 0.12),
        dropShareOfLost: rng.uniform(0.03, 0.06),
        bandwidthFactor: rng.uniform(0.05, 0.15),
      };
    case 'feed':
      return {
        ...none,
        bitrateFactor: rng.uniform(0.2, 0.4),
        framesDroppedShare: rng.uniform(0.1, 0.4),
        ccErrorsPerInterval: rng.integer(1, 5),
      };
  }
}

function pick<T>(rng: Rng, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[rng.integer(0, items.length - 1)];
}

/** The pairs an incident of `kind` would degrade, chosen among pairs live for `[fromMs, toMs)`. */
function target(
  kind: IncidentKind,
  rng: Rng,
  live: readonly SimPair[],
): { scopeId: string; pairs: SimPair[] } | undefined {
  const groupBy = (keyOf: (p: SimPair) => string): Map<string, SimPair[]> => {
    const groups = new Map<string, SimPair[]>();
    for (const p of live) groups.set(keyOf(p), [...(groups.get(keyOf(p)) ?? []), p]);
    return groups;
  };
  const distinctCount = (pairs: readonly SimPair[], keyOf: (p: SimPair) => string): number =>
    new Set(pairs.map(keyOf)).size;
  const byFeed = (p: SimPair): string => p.feed.entry.feedId;
  const byBroadcaster = (p: SimPair): string => p.broadcaster.broadcasterId;
  let candidates: Array<[string, SimPair[]]>;
  if (kind === 'pop')
    candidates = [...groupBy((p) => p.broadcaster.popId)].filter(
      ([, ps]) => distinctCount(ps, byFeed) >= 3 && distinctCount(ps, byBroadcaster) >= 2,
    );
  else if (kind === 'feed')
    candidates = [...groupBy(byFeed)].filter(([, ps]) => distinctCount(ps, byBroadcaster) >= 3);
  else candidates = [...groupBy(byBroadcaster)].filter(([, ps]) => distinctCount(ps, byFeed) >= 3);
  candidates.sort(([a], [b]) => (a < b ? -1 : 1));
  const chosen = pick(rng, candidates);
  return chosen === undefined ? undefined : { scopeId: chosen[0], pairs: chosen[1] };
}

/** Places the incidents and blips one after another from 30 s in, each followed by a quiet gap. */
export function placeIncidents(o: ResolvedOptions, world: SimWorld): InjectedIncident[] {
  const rng = createRng(deriveSeed(o.seed, 'incidents'));
  const kinds: Array<{ kind: IncidentKind; blip: boolean }> = [
    ...Array.from({ length: o.incidents.pop }, () => ({ kind: 'pop' as const, blip: false })),
    ...Array.from({ length: o.incidents.feed }, () => ({ kind: 'feed' as const, blip: false })),
    ...Array.from({ length: o.incidents.broadcaster }, () => ({ kind: 'broadcaster' as const, blip: false })),
  ];
  const blipKinds: IncidentKind[] = ['pop', 'feed', 'broadcaster'];
  for (let i = 0; i < o.incidents.blip; i += 1)
    kinds.splice(rng.integer(0, kinds.length), 0, { kind: blipKinds[i % 3] ?? 'pop', blip: true });
  const endOfRunMs = o.startMs + o.durationS * 1000;
  const placed: InjectedIncident[] = [];
  let cursor = o.startMs + 30_000;
  const counters = new Map<string, number>();
  for (const { kind, blip } of kinds) {
    const [lo, hi] = blip ? o.blipDurationS : o.incidentDurationS;
    const durationMs = Math.round(rng.uniform(lo, hi) * 1000);
    const startMs = cursor + rng.integer(0, 9_999);
    const endMs = startMs + durationMs;
    if (endMs + LIVE_MARGIN_AFTER_MS > endOfRunMs) break;
    cursor = endMs + o.gapS * 1000;
    const live = world.pairs.filter((p) =>
      isLiveThroughout(p.feed, startMs - LIVE_MARGIN_BEFORE_MS, endMs + LIVE_MARGIN_AFTER_MS),
    );
    const chosen = target(kind, rng, live);
    if (chosen === undefined) continue;
    const label = blip ? 'blip' : kind;
    const n = (counters.get(label) ?? 0) + 1;
    counters.set(label, n);
    placed.push({
      id: `${label}-${n}`,
      kind,
      blip,
      scopeId: chosen.scopeId,
      startMs,
      endMs,
      pairs: chosen.pairs.map(pairKey).sort(),
      effect: effectOf(kind, rng),
    });
  }
  return placed;
}
