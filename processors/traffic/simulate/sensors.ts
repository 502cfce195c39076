/**
 * Detector stations: one sensor per lane, reporting every interval the vehicles counted (the true
 * outflow split by the lane's weight, with a 2% counting error), occupancy (from the true density
 * and the vehicles' effective length, 2% relative error), mean speed (3% error) and the heavy-vehicle
 * share. Faults, decided from the seed alone so that every plan of a day has the same broken sensors:
 * sensors stuck at zero for a while (count, occupancy and share 0, no speed), sensors silent for a
 * while, and single readings lost. Pure and seeded.
 */
import type { TrafficLaneReading, TrafficReading } from '../../../schemas/generated.ts';
import { occupancyPctOf } from '../loop-detector.ts';
import { createRng, deriveSeed, type Rng } from '../../shared/random.ts';
import type { IntervalState } from './model.ts';
import type { Network } from './network.ts';

export interface SensorFaultOptions {
  /** Share of sensors stuck at zero once in the day. @default SENSOR_DEFAULTS.stuckShare */
  readonly stuckShare?: number;
  /** Share of sensors silent once in the day. @default SENSOR_DEFAULTS.silentShare */
  readonly silentShare?: number;
  /** Probability that a single reading is lost. @default SENSOR_DEFAULTS.dropProbability */
  readonly dropProbability?: number;
}

export const SENSOR_DEFAULTS = {
  stuckShare: 0.03,
  silentShare: 0.03,
  dropProbability: 0.002,
  stuckMinutes: [30, 120],
  silentMinutes: [5, 40],
} as const;

export type SensorFaultKind = 'stuck_zero' | 'missing';

/** A simulated fault: the sensor reports zeros (stuck) or nothing (missing) in [startMs, endMs). */
export interface SensorFault {
  readonly sensorId: string;
  readonly segmentId: string;
  readonly lane: number;
  readonly kind: SensorFaultKind;
  readonly startMs: number;
  readonly endMs: number;
}

export function sensorIdOf(segmentId: string, lane: number): string {
  return `${segmentId}-L${lane}`;
}

/** Fault episodes of the day, aligned to intervals, placed in the middle 80% of the day. */
export function planFaults(
  network: Network,
  seed: number,
  dayStartMs: number,
  dayEndMs: number,
  intervalS: number,
  options: SensorFaultOptions = {},
): SensorFault[] {
  const rng = createRng(deriveSeed(seed, 'traffic-faults'));
  const intervalMs = intervalS * 1000;
  const faults: SensorFault[] = [];
  const align = (ms: number) => dayStartMs + Math.floor((ms - dayStartMs) / intervalMs) * intervalMs;
  const spanMs = dayEndMs - dayStartMs;
  for (const segment of network.segments) {
    for (let lane = 1; lane <= segment.lanes; lane += 1) {
      const sensorId = sensorIdOf(segment.segmentId, lane);
      const add = (kind: SensorFaultKind, minutes: readonly [number, number]) => {
        const durationMs = rng.uniform(minutes[0], minutes[1]) * 60_000;
        const startMs = align(
          dayStartMs + spanMs * 0.1 + rng.next() * Math.max(0, spanMs * 0.8 - durationMs),
        );
        faults.push({
          sensorId,
          segmentId: segment.segmentId,
          lane,
          kind,
          startMs,
          endMs: align(startMs + durationMs),
        });
      };
      if (rng.chance(options.stuckShare ?? SENSOR_DEFAULTS.stuckShare))
        add('stuck_zero', SENSOR_DEFAULTS.stuckMinutes);
      else if (rng.chance(options.silentShare ?? SENSOR_DEFAULTS.silentShare))
        add('missing', SENSOR_DEFAULTS.silentMinutes);
    }
  }
  return faults;
}

/** Makes the readings of every station for one interval state. */
export class SensorField {
  readonly #network: Network;
  readonly #faults: Map<string, SensorFault[]>;
  readonly #rng: Rng;
  readonly #dropProbability: number;
  readonly #intervalS: number;

  constructor(
    network: Network,
    faults: readonly SensorFault[],
    noiseSeed: number,
    intervalS: number,
    dropProbability: number = SENSOR_DEFAULTS.dropProbability,
  ) {
    this.#network = network;
    this.#faults = new Map();
    for (const fault of faults) {
      const list = this.#faults.get(fault.sensorId) ?? [];
      list.push(fault);
      this.#faults.set(fault.sensorId, list);
    }
    this.#rng = createRng(noiseSeed);
    this.#dropProbability = dropProbability;
    this.#intervalS = intervalS;
  }

  readingsOf(scenarioId: string, state: IntervalState): TrafficReading[] {
    const rng = this.#rng;
    const readings: TrafficReading[] = [];
    const t = state.intervalStartMs;
    this.#network.segments.forEach((segment, i) => {
      const density = state.densityVehPerKmPerLane[i] ?? 0;
      const outflow = state.outflowVeh[i] ?? 0;
      const speed = state.speedKmh[i] ?? segment.freeFlowSpeedKmh;
      const lanes: TrafficLaneReading[] = [];
      for (let lane = 1; lane <= segment.lanes; lane += 1) {
        const weight = segment.laneWeights[lane - 1] ?? 1;
        const expected = (outflow * weight) / segment.lanes;
        const noisy = expected * (1 + rng.normal(0, 0.02));
        const whole = Math.floor(noisy);
        const vehicleCount = Math.max(0, whole + (rng.next() < noisy - whole ? 1 : 0));
        const occupancyPct = Math.max(
          0,
          Math.min(
            100,
            occupancyPctOf(density * weight, segment.heavyVehicleShare) * (1 + rng.normal(0, 0.02)),
          ),
        );
        const meanSpeedKmh = vehicleCount > 0 ? Math.max(1, speed * (1 + rng.normal(0, 0.03))) : null;
        const heavy =
          vehicleCount > 0 ? Math.min(1, Math.max(0, segment.heavyVehicleShare + rng.normal(0, 0.01))) : 0;
        const dropped = rng.next() < this.#dropProbability;
        const fault = this.#faults
          .get(sensorIdOf(segment.segmentId, lane))
          ?.find((f) => t >= f.startMs && t < f.endMs);
        if (dropped || fault?.kind === 'missing') continue;
        const stuck = fault?.kind === 'stuck_zero';
        lanes.push({
          sensorId: sensorIdOf(segment.segmentId, lane),
          lane,
          vehicleCount: stuck ? 0 : vehicleCount,
          occupancyPct: stuck ? 0 : round(occupancyPct, 2),
          meanSpeedKmh: stuck || meanSpeedKmh === null ? null : round(meanSpeedKmh, 1),
          heavyVehicleShare: stuck ? 0 : round(heavy, 3),
        });
      }
      if (lanes.length > 0)
        readings.push({
          scenarioId,
          segmentId: segment.segmentId,
          intervalStartMs: t,
          intervalS: this.#intervalS,
          lanes,
        });
    });
    return readings;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
