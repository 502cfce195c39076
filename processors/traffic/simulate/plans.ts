/**
 * Traffic plans (scenarios): 'baseline' changes nothing; 'closure' closes the last two inbound
 * segments of the first venue's first corridor from three hours before its first session until an
 * hour after its last, and diverts that corridor's traffic onto the next corridor at the junction
 * before the closure. Pure.
 */
import type { TrafficScenario } from '../../../schemas/generated.ts';
import type { VenueSession } from './demand.ts';
import { segmentIdOf, type Network } from './network.ts';

export const PLAN_NAMES = ['baseline', 'closure'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export function isPlanName(value: string): value is PlanName {
  return (PLAN_NAMES as readonly string[]).includes(value);
}

export function buildPlan(
  plan: PlanName,
  network: Network,
  sessions: readonly VenueSession[],
  dayStartMs: number,
  dayEndMs: number,
): TrafficScenario {
  const base = { scenarioId: plan, dayStartMs, dayEndMs };
  const venue = network.venues[0];
  const own = sessions.filter((s) => s.venue === venue);
  if (plan === 'baseline' || venue === undefined || own.length === 0 || network.corridorsPerVenue < 2) {
    return {
      ...base,
      name: 'Baseline',
      description: 'No closures or diversions.',
      closures: [],
      diversions: [],
    };
  }
  const n = network.segmentsPerCorridor;
  const fromMs = Math.max(dayStartMs, Math.min(...own.map((s) => s.startMs)) - 3 * 3_600_000);
  const toMs = Math.min(dayEndMs, Math.max(...own.map((s) => s.endMs)) + 3_600_000);
  const closed = [n - 2, n - 1].map((p) => segmentIdOf(venue, 0, 'in', p));
  return {
    ...base,
    name: `Closure at ${venue}`,
    description: `Closes ${closed.join(' and ')} around the sessions and diverts road 1's inbound traffic onto road 2.`,
    closures: closed.map((segmentId) => ({ segmentId, fromMs, toMs })),
    diversions: [
      {
        fromSegmentId: segmentIdOf(venue, 0, 'in', n - 3),
        toSegmentId: segmentIdOf(venue, 1, 'in', n - 2),
        share: 1,
        fromMs,
        toMs,
      },
    ],
  };
}
