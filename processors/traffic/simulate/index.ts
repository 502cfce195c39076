/**
 * A seeded simulation of a day of road traffic around venues under one or more traffic plans: the
 * network, the sessions, the plans (scenario metadata), the sensor faults, and per plan the readings
 * (generated lazily, one batch per interval, so a city-sized day never sits in memory) and the ground
 * truth. Pure: the same options give the same records and truth.
 */
import type { TrafficReading, TrafficScenario, TrafficSegment } from '../../../schemas/generated.ts';
import { deriveSeed } from '../../shared/random.ts';
import { planSessions, type VenueSession } from './demand.ts';
import { MODEL_DEFAULTS, runTrafficModel } from './model.ts';
import { buildNetwork, publishedSegment, type Network, type NetworkOptions } from './network.ts';
import { buildPlan, PLAN_NAMES, type PlanName } from './plans.ts';
import { planFaults, SensorField, type SensorFault, type SensorFaultOptions } from './sensors.ts';
import { TruthAccumulator, type ScenarioTruth } from './truth.ts';

export interface TrafficSimulationOptions extends NetworkOptions {
  /** Start of the simulated day, ms since the epoch (a multiple of 5 minutes). @default TRAFFIC_DEFAULTS.dayStartMs */
  readonly dayStartMs?: number;
  /** Length of the simulated day, hours. @default TRAFFIC_DEFAULTS.hours */
  readonly hours?: number;
  /** Sessions per venue. @default TRAFFIC_DEFAULTS.sessionsPerVenue */
  readonly sessionsPerVenue?: number;
  /** Vehicles per session and venue. @default TRAFFIC_DEFAULTS.vehiclesPerSession */
  readonly vehiclesPerSession?: number;
  /** Plans to simulate. @default PLAN_NAMES */
  readonly plans?: readonly PlanName[];
  readonly faults?: SensorFaultOptions;
}

export const TRAFFIC_DEFAULTS = {
  dayStartMs: Date.UTC(2026, 6, 24, 4, 0, 0),
  hours: 24,
  sessionsPerVenue: 2,
  vehiclesPerSession: 4_000,
  intervalS: MODEL_DEFAULTS.intervalS,
} as const;

export interface TrafficSimulation {
  readonly network: Network;
  /** The records for traffic.segments. */
  readonly segments: readonly TrafficSegment[];
  readonly sessions: readonly VenueSession[];
  readonly scenarios: readonly TrafficScenario[];
  readonly faults: readonly SensorFault[];
  readonly dayStartMs: number;
  readonly dayEndMs: number;
  readonly intervalS: number;
  /** The readings of a plan, one array per interval, in time order. */
  readings(scenarioId: string): Generator<TrafficReading[]>;
  /** The ground truth of a plan (runs the model). */
  truth(scenarioId: string): ScenarioTruth;
}

export function simulateTraffic(options: TrafficSimulationOptions = {}): TrafficSimulation {
  const seed = options.seed ?? 1;
  const network = buildNetwork(options);
  const dayStartMs = options.dayStartMs ?? TRAFFIC_DEFAULTS.dayStartMs;
  const dayEndMs = dayStartMs + Math.round((options.hours ?? TRAFFIC_DEFAULTS.hours) * 3_600_000);
  const intervalS = TRAFFIC_DEFAULTS.intervalS;
  const sessions = planSessions(
    network,
    dayStartMs,
    dayEndMs,
    options.sessionsPerVenue ?? TRAFFIC_DEFAULTS.sessionsPerVenue,
    options.vehiclesPerSession ?? TRAFFIC_DEFAULTS.vehiclesPerSession,
  );
  const scenarios = (options.plans ?? PLAN_NAMES).map((plan) =>
    buildPlan(plan, network, sessions, dayStartMs, dayEndMs),
  );
  const faults = planFaults(network, seed, dayStartMs, dayEndMs, intervalS, options.faults);
  const scenarioOf = (scenarioId: string): TrafficScenario => {
    const scenario = scenarios.find((s) => s.scenarioId === scenarioId);
    if (scenario === undefined) throw new RangeError(`no simulated plan "${scenarioId}"`);
    return scenario;
  };
  const model = (scenarioId: string) =>
    runTrafficModel(network, scenarioOf(scenarioId), sessions, { dayStartMs, dayEndMs, intervalS });
  return {
    network,
    segments: network.segments.map(publishedSegment),
    sessions,
    scenarios,
    faults,
    dayStartMs,
    dayEndMs,
    intervalS,
    *readings(scenarioId: string): Generator<TrafficReading[]> {
      // The same noise stream for every plan: differences between plans are the plans' own.
      const field = new SensorField(
        network,
        faults,
        deriveSeed(seed, 'traffic-sensor-noise'),
        intervalS,
        options.faults?.dropProbability,
      );
      for (const state of model(scenarioId)) yield field.readingsOf(scenarioId, state);
    },
    truth(scenarioId: string): ScenarioTruth {
      const accumulator = new TruthAccumulator(network, dayStartMs, dayEndMs);
      for (const state of model(scenarioId)) accumulator.add(state);
      return accumulator.result(scenarioId);
    },
  };
}

export { buildNetwork, publishedSegment, segmentIdOf, corridorIdOf, NETWORK_DEFAULTS } from './network.ts';
export type { Network, NetworkSegment, NetworkOptions } from './network.ts';
export { PLAN_NAMES, isPlanName, buildPlan } from './plans.ts';
export type { PlanName } from './plans.ts';
export type { VenueSession } from './demand.ts';
export { SENSOR_DEFAULTS, sensorIdOf } from './sensors.ts';
export type { SensorFault, SensorFaultKind, SensorFaultOptions } from './sensors.ts';
export type { ScenarioTruth, TrueEpisode } from './truth.ts';
export { runTrafficModel, MODEL_DEFAULTS } from './model.ts';
export type { IntervalState } from './model.ts';
