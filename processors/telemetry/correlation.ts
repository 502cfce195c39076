/**
 * Incident correlation, pure: which opened alerts belong together, and what they have in common.
 *
 * Alerts opened close together in event time form a cluster: each opening within `clusterGapMs` of the
 * previous one joins it, and the cluster is decided once the watermark passes the last opening plus the
 * gap. A cluster is then split greedily into incidents, largest first, each with a root scope:
 * - `pop`: alerts at one point of presence on at least 2 feeds and 2 broadcasters (a network problem
 *   there, not one feed's or one broadcaster's);
 * - `feed`: one feed at at least 2 broadcasters (the feed's encoder or contribution link);
 * - `broadcaster`: one broadcaster on at least 2 feeds (its last mile);
 * - `pair`: a lone alert nothing else explains.
 * Ties go to the wider scope (pop, then feed, then broadcaster), then to the smaller scope id, so the
 * result depends only on the set of alerts. Alerts are taken in event-time order as the watermark reaches
 * them (CorrelationState), so the incidents depend only on the alerts, not on the order they arrived in
 * from the samples' partitions: a replay gives the same incidents.
 */
import type { SlaAlert } from '../../schemas/generated.ts';

export type IncidentScope = 'pop' | 'feed' | 'broadcaster' | 'pair';

/** Consecutive openings further apart than this start a new cluster. @default 15 s (ours: 1.5 windows) */
export const DEFAULT_CLUSTER_GAP_MS = 15_000;

export interface IncidentMember {
  readonly alertId: string;
  readonly feedId: string;
  readonly broadcasterId: string;
  readonly popId: string;
  readonly breachStartMs: number;
}

export interface Incident {
  /** `<scope>:<scopeId>:<startedMs>`. */
  readonly incidentId: string;
  readonly scope: IncidentScope;
  /** The POP, feed or broadcaster id; for `pair`, feedId/broadcasterId. */
  readonly scopeId: string;
  /** Earliest breach start of its alerts, ms. */
  readonly startedMs: number;
  /** When the cluster was decided (last opening + gap), ms. */
  readonly detectedMs: number;
  readonly popIds: readonly string[];
  readonly feeds: number;
  readonly broadcasters: number;
  readonly members: readonly IncidentMember[];
}

const SCOPE_RANK: Readonly<Record<IncidentScope, number>> = { pop: 0, feed: 1, broadcaster: 2, pair: 3 };

function distinct(members: readonly IncidentMember[], pick: (m: IncidentMember) => string): string[] {
  return [...new Set(members.map(pick))].sort();
}

function incidentOf(
  scope: IncidentScope,
  scopeId: string,
  members: readonly IncidentMember[],
  detectedMs: number,
): Incident {
  const startedMs = Math.min(...members.map((m) => m.breachStartMs));
  const sorted = [...members].sort((a, b) =>
    a.feedId === b.feedId ? (a.broadcasterId < b.broadcasterId ? -1 : 1) : a.feedId < b.feedId ? -1 : 1,
  );
  return {
    incidentId: `${scope}:${scopeId}:${startedMs}`,
    scope,
    scopeId,
    startedMs,
    detectedMs,
    popIds: distinct(members, (m) => m.popId),
    feeds: distinct(members, (m) => m.feedId).length,
    broadcasters: distinct(members, (m) => m.broadcasterId).length,
    members: sorted,
  };
}

interface Candidate {
  readonly scope: IncidentScope;
  readonly scopeId: string;
  readonly members: IncidentMember[];
}

function bestCandidate(members: readonly IncidentMember[]): Candidate | undefined {
  const groups = new Map<string, Candidate>();
  const add = (scope: IncidentScope, scopeId: string, member: IncidentMember): void => {
    const id = `${scope}\u0000${scopeId}`;
    const group = groups.get(id);
    if (group === undefined) groups.set(id, { scope, scopeId, members: [member] });
    else group.members.push(member);
  };
  for (const m of members) {
    add('pop', m.popId, m);
    add('feed', m.feedId, m);
    add('broadcaster', m.broadcasterId, m);
  }
  const eligible = [...groups.values()].filter((g) => {
    const feeds = distinct(g.members, (m) => m.feedId).length;
    const broadcasters = distinct(g.members, (m) => m.broadcasterId).length;
    if (g.scope === 'pop') return feeds >= 2 && broadcasters >= 2;
    if (g.scope === 'feed') return broadcasters >= 2;
    return feeds >= 2;
  });
  eligible.sort(
    (a, b) =>
      b.members.length - a.members.length ||
      SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope] ||
      (a.scopeId < b.scopeId ? -1 : a.scopeId > b.scopeId ? 1 : 0),
  );
  return eligible[0];
}

/** Splits one cluster of opened alerts into incidents (see the module comment). Pure. */
export function correlate(members: readonly IncidentMember[], detectedMs: number): Incident[] {
  const unique = new Map(members.map((m) => [m.alertId, m]));
  let remaining = [...unique.values()];
  const incidents: Incident[] = [];
  for (;;) {
    const best = bestCandidate(remaining);
    if (best === undefined) break;
    incidents.push(incidentOf(best.scope, best.scopeId, best.members, detectedMs));
    const taken = new Set(best.members.map((m) => m.alertId));
    remaining = remaining.filter((m) => !taken.has(m.alertId));
  }
  for (const m of [...remaining].sort((a, b) => (a.alertId < b.alertId ? -1 : 1)))
    incidents.push(incidentOf('pair', `${m.feedId}/${m.broadcasterId}`, [m], detectedMs));
  return incidents;
}

/** How long (event time) the ids of decided alerts are kept, to recognise repeats. @default 10 min */
export const REPEAT_HORIZON_MS = 600_000;

/** An opened alert waiting for the watermark, with the end of the window that opened it. */
export interface WaitingMember extends IncidentMember {
  readonly openedMs: number;
}

/**
 * The correlation state. Alerts may arrive out of event-time order (they come from many partitions), so
 * they wait until the watermark reaches them and are then taken in event-time order: the clusters, and so
 * the incidents, depend only on the alerts, not on how their arrival interleaved.
 */
export interface CorrelationState {
  /** Received, not yet reached by the watermark. */
  readonly waiting: readonly WaitingMember[];
  /** The cluster being gathered (alerts the watermark reached). */
  readonly members: readonly IncidentMember[];
  /** Event time of the cluster's last opening (the deciding window's end), ms. */
  readonly lastOpenedMs: number;
  /** The watermark alerts were taken up to; -Infinity before any (JSON: null). */
  readonly releasedUpToMs: number | null;
  /** Ids and opening times of alerts already taken, for REPEAT_HORIZON_MS: repeats are ignored. */
  readonly taken: ReadonlyArray<readonly [alertId: string, openedMs: number]>;
}

export const EMPTY_CORRELATION: CorrelationState = Object.freeze({
  waiting: [],
  members: [],
  lastOpenedMs: 0,
  releasedUpToMs: null,
  taken: [],
});

export function memberOf(alert: SlaAlert): IncidentMember {
  return {
    alertId: alert.alertId,
    feedId: alert.feedId,
    broadcasterId: alert.broadcasterId,
    popId: alert.popId,
    breachStartMs: alert.breachStartMs,
  };
}

type Step = { state: CorrelationState | undefined; incidents: Incident[] };

/**
 * Receives an opened alert. It waits for the watermark, unless it repeats one already received (an
 * upstream replay sends its alerts again: ignored) or the watermark has already passed it (late: it is
 * decided alone at once rather than dropped).
 */
export function correlationReceive(state: CorrelationState, alert: SlaAlert): Step {
  const id = alert.alertId;
  if (state.waiting.some((m) => m.alertId === id) || state.taken.some(([taken]) => taken === id))
    return { state, incidents: [] };
  const member = memberOf(alert);
  if (state.releasedUpToMs !== null && alert.windowEndMs <= state.releasedUpToMs) {
    return {
      state: { ...state, taken: [...state.taken, [id, alert.windowEndMs]] },
      incidents: correlate([member], state.releasedUpToMs),
    };
  }
  return {
    state: { ...state, waiting: [...state.waiting, { ...member, openedMs: alert.windowEndMs }] },
    incidents: [],
  };
}

/**
 * Takes the waiting alerts the watermark reached, in event-time order (ties by alert id): an alert
 * opened more than `gapMs` after the cluster's last opening decides the cluster first. Then decides the
 * cluster once the watermark passed its last opening + `gapMs`. Undefined state: nothing left to keep.
 */
export function correlationAtWatermark(state: CorrelationState, watermarkMs: number, gapMs: number): Step {
  const incidents: Incident[] = [];
  const reached = state.waiting
    .filter((m) => m.openedMs <= watermarkMs)
    .sort((a, b) => a.openedMs - b.openedMs || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
  let members = state.members;
  let lastOpenedMs = state.lastOpenedMs;
  for (const { openedMs, ...member } of reached) {
    if (members.length > 0 && openedMs - lastOpenedMs > gapMs) {
      incidents.push(...correlate(members, lastOpenedMs + gapMs));
      members = [];
    }
    lastOpenedMs = members.length === 0 ? openedMs : Math.max(lastOpenedMs, openedMs);
    members = [...members, member];
  }
  if (members.length > 0 && watermarkMs >= lastOpenedMs + gapMs) {
    incidents.push(...correlate(members, lastOpenedMs + gapMs));
    members = [];
  }
  const taken = [
    ...state.taken.filter(([, openedMs]) => openedMs > watermarkMs - REPEAT_HORIZON_MS),
    ...reached.map((m) => [m.alertId, m.openedMs] as const),
  ];
  const waiting =
    reached.length === 0 ? state.waiting : state.waiting.filter((m) => m.openedMs > watermarkMs);
  const next: CorrelationState = {
    waiting,
    members,
    lastOpenedMs: members.length === 0 ? 0 : lastOpenedMs,
    releasedUpToMs: Math.max(state.releasedUpToMs ?? watermarkMs, watermarkMs),
    taken,
  };
  const empty = waiting.length === 0 && members.length === 0 && taken.length === 0;
  return { state: empty ? undefined : next, incidents };
}
