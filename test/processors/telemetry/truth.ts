/**
 * Checks a run's alerts and incidents against the simulator's ground truth (shared by the TestDriver,
 * integration and restart tests). Returns human-readable problems; an empty list means the run is right.
 */
import type { Incident } from '../../../processors/telemetry/correlation.ts';
import type { InjectedIncident } from '../../../processors/telemetry/simulate/index.ts';

/** The fields of an alert the check needs (the Avro record, or a ClickHouse row mapped to it). */
export interface AlertLike {
  readonly alertId: string;
  readonly kind: 'OPENED' | 'CLEARED';
  readonly feedId: string;
  readonly broadcasterId: string;
  readonly breachStartMs: number;
  readonly windowEndMs: number;
}

export type IncidentLike = Pick<Incident, 'scope' | 'scopeId' | 'startedMs'> & {
  readonly pairs: readonly string[];
};

/** The alert window, ms (an incident longer than this must alert). */
const WINDOW_MS = 10_000;

export function truthProblems(
  truth: readonly InjectedIncident[],
  alerts: readonly AlertLike[],
  incidents: readonly IncidentLike[],
): string[] {
  const problems: string[] = [];
  const explained = new Set<string>();
  for (const injected of truth) {
    const during = alerts.filter(
      (a) =>
        injected.pairs.includes(`${a.feedId}/${a.broadcasterId}`) &&
        a.breachStartMs >= injected.startMs - WINDOW_MS &&
        a.breachStartMs < injected.endMs,
    );
    for (const a of during) explained.add(a.alertId);
    if (injected.blip) {
      if (during.length > 0) problems.push(`${injected.id}: ${during.length} alert records for a blip`);
      continue;
    }
    for (const pair of injected.pairs) {
      const opened = during.filter((a) => a.kind === 'OPENED' && `${a.feedId}/${a.broadcasterId}` === pair);
      const cleared = during.filter((a) => a.kind === 'CLEARED' && `${a.feedId}/${a.broadcasterId}` === pair);
      if (opened.length !== 1) problems.push(`${injected.id}: ${pair} opened ${opened.length} alerts`);
      if (cleared.length !== 1) problems.push(`${injected.id}: ${pair} cleared ${cleared.length} alerts`);
      const clear = cleared[0];
      if (clear !== undefined && clear.windowEndMs <= injected.endMs)
        problems.push(
          `${injected.id}: ${pair} cleared at ${clear.windowEndMs}, before the end ${injected.endMs}`,
        );
    }
    const matching = incidents.filter(
      (i) =>
        i.scope === injected.kind &&
        i.scopeId === injected.scopeId &&
        i.startedMs >= injected.startMs - WINDOW_MS &&
        i.startedMs < injected.endMs,
    );
    if (matching.length !== 1)
      problems.push(
        `${injected.id}: ${matching.length} incidents with scope ${injected.kind} ${injected.scopeId}`,
      );
    else if ([...(matching[0]?.pairs ?? [])].sort().join() !== [...injected.pairs].sort().join())
      problems.push(`${injected.id}: the incident's pairs differ from the injected ones`);
  }
  const unexplained = alerts.filter((a) => !explained.has(a.alertId));
  if (unexplained.length > 0)
    problems.push(
      `${unexplained.length} alert records outside any incident, e.g. ${unexplained[0]?.alertId ?? ''}`,
    );
  const injectedScopes = truth.filter((t) => !t.blip).length;
  if (incidents.length !== injectedScopes)
    problems.push(`${incidents.length} incidents for ${injectedScopes} injected`);
  return problems;
}
