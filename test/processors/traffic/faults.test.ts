/** Sensor health on hand-made readings: stuck lanes, plausible zeros, missing readings, silent stations. */
import { describe, expect, it } from 'vitest';
import {
  sensorHealthProcessor,
  type JoinedReading,
  type SegmentInterval,
  type SensorFaultEvent,
  type SensorHealthOutput,
  type SensorHealthState,
} from '../../../processors/traffic/faults.ts';
import type { TrafficLaneReading, TrafficSegment } from '../../../schemas/generated.ts';

const T0 = Date.UTC(2026, 6, 24, 12, 0, 0);
const KEY = 'baseline/s1';
const SEGMENT: TrafficSegment = {
  segmentId: 's1',
  name: 'test',
  corridorId: 'c',
  position: 0,
  lengthM: 500,
  lanes: 3,
  freeFlowSpeedKmh: 50,
  capacityVehPerHourPerLane: 1800,
  venueZone: 'z',
  upstreamSegmentIds: [],
  downstreamSegmentIds: [],
};

const lane = (n: number, count: number): TrafficLaneReading => ({
  sensorId: `s1-L${n}`,
  lane: n,
  vehicleCount: count,
  occupancyPct: count === 0 ? 0 : count * 1.5,
  meanSpeedKmh: count === 0 ? null : 45,
  heavyVehicleShare: count === 0 ? 0 : 0.05,
});

/** Runs intervals (each a list of lanes, or null for a silent station) and releases everything. */
function run(intervals: ReadonlyArray<readonly TrafficLaneReading[] | null>): SensorHealthOutput[] {
  const spec = sensorHealthProcessor();
  let state: SensorHealthState = spec.init(KEY);
  const out: SensorHealthOutput[] = [];
  const emit = (value: SensorHealthOutput) => out.push(value);
  intervals.forEach((lanes, i) => {
    const t = T0 + i * 30_000;
    if (lanes !== null) {
      const value: JoinedReading = {
        reading: {
          scenarioId: 'baseline',
          segmentId: 's1',
          intervalStartMs: t,
          intervalS: 30,
          lanes: [...lanes],
        },
        segment: SEGMENT,
      };
      state = spec.process(state, { key: KEY, value, timestampMs: t }, emit) ?? state;
    }
    state = spec.onWatermark?.(state, KEY, t - 60_000, emit) ?? state;
  });
  state = spec.onWatermark?.(state, KEY, T0 + 1e9, emit) ?? state;
  return out;
}

const intervalsOf = (out: SensorHealthOutput[]) =>
  out.filter((o): o is SegmentInterval => o.kind === 'interval');
const faultsOf = (out: SensorHealthOutput[]) => out.filter((o): o is SensorFaultEvent => o.kind === 'fault');

describe('sensor health', () => {
  it('flags a lane stuck at zero beside busy lanes and excludes its zeros from the first one', () => {
    const busy = (stuck: boolean) => [lane(1, 8), lane(2, stuck ? 0 : 8), lane(3, 8)];
    const out = run([
      ...Array.from({ length: 4 }, () => busy(false)),
      ...Array.from({ length: 10 }, () => busy(true)),
      busy(false),
    ]);
    const intervals = intervalsOf(out);
    expect(intervals).toHaveLength(15);
    expect(intervals.map((i) => i.excludedReadings)).toEqual([0, 0, 0, 0, ...Array<number>(10).fill(1), 0]);
    expect(intervals[5]?.laneReadings).toBe(2);
    expect(intervals[5]?.vehicles).toBe(16);
    const faults = faultsOf(out);
    expect(faults.map((f) => [f.faultKind, f.open, f.startMs - T0, f.endMs - T0, f.sensorId])).toEqual([
      ['stuck_zero', true, 120_000, 150_000, 's1-L2'],
      ['stuck_zero', false, 120_000, 420_000, 's1-L2'],
    ]);
  });

  it('keeps zeros when the other lanes are empty too (night, closures)', () => {
    const out = run(Array.from({ length: 20 }, () => [lane(1, 0), lane(2, 0), lane(3, 1)]));
    expect(faultsOf(out)).toEqual([]);
    expect(intervalsOf(out).every((i) => i.excludedReadings === 0 && i.laneReadings === 3)).toBe(true);
  });

  it('reports missing readings, and a run of two or more as a fault', () => {
    const full = [lane(1, 5), lane(2, 5), lane(3, 5)];
    const out = run([full, [lane(1, 5), lane(3, 5)], full, [lane(1, 5)], [lane(1, 5)], [lane(1, 5)], full]);
    expect(intervalsOf(out).map((i) => i.missingReadings)).toEqual([0, 1, 0, 2, 2, 2, 0]);
    const faults = faultsOf(out).filter((f) => !f.open);
    expect(faults.map((f) => [f.sensorId, f.startMs - T0, f.endMs - T0, f.intervals])).toEqual([
      ['s1-L2', 90_000, 180_000, 3],
      ['s1-L3', 90_000, 180_000, 3],
    ]);
  });

  it('releases an interval with no data when the whole station is silent', () => {
    const full = [lane(1, 5), lane(2, 5), lane(3, 5)];
    const intervals = intervalsOf(run([full, null, full]));
    expect(intervals.map((i) => [i.intervalStartMs - T0, i.laneReadings, i.missingReadings])).toEqual([
      [0, 3, 0],
      [30_000, 0, 3],
      [60_000, 3, 0],
    ]);
  });
});
