/**
 * Per segment and window: the sums of the healthy interval data (mergeable, JSON) and what they
 * mean: flow (vehicles per hour, in total and per lane, from counts over the lane-intervals that
 * reported), occupancy, density (from occupancy and the effective vehicle length), space-mean speed
 * (the harmonic mean of the vehicles' speeds: vehicles / sum of count / speed; flow / density when no
 * vehicle was timed), level of service (HCM density thresholds, heavy vehicles as two cars) and
 * vehicle-hours of delay against free flow (window hours x lanes x length x (density - flow per lane /
 * free-flow speed): hours spent minus the hours the same distance takes at free-flow speed; an
 * unbiased estimate, so it can be slightly negative in free flow). Pure.
 */
import type { Aggregator } from '../../engine/aggregate/aggregator.ts';
import type { WindowResult } from '../../engine/topology/builder.ts';
import type { SegmentInterval } from './faults.ts';
import { losOf, type Los } from './los.ts';

/**
 * The accumulator: sums in a flat array (it is stored per key and window, and written to the
 * changelog at every flush, so it is kept small), then the segment's lanes, length, free-flow speed
 * and zone. The scenario and segment are the window's key.
 */
export type SegmentWindowAcc = [
  intervals: number,
  laneReadings: number,
  /** Sum of laneReadings x interval length, seconds. */
  laneSeconds: number,
  vehicles: number,
  occupancySumPct: number,
  densitySumVehPerKm: number,
  heavyVehicles: number,
  speedVehicles: number,
  speedHoursPerKm: number,
  excludedReadings: number,
  missingReadings: number,
  lanes: number,
  lengthM: number,
  freeFlowSpeedKmh: number,
  venueZone: string | null,
];

/** Entries 0-10 are sums. */
const SUMS = 11;

const EMPTY: SegmentWindowAcc = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null];

function mergeAcc(a: SegmentWindowAcc, b: SegmentWindowAcc): SegmentWindowAcc {
  const merged = [...(b[0] > 0 ? b : a)] as SegmentWindowAcc;
  for (let i = 0; i < SUMS; i += 1) merged[i] = (a[i] as number) + (b[i] as number);
  return merged;
}

export const segmentWindowAggregator: Aggregator<SegmentInterval, SegmentWindowAcc, SegmentWindowAcc> =
  Object.freeze({
    kind: 'segment-window',
    initialize: () => EMPTY,
    add: (a: SegmentWindowAcc, i: SegmentInterval): SegmentWindowAcc => [
      a[0] + 1,
      a[1] + i.laneReadings,
      a[2] + i.laneReadings * i.intervalS,
      a[3] + i.vehicles,
      a[4] + i.occupancySumPct,
      a[5] + i.densitySumVehPerKm,
      a[6] + i.heavyVehicles,
      a[7] + i.speedVehicles,
      a[8] + i.speedHoursPerKm,
      a[9] + i.excludedReadings,
      a[10] + i.missingReadings,
      i.lanes,
      i.lengthM,
      i.freeFlowSpeedKmh,
      i.venueZone,
    ],
    merge: mergeAcc,
    result: (acc: SegmentWindowAcc) => acc,
  });

/** What a segment window measured. Measures are null when no healthy reading covered the window. */
export interface SegmentWindow {
  readonly scenarioId: string;
  readonly segmentId: string;
  readonly venueZone: string | null;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly windowS: number;
  readonly lanes: number;
  readonly intervals: number;
  readonly laneReadings: number;
  readonly vehicles: number;
  readonly flowVehPerHour: number | null;
  readonly flowVehPerHourPerLane: number | null;
  readonly occupancyPct: number | null;
  readonly densityVehPerKmPerLane: number | null;
  readonly speedKmh: number | null;
  readonly heavyVehicleShare: number | null;
  readonly los: Los | null;
  readonly delayVehH: number | null;
  readonly excludedReadings: number;
  readonly missingReadings: number;
}

/** The scenario and segment of a key `scenarioId/segmentId`. */
export function splitKey(key: string | null): { scenarioId: string; segmentId: string } {
  const k = key ?? '';
  const at = k.indexOf('/');
  return at < 0
    ? { scenarioId: '', segmentId: k }
    : { scenarioId: k.slice(0, at), segmentId: k.slice(at + 1) };
}

export function measureWindow(w: WindowResult<SegmentWindowAcc>): SegmentWindow {
  const [intervals, laneReadings, laneSeconds, vehicles, occupancySum, densitySum, heavyVehicles] = w.value;
  const [speedVehicles, speedHours, excluded, missing, lanes, lengthM, freeFlowSpeedKmh, venueZone] =
    w.value.slice(7) as [number, number, number, number, number, number, number, string | null];
  const { scenarioId, segmentId } = splitKey(w.key);
  const windowS = (w.windowEndMs - w.windowStartMs) / 1000;
  const has = laneReadings > 0;
  const perLane = has ? vehicles / (laneSeconds / 3600) : null;
  const density = has ? densitySum / laneReadings : null;
  const heavyShare = vehicles > 0 ? heavyVehicles / vehicles : has ? 0 : null;
  const speed =
    speedHours > 0
      ? speedVehicles / speedHours
      : perLane !== null && density !== null && density > 0
        ? Math.min(freeFlowSpeedKmh, perLane / density)
        : null;
  const delay =
    perLane !== null && density !== null && freeFlowSpeedKmh > 0
      ? (windowS / 3600) * lanes * (lengthM / 1000) * (density - perLane / freeFlowSpeedKmh)
      : null;
  return {
    scenarioId,
    segmentId,
    venueZone,
    windowStartMs: w.windowStartMs,
    windowEndMs: w.windowEndMs,
    windowS,
    lanes,
    intervals,
    laneReadings,
    vehicles,
    flowVehPerHour: perLane === null ? null : perLane * lanes,
    flowVehPerHourPerLane: perLane,
    occupancyPct: has ? occupancySum / laneReadings : null,
    densityVehPerKmPerLane: density,
    speedKmh: speed,
    heavyVehicleShare: heavyShare,
    los: density === null ? null : losOf(density, heavyShare ?? 0),
    delayVehH: delay,
    excludedReadings: excluded,
    missingReadings: missing,
  };
}
