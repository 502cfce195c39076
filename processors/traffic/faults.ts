/**
 * Sensor health: per segment (key scenario/segment), readings are held for `holdIntervals` intervals
 * (in event time) so that a fault is known before the readings it spoils are released. Then each
 * interval is released as one `SegmentInterval` built from the healthy lane readings only, and fault
 * episodes are reported as they open and close:
 *
 * - stuck at zero: a lane reports no vehicles and zero occupancy while its neighbouring lanes carry
 *   traffic. A run of zero readings is flagged once the vehicles the lane should have seen (the mean
 *   count of the other lanes, summed over the run, looking ahead through the held readings) reach
 *   `stuckExpectedVehicles` (the chance of a real lane seeing none of 12 expected vehicles is 6e-6).
 *   Its zero readings are excluded from that point of the run on; at night, when the other lanes are
 *   empty too, zeros are plausible and are kept.
 * - missing: a lane with no reading for an interval (a lost reading, or a silent sensor). Missing
 *   readings simply have no data; a run of at least `missingMinIntervals` is reported as a fault.
 *
 * A pure function of the partition's records and the state (held readings are state), so a replay
 * reproduces it exactly.
 */
import type { ProcessorSpec } from '../../engine/topology/graph.ts';
import type { TrafficLaneReading, TrafficReading, TrafficSegment } from '../../schemas/generated.ts';
import { densityFromOccupancy } from './loop-detector.ts';
import { splitKey } from './segment-window.ts';

export interface SensorHealthOptions {
  /** Intervals a reading is held before release (the look-ahead of fault detection). @default SENSOR_HEALTH_DEFAULTS.holdIntervals */
  readonly holdIntervals?: number;
  /** Expected vehicles a zero run must miss to count as stuck. @default SENSOR_HEALTH_DEFAULTS.stuckExpectedVehicles */
  readonly stuckExpectedVehicles?: number;
  /** Missing intervals in a row reported as a fault. @default SENSOR_HEALTH_DEFAULTS.missingMinIntervals */
  readonly missingMinIntervals?: number;
}

export const SENSOR_HEALTH_DEFAULTS = {
  holdIntervals: 6,
  stuckExpectedVehicles: 12,
  missingMinIntervals: 2,
} as const;

export interface JoinedReading {
  readonly reading: TrafficReading;
  readonly segment: TrafficSegment;
}

/** One segment's healthy data for one interval. */
export interface SegmentInterval {
  readonly kind: 'interval';
  readonly scenarioId: string;
  readonly segmentId: string;
  readonly venueZone: string | null;
  readonly lanes: number;
  readonly lengthM: number;
  readonly freeFlowSpeedKmh: number;
  readonly intervalStartMs: number;
  readonly intervalS: number;
  /** Lane readings used. */
  readonly laneReadings: number;
  readonly vehicles: number;
  readonly occupancySumPct: number;
  /** Sum over the lane readings of the density from occupancy, vehicles per km. */
  readonly densitySumVehPerKm: number;
  readonly heavyVehicles: number;
  /** Vehicles counted by readings with a speed, and the sum of their count / speed (hours per km). */
  readonly speedVehicles: number;
  readonly speedHoursPerKm: number;
  readonly excludedReadings: number;
  readonly missingReadings: number;
}

export type SensorFaultKind = 'stuck_zero' | 'missing';

export interface SensorFaultEvent {
  readonly kind: 'fault';
  readonly scenarioId: string;
  readonly segmentId: string;
  readonly sensorId: string;
  readonly lane: number;
  readonly faultKind: SensorFaultKind;
  readonly startMs: number;
  /** End (exclusive) as far as known; the final end once closed. */
  readonly endMs: number;
  readonly open: boolean;
  /** Intervals affected so far. */
  readonly intervals: number;
}

export type SensorHealthOutput = SegmentInterval | SensorFaultEvent;

/** A held lane reading: [lane, count, occupancy %, speed km/h or -1, heavy share]. */
type Held = [number, number, number, number, number];

/**
 * Per lane (short keys: this state goes to the changelog at every flush): the sensor id when it is not
 * `<segmentId>-L<lane>`; the zero run (start, intervals, expected vehicles of its released part,
 * flagged); the missing run (start, intervals, flagged).
 */
interface LaneState {
  id: string | null;
  /** Zero run: start, intervals, expected vehicles of its released part, flagged. */
  zs: number | null;
  zn: number;
  zx: number;
  zf: boolean;
  ms: number | null;
  mn: number;
  mf: boolean;
}

/** The state of one key (scenario/segment). */
export interface SensorHealthState {
  /** What the released intervals need of the segment: lanes, length (m), free-flow speed (km/h), zone. */
  segment: SegmentInfo | null;
  intervalS: number;
  nextMs: number | null;
  lastMs: number;
  held: Array<[number, Held[]]>;
  lanes: LaneState[];
}

type SegmentInfo = [lanes: number, lengthM: number, freeFlowSpeedKmh: number, venueZone: string | null];

/** The scenario and segment of a key. */
interface Ids {
  readonly scenarioId: string;
  readonly segmentId: string;
}

const newLane = (): LaneState => ({
  id: null,
  zs: null,
  zn: 0,
  zx: 0,
  zf: false,
  ms: null,
  mn: 0,
  mf: false,
});

const isZero = (h: Held): boolean => h[1] === 0 && h[2] === 0;

function laneReading(readings: readonly Held[], lane: number): Held | undefined {
  for (const h of readings) if (h[0] === lane) return h;
  return undefined;
}

function faultEvent(
  state: SensorHealthState,
  ids: Ids,
  t: number,
  lane: number,
  s: LaneState,
  kind: SensorFaultKind,
  open: boolean,
): SensorFaultEvent {
  const intervalMs = state.intervalS * 1000;
  const startMs = (kind === 'missing' ? s.ms : s.zs) ?? t;
  const intervals = kind === 'missing' ? s.mn : s.zn;
  return {
    kind: 'fault',
    scenarioId: ids.scenarioId,
    segmentId: ids.segmentId,
    sensorId: s.id ?? `${ids.segmentId}-L${lane}`,
    lane,
    faultKind: kind,
    startMs,
    endMs: open ? t + intervalMs : startMs + intervals * intervalMs,
    open,
    intervals,
  };
}

/** Mean count of the lanes other than `lane` that reported (and are not flagged stuck). */
function peerMean(readings: readonly Held[], lane: number, lanes: readonly LaneState[]): number {
  let sum = 0;
  let n = 0;
  for (const h of readings) {
    if (h[0] === lane || lanes[h[0] - 1]?.zf === true) continue;
    sum += h[1];
    n += 1;
  }
  return n === 0 ? 0 : sum / n;
}

export function sensorHealthProcessor(
  options: SensorHealthOptions = {},
): ProcessorSpec<SensorHealthState, JoinedReading, SensorHealthOutput> {
  const hold = options.holdIntervals ?? SENSOR_HEALTH_DEFAULTS.holdIntervals;
  const stuckExpected = options.stuckExpectedVehicles ?? SENSOR_HEALTH_DEFAULTS.stuckExpectedVehicles;
  const missingMin = options.missingMinIntervals ?? SENSOR_HEALTH_DEFAULTS.missingMinIntervals;

  type Emit = (value: SensorHealthOutput, options?: { timestampMs?: number }) => void;

  const release = (state: SensorHealthState, ids: Ids, t: number, emit: Emit): void => {
    const segment = state.segment;
    if (segment === null) return;
    const head = state.held[0];
    const readings = head !== undefined && head[0] === t ? head[1] : [];
    if (head !== undefined && head[0] === t) state.held.shift();
    const [laneCount, lengthM, freeFlowSpeedKmh, venueZone] = segment;
    while (state.lanes.length < laneCount) state.lanes.push(newLane());
    const fault = (lane: number, s: LaneState, kind: SensorFaultKind, open: boolean): void => {
      emit(faultEvent(state, ids, t, lane, s, kind, open), { timestampMs: t });
    };
    let laneReadings = 0;
    let vehicles = 0;
    let occupancy = 0;
    let density = 0;
    let heavy = 0;
    let speedVehicles = 0;
    let speedHours = 0;
    let excluded = 0;
    let missing = 0;
    for (let lane = 1; lane <= laneCount; lane += 1) {
      const s = state.lanes[lane - 1];
      if (s === undefined) continue;
      const h = laneReading(readings, lane);
      if (h === undefined) {
        missing += 1;
        s.ms ??= t;
        s.mn += 1;
        if (s.mn >= missingMin && !s.mf) {
          s.mf = true;
          fault(lane, s, 'missing', true);
        }
        continue;
      }
      if (s.ms !== null) {
        if (s.mf) fault(lane, s, 'missing', false);
        s.ms = null;
        s.mn = 0;
        s.mf = false;
      }
      if (!isZero(h)) {
        if (s.zs !== null) {
          if (s.zf) fault(lane, s, 'stuck_zero', false);
          s.zs = null;
          s.zn = 0;
          s.zx = 0;
          s.zf = false;
        }
      } else {
        s.zs ??= t;
        s.zn += 1;
        s.zx += peerMean(readings, lane, state.lanes);
        let ahead = 0;
        for (const [, later] of state.held) {
          const mine = laneReading(later, lane);
          if (mine !== undefined && !isZero(mine)) break;
          if (mine !== undefined) ahead += peerMean(later, lane, state.lanes);
        }
        if (s.zf || s.zx + ahead >= stuckExpected) {
          excluded += 1;
          if (!s.zf) {
            s.zf = true;
            fault(lane, s, 'stuck_zero', true);
          }
          continue;
        }
      }
      laneReadings += 1;
      vehicles += h[1];
      occupancy += h[2];
      density += densityFromOccupancy(h[2], h[1] > 0 ? h[4] : 0);
      heavy += h[1] * h[4];
      if (h[3] > 0 && h[1] > 0) {
        speedVehicles += h[1];
        speedHours += h[1] / h[3];
      }
    }
    emit(
      {
        kind: 'interval',
        scenarioId: ids.scenarioId,
        segmentId: ids.segmentId,
        venueZone,
        lanes: laneCount,
        lengthM,
        freeFlowSpeedKmh,
        intervalStartMs: t,
        intervalS: state.intervalS,
        laneReadings,
        vehicles,
        occupancySumPct: occupancy,
        densitySumVehPerKm: density,
        heavyVehicles: heavy,
        speedVehicles,
        speedHoursPerKm: speedHours,
        excludedReadings: excluded,
        missingReadings: missing,
      },
      { timestampMs: t },
    );
  };

  return {
    init: (): SensorHealthState => ({
      segment: null,
      intervalS: 30,
      nextMs: null,
      lastMs: 0,
      held: [],
      lanes: [],
    }),
    // For speed the state is updated in place (held readings and lane states are state's own, never
    // shared); onWatermark returns a shallow copy when it released something, so the store marks
    // the key changed for the changelog.
    process: (state, record) => {
      const { reading, segment } = record.value;
      const t = reading.intervalStartMs;
      if (state.nextMs !== null && t < state.nextMs) return state; // already released: too late to use
      state.segment = [segment.lanes, segment.lengthM, segment.freeFlowSpeedKmh, segment.venueZone];
      state.intervalS = reading.intervalS;
      state.nextMs ??= t;
      state.lastMs = Math.max(state.lastMs, t);
      for (const lane of reading.lanes) {
        while (state.lanes.length < lane.lane) state.lanes.push(newLane());
        const s = state.lanes[lane.lane - 1];
        if (s !== undefined)
          s.id = lane.sensorId === `${reading.segmentId}-L${lane.lane}` ? null : lane.sensorId;
      }
      const incoming = reading.lanes.map((l: TrafficLaneReading): Held => [
        l.lane,
        l.vehicleCount,
        l.occupancyPct,
        l.meanSpeedKmh ?? -1,
        l.heavyVehicleShare,
      ]);
      const at = state.held.findIndex(([time]) => time >= t);
      const existing = at >= 0 ? state.held[at] : undefined;
      if (existing !== undefined && existing[0] === t) {
        const lanes = new Set(incoming.map((h) => h[0]));
        existing[1] = [...existing[1].filter((h) => !lanes.has(h[0])), ...incoming];
      } else if (at >= 0) state.held.splice(at, 0, [t, incoming]);
      else state.held.push([t, incoming]);
      return state;
    },
    onWatermark: (state, key, watermarkMs, emit) => {
      if (state.nextMs === null) return state;
      const intervalMs = state.intervalS * 1000;
      if (!(state.nextMs <= state.lastMs && state.nextMs + hold * intervalMs <= watermarkMs)) return state;
      const ids = splitKey(key);
      let t = state.nextMs;
      while (t <= state.lastMs && t + hold * intervalMs <= watermarkMs) {
        release(state, ids, t, emit);
        t += intervalMs;
      }
      return { ...state, nextMs: t };
    },
  };
}
