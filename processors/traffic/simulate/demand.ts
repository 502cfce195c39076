/**
 * Travel demand: background traffic by time of day (morning and evening peaks over a daytime
 * plateau), arrival waves before venue sessions (inbound, peaking 50 minutes before the start) and
 * egress waves after them (outbound, peaking 15 minutes after the end). Pure.
 */
import type { Network, NetworkSegment } from './network.ts';

export interface VenueSession {
  readonly venue: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Vehicles bringing spectators (and taking them home), over all the venue's corridors. */
  readonly vehicles: number;
}

/** Background demand at the peak, as a share of the entry segment's capacity. */
export const BACKGROUND_PEAK_SHARE_INBOUND = 0.5;
export const BACKGROUND_PEAK_SHARE_OUTBOUND = 0.35;
/** Arrivals peak this long before a session starts, with this spread (normal), ms. */
export const ARRIVAL_LEAD_MS = 50 * 60_000;
export const ARRIVAL_SPREAD_MS = 20 * 60_000;
/** Departures peak this long after a session ends, with this spread (normal), ms. */
export const EGRESS_LAG_MS = 15 * 60_000;
export const EGRESS_SPREAD_MS = 10 * 60_000;

const HOUR_MS = 3_600_000;

function bump(x: number, mean: number, spread: number): number {
  const z = (x - mean) / spread;
  return Math.exp(-0.5 * z * z);
}

/** Background traffic by hour of day (UTC taken as local time), 0-1. */
export function timeOfDayProfile(timeMs: number): number {
  const hour = (((timeMs % 86_400_000) + 86_400_000) % 86_400_000) / HOUR_MS;
  const level = 0.08 + 0.55 * bump(hour, 8, 1.3) + 0.65 * bump(hour, 17.5, 1.8) + 0.3 * bump(hour, 13, 3);
  return Math.min(1, level);
}

function normalRatePerHour(timeMs: number, meanMs: number, spreadMs: number, total: number): number {
  const density = bump(timeMs, meanMs, spreadMs) / (spreadMs * Math.sqrt(2 * Math.PI));
  return total * density * HOUR_MS;
}

/**
 * Demand entering a corridor at its first segment, vehicles per hour: background plus the sessions'
 * arrival (inbound) or egress (outbound) waves, the corridor taking `corridorShare` of its venue's.
 */
export function entryDemandVehPerHour(
  head: NetworkSegment,
  timeMs: number,
  sessions: readonly VenueSession[],
  corridorShare: number,
): number {
  const peakShare = head.direction === 'in' ? BACKGROUND_PEAK_SHARE_INBOUND : BACKGROUND_PEAK_SHARE_OUTBOUND;
  let demand = peakShare * timeOfDayProfile(timeMs) * head.lanes * head.capacityVehPerHourPerLane;
  for (const session of sessions) {
    if (session.venue !== head.venue) continue;
    const vehicles = session.vehicles * corridorShare;
    demand +=
      head.direction === 'in'
        ? normalRatePerHour(timeMs, session.startMs - ARRIVAL_LEAD_MS, ARRIVAL_SPREAD_MS, vehicles)
        : normalRatePerHour(timeMs, session.endMs + EGRESS_LAG_MS, EGRESS_SPREAD_MS, vehicles);
  }
  return demand;
}

/**
 * Sessions spread over the day: per venue, `perVenue` sessions of two hours, evenly spaced and
 * staggered between venues by 20 minutes.
 */
export function planSessions(
  network: Network,
  dayStartMs: number,
  dayEndMs: number,
  perVenue: number,
  vehiclesPerSession: number,
): VenueSession[] {
  const sessions: VenueSession[] = [];
  const spanMs = dayEndMs - dayStartMs;
  network.venues.forEach((venue, v) => {
    for (let k = 0; k < perVenue; k += 1) {
      const middle = dayStartMs + (spanMs * (k + 1)) / (perVenue + 1);
      const startMs = Math.round((middle - HOUR_MS + v * 20 * 60_000) / 60_000) * 60_000;
      sessions.push({ venue, startMs, endMs: startMs + 2 * HOUR_MS, vehicles: vehiclesPerSession });
    }
  });
  return sessions;
}
