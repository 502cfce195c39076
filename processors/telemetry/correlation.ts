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
import { alertIdOf } from './sla.ts';

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

/**
 * An opened alert as the correlation state keeps it (compact: the state is one key, written to the
 * changelog at every flush that changed it): feed, broadcaster, POP, breach start, and the end of the
 * window that opened it. The alert id is `feedId/broadcasterId/breachStartMs` (sla.ts).
 */
export type StoredAlert = readonly [
  feedId: string,
  broadcasterId: string,
  popId: string,
  breachStartMs: number,
  openedMs: number,
];

/**
 * The correlation state. Alerts may arrive out of event-time order (they come from many partitions), so
 * they wait until the watermark reaches them and are then taken in event-time order: the clusters, and so
 * the incidents, depend only on the alerts, not on how their arrival interleaved.
 */
export interface CorrelationState {
  /** Received, not yet reached by the watermark. */
  readonly waiting: readonly StoredAlert[];
  /** The cluster being gathered (alerts the watermark reached). */
  readonly members: readonly StoredAlert[];
  /** Event time of the cluster's last opening (the deciding window's end), ms. */
  readonly lastOpenedMs: number;
  /** The watermark alerts were taken up to; null before any. */
  readonly releasedUpToMs: number | null;
}

export const EMPTY_CORRELATION: CorrelationState = Object.freeze({
  waiting: [],
  members: [],
  lastOpenedMs: 0,
  releasedUpToMs: null,
});

const storedOf = (alert: SlaAlert): StoredAlert => [
  alert.feedId,
  alert.broadcasterId,
  alert.popId,
  alert.breachStartMs,
  alert.windowEndMs,
];

const idOf = (a: StoredAlert): string => alertIdOf(a[0], a[1], a[3]);

const memberFrom = (a: StoredAlert): IncidentMember => ({
  alertId: idOf(a),
  feedId: a[0],
  broadcasterId: a[1],
  popId: a[2],
  breachStartMs: a[3],
});

type Step = { state: CorrelationState; incidents: Incident[] };

/**
 * Receives an opened alert. It waits for the watermark, unless it repeats one still waiting or in the
 * cluster (an upstream replay sends its uncommitted alerts again, always above the watermark: the
 * upstream commit that would move the watermark past them never happened), or the watermark has
 * already passed it (late, which the upstream watermark rules out: it is decided alone at once rather
 * than dropped).
 */
export function correlationReceive(state: CorrelationState, alert: SlaAlert): Step {
  const id = alertIdOf(alert.feedId, alert.broadcasterId, alert.breachStartMs);
  const same = (a: StoredAlert): boolean => idOf(a) === id;
  if (state.waiting.some(same) || state.members.some(same)) return { state, incidents: [] };
  if (state.releasedUpToMs !== null && alert.windowEndMs <= state.releasedUpToMs)
    return { state, incidents: correlate([memberFrom(storedOf(alert))], state.releasedUpToMs) };
  return { state: { ...state, waiting: [...state.waiting, storedOf(alert)] }, incidents: [] };
}

/**
 * Takes the waiting alerts the watermark reached, in event-time order (ties by alert id): an alert
 * opened more than `gapMs` after the cluster's last opening decides the cluster first. Then decides the
 * cluster once the watermark passed its last opening + `gapMs`.
 */
export function correlationAtWatermark(state: CorrelationState, watermarkMs: number, gapMs: number): Step {
  const incidents: Incident[] = [];
  const reached = state.waiting
    .filter((a) => a[4] <= watermarkMs)
    .map((a) => [a, idOf(a)] as const)
    .sort(([a, idA], [b, idB]) => a[4] - b[4] || (idA < idB ? -1 : idA > idB ? 1 : 0));
  let members = state.members;
  let lastOpenedMs = state.lastOpenedMs;
  for (const [alert] of reached) {
    const openedMs = alert[4];
    if (members.length > 0 && openedMs - lastOpenedMs > gapMs) {
      incidents.push(...correlate(members.map(memberFrom), lastOpenedMs + gapMs));
      members = [];
    }
    lastOpenedMs = members.length === 0 ? openedMs : Math.max(lastOpenedMs, openedMs);
    members = [...members, alert];
  }
  if (members.length > 0 && watermarkMs >= lastOpenedMs + gapMs) {
    incidents.push(...correlate(members.map(memberFrom), lastOpenedMs + gapMs));
    members = [];
  }
  return {
    state: {
      waiting: reached.length === 0 ? state.waiting : state.waiting.filter((a) => a[4] > watermarkMs),
      members,
      lastOpenedMs: members.length === 0 ? 0 : lastOpenedMs,
      releasedUpToMs: Math.max(state.releasedUpToMs ?? watermarkMs, watermarkMs),
    },
    incidents,
  };
}
