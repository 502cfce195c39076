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
 * result depends only on the set of alerts. Fed in a deterministic order by the topology, the whole
 * process is a function of its input: a replay gives the same incidents.
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

/** The correlation state: the cluster being gathered. */
export interface CorrelationState {
  readonly members: readonly IncidentMember[];
  /** Event time of the last opening (the deciding window's end), ms. */
  readonly lastOpenedMs: number;
}

export function memberOf(alert: SlaAlert): IncidentMember {
  return {
    alertId: alert.alertId,
    feedId: alert.feedId,
    broadcasterId: alert.broadcasterId,
    popId: alert.popId,
    breachStartMs: alert.breachStartMs,
  };
}

/**
 * Adds an opened alert; when it opened more than `gapMs` after the cluster's last opening, the cluster
 * is decided first (returned in `incidents`).
 */
export function correlationAdd(
  state: CorrelationState | undefined,
  alert: SlaAlert,
  gapMs: number,
): { state: CorrelationState; incidents: Incident[] } {
  const member = memberOf(alert);
  if (state === undefined || state.members.length === 0)
    return { state: { members: [member], lastOpenedMs: alert.windowEndMs }, incidents: [] };
  if (alert.windowEndMs - state.lastOpenedMs > gapMs) {
    return {
      state: { members: [member], lastOpenedMs: alert.windowEndMs },
      incidents: correlate(state.members, state.lastOpenedMs + gapMs),
    };
  }
  return {
    state: {
      members: [...state.members, member],
      lastOpenedMs: Math.max(state.lastOpenedMs, alert.windowEndMs),
    },
    incidents: [],
  };
}

/** Decides the cluster once the watermark passed its last opening + `gapMs`; otherwise keeps it. */
export function correlationAtWatermark(
  state: CorrelationState,
  watermarkMs: number,
  gapMs: number,
): { state: CorrelationState | undefined; incidents: Incident[] } {
  if (state.members.length === 0) return { state: undefined, incidents: [] };
  if (watermarkMs < state.lastOpenedMs + gapMs) return { state, incidents: [] };
  return { state: undefined, incidents: correlate(state.members, state.lastOpenedMs + gapMs) };
}
