/**
 * A seeded road network around venues: per venue, `corridorsPerVenue` approach roads, each with an
 * inbound chain of segments (position 0 far out, the last one at the venue) and an outbound chain
 * (position 0 at the venue). Segments near the venue form the venue's inner zone, the rest its outer
 * zone. Inner segments are narrower and slower (2 lanes, 50 km/h) than outer ones (3 lanes, 70 km/h);
 * the outbound chain has a signalised bottleneck halfway out, where egress queues form. Next to the
 * venue, each inbound corridor has a junction onto the next corridor's inner segments: the link a
 * diversion uses. Pure.
 */
import type { TrafficSegment } from '../../../schemas/generated.ts';
import { createRng, deriveSeed } from '../../shared/random.ts';

export interface NetworkOptions {
  /** @default NETWORK_DEFAULTS.venues */
  readonly venues?: number;
  /** Approach roads per venue. @default NETWORK_DEFAULTS.corridorsPerVenue */
  readonly corridorsPerVenue?: number;
  /** Segments per corridor and direction (at least 4). @default NETWORK_DEFAULTS.segmentsPerCorridor */
  readonly segmentsPerCorridor?: number;
  /** @default 1 */
  readonly seed?: number;
}

export const NETWORK_DEFAULTS = {
  venues: 4,
  corridorsPerVenue: 4,
  segmentsPerCorridor: 10,
} as const;

export const VENUE_NAMES = ['stadium', 'arena', 'aquatics', 'velodrome', 'park', 'dome', 'hall', 'field'];

/** A network segment with what the simulator needs beyond the published record. */
export interface NetworkSegment extends TrafficSegment {
  readonly venue: string;
  readonly corridorIndex: number;
  readonly direction: 'in' | 'out';
  /** Segments between this one and the venue (0 = next to it). */
  readonly rankFromVenue: number;
  /** Share of heavy vehicles in this segment's traffic, 0-1. */
  readonly heavyVehicleShare: number;
  /** Relative traffic of each lane (mean 1), nearside first. */
  readonly laneWeights: readonly number[];
}

export interface Network {
  readonly venues: readonly string[];
  readonly corridorsPerVenue: number;
  readonly segmentsPerCorridor: number;
  readonly segments: readonly NetworkSegment[];
}

export function corridorIdOf(venue: string, corridor: number, direction: 'in' | 'out'): string {
  return `${venue}-c${corridor + 1}-${direction}`;
}

export function segmentIdOf(
  venue: string,
  corridor: number,
  direction: 'in' | 'out',
  position: number,
): string {
  return `${corridorIdOf(venue, corridor, direction)}-${String(position).padStart(2, '0')}`;
}

export function buildNetwork(options: NetworkOptions = {}): Network {
  const venueCount = options.venues ?? NETWORK_DEFAULTS.venues;
  const corridors = options.corridorsPerVenue ?? NETWORK_DEFAULTS.corridorsPerVenue;
  const perCorridor = Math.max(4, options.segmentsPerCorridor ?? NETWORK_DEFAULTS.segmentsPerCorridor);
  const rng = createRng(deriveSeed(options.seed ?? 1, 'traffic-network'));
  const venues = Array.from({ length: venueCount }, (_, i) =>
    i < VENUE_NAMES.length ? (VENUE_NAMES[i] ?? `venue${i}`) : `venue${i + 1}`,
  );
  const innerRanks = Math.floor(perCorridor / 2);
  const segments: NetworkSegment[] = [];
  for (const venue of venues) {
    for (let c = 0; c < corridors; c += 1) {
      const heavy = rng.uniform(0.04, 0.12);
      for (const direction of ['in', 'out'] as const) {
        for (let position = 0; position < perCorridor; position += 1) {
          const rank = direction === 'in' ? perCorridor - 1 - position : position;
          const inner = rank < innerRanks;
          const bottleneck = direction === 'out' && rank === innerRanks;
          const lanes = inner || bottleneck ? 2 : 3;
          const raw = Array.from({ length: lanes }, () => rng.uniform(0.85, 1.15));
          const mean = raw.reduce((a, b) => a + b, 0) / lanes;
          const id = segmentIdOf(venue, c, direction, position);
          const upstream = position > 0 ? [segmentIdOf(venue, c, direction, position - 1)] : [];
          const downstream =
            position < perCorridor - 1 ? [segmentIdOf(venue, c, direction, position + 1)] : [];
          // The diversion junction: from the third-last inbound segment onto the next corridor.
          if (direction === 'in' && corridors > 1 && position === perCorridor - 3)
            downstream.push(segmentIdOf(venue, (c + 1) % corridors, 'in', perCorridor - 2));
          if (direction === 'in' && corridors > 1 && position === perCorridor - 2)
            upstream.push(segmentIdOf(venue, (c + corridors - 1) % corridors, 'in', perCorridor - 3));
          segments.push({
            segmentId: id,
            name: `${venue} road ${c + 1} ${direction === 'in' ? 'inbound' : 'outbound'} #${position + 1}`,
            corridorId: corridorIdOf(venue, c, direction),
            position,
            lengthM: Math.round(rng.uniform(350, 700)),
            lanes,
            freeFlowSpeedKmh: inner ? 50 : 70,
            capacityVehPerHourPerLane: bottleneck ? 1_400 : inner ? 1_800 : 1_900,
            venueZone: `${venue}-${inner ? 'inner' : 'outer'}`,
            upstreamSegmentIds: upstream,
            downstreamSegmentIds: downstream,
            venue,
            corridorIndex: c,
            direction,
            rankFromVenue: rank,
            heavyVehicleShare: heavy,
            laneWeights: raw.map((w) => w / mean),
          });
        }
      }
    }
  }
  return { venues, corridorsPerVenue: corridors, segmentsPerCorridor: perCorridor, segments };
}

/** The published record of a segment (what goes to traffic.segments). */
export function publishedSegment(segment: NetworkSegment): TrafficSegment {
  return {
    segmentId: segment.segmentId,
    name: segment.name,
    corridorId: segment.corridorId,
    position: segment.position,
    lengthM: segment.lengthM,
    lanes: segment.lanes,
    freeFlowSpeedKmh: segment.freeFlowSpeedKmh,
    capacityVehPerHourPerLane: segment.capacityVehPerHourPerLane,
    venueZone: segment.venueZone,
    upstreamSegmentIds: segment.upstreamSegmentIds,
    downstreamSegmentIds: segment.downstreamSegmentIds,
  };
}
