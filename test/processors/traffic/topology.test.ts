/**
 * The traffic topology on the TestDriver against the simulator's ground truth (two plans of one
 * 8-hour day on 72 segments): LOS per segment-window, congestion episodes, sensor faults, the delay
 * difference between plans, status changes, and a restart mid-stream.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDriver } from '../../../engine/testing/test-driver.ts';
import type { ClickHouseRow } from '../../../engine/topology/sinks.ts';
import { SENSOR_HEALTH_DEFAULTS } from '../../../processors/traffic/faults.ts';
import type { ScenarioTruth, TrafficSimulation } from '../../../processors/traffic/simulate/index.ts';
import type { TrafficSegmentStatus } from '../../../schemas/generated.ts';
import { drive, smallSimulation } from './drive.ts';

const SEED = 3;
let sim: TrafficSimulation;
let driver: TestDriver;
let truths: Map<string, ScenarioTruth>;

const num = (row: ClickHouseRow, column: string): number => Number(row[column] ?? Number.NaN);
const str = (row: ClickHouseRow, column: string): string => String(row[column]);

beforeAll(() => {
  sim = smallSimulation(SEED);
  driver = drive(sim);
  truths = new Map(sim.scenarios.map((s) => [s.scenarioId, sim.truth(s.scenarioId)]));
});

describe(`the traffic topology against ground truth (seed ${SEED})`, () => {
  it('processes every reading: nothing late, nothing dead-lettered', () => {
    expect(driver.lateRecords()).toEqual([]);
    expect(driver.deadLetters()).toEqual([]);
  });

  it('agrees with the true level of service on at least 95% of segment-windows, per plan and window size', () => {
    const rows = [...driver.rows('traffic_segment_windows_1m'), ...driver.rows('traffic_segment_windows_5m')];
    for (const [scenarioId, truth] of truths) {
      for (const windowS of [60, 300]) {
        let agree = 0;
        let total = 0;
        let unknown = 0;
        for (const row of rows) {
          if (row['scenario_id'] !== scenarioId || row['window_s'] !== windowS) continue;
          const expected = truth.los(str(row, 'segment_id'), windowS * 1000, num(row, 'window_start'));
          if (expected === undefined) continue;
          total += 1;
          if (row['los'] === null) unknown += 1;
          else if (row['los'] === expected) agree += 1;
        }
        const windows = (sim.segments.length * (sim.dayEndMs - sim.dayStartMs)) / (windowS * 1000);
        expect(total, `${scenarioId} ${windowS} s windows`).toBe(windows);
        expect(agree / total, `${scenarioId} ${windowS} s agreement`).toBeGreaterThanOrEqual(0.95);
        expect(unknown / total).toBeLessThan(0.01);
      }
    }
  });

  it('detects every true congestion episode longer than 10 minutes with start and end within 2 minutes', () => {
    const episodes = driver.rows('traffic_congestion_episodes');
    let long = 0;
    for (const [scenarioId, truth] of truths) {
      for (const e of truth.episodes) {
        if (e.endMs - e.startMs <= 600_000) continue;
        long += 1;
        const match = episodes.find(
          (row) =>
            row['scenario_id'] === scenarioId &&
            row['segment_id'] === e.segmentId &&
            Math.abs(num(row, 'start_time') - e.startMs) <= 120_000 &&
            Math.abs(num(row, 'end_time') - e.endMs) <= 120_000,
        );
        expect(match, `${scenarioId} ${e.segmentId} ${new Date(e.startMs).toISOString()}`).toBeDefined();
      }
    }
    expect(long).toBeGreaterThan(40);
  });

  it('flags faulty sensors and excludes their data', () => {
    const faults = driver.rows('traffic_sensor_faults');
    const closed = faults.filter((f) => f['is_open'] === 0);
    for (const scenario of sim.scenarios) {
      for (const fault of sim.faults) {
        const rows = closed.filter(
          (f) =>
            f['scenario_id'] === scenario.scenarioId &&
            f['sensor_id'] === fault.sensorId &&
            f['fault_kind'] === fault.kind,
        );
        // Stuck sensors are recognisable once their neighbours carried enough traffic: all are, here.
        expect(rows.length, `${scenario.scenarioId} ${fault.kind} ${fault.sensorId}`).toBe(1);
        const [row] = rows;
        if (row === undefined) continue;
        expect(Math.abs(num(row, 'start_time') - fault.startMs)).toBeLessThanOrEqual(60_000);
        expect(Math.abs(num(row, 'end_time') - fault.endMs)).toBeLessThanOrEqual(60_000);
      }
    }
    // No stuck sensor where there was none (single lost readings are not faults).
    const stuck = new Set(sim.faults.filter((f) => f.kind === 'stuck_zero').map((f) => f.sensorId));
    expect(faults.filter((f) => f['fault_kind'] === 'stuck_zero' && !stuck.has(str(f, 'sensor_id')))).toEqual(
      [],
    );
    // Their zero readings are excluded: every stuck interval, less at most the hold at its start.
    const minutes = driver.rows('traffic_segment_windows_1m');
    for (const scenario of sim.scenarios) {
      const excluded = minutes
        .filter((m) => m['scenario_id'] === scenario.scenarioId)
        .reduce((n, m) => n + num(m, 'excluded_readings'), 0);
      const stuckIntervals = sim.faults
        .filter((f) => f.kind === 'stuck_zero')
        .reduce((n, f) => n + (f.endMs - f.startMs) / (sim.intervalS * 1000), 0);
      expect(excluded).toBeLessThanOrEqual(stuckIntervals);
      expect(excluded).toBeGreaterThanOrEqual(
        stuckIntervals - stuck.size * SENSOR_HEALTH_DEFAULTS.holdIntervals,
      );
    }
  });

  it('reproduces the sign and size (within 10%) of the true delay difference between the plans, per zone and hour', () => {
    const measured = new Map<string, number>();
    for (const row of driver.rows('traffic_segment_windows_5m')) {
      const hour = Math.floor(num(row, 'window_start') / 3_600_000) * 3_600_000;
      const key = `${str(row, 'scenario_id')}|${str(row, 'venue_zone')}|${hour}`;
      measured.set(key, (measured.get(key) ?? 0) + num(row, 'delay_veh_h'));
    }
    const base = truths.get('baseline')?.delayVehH ?? new Map<string, number>();
    const plan = truths.get('closure')?.delayVehH ?? new Map<string, number>();
    let compared = 0;
    for (const [zoneHour, baseDelay] of base) {
      const trueChange = (plan.get(zoneHour) ?? 0) - baseDelay;
      const measuredChange =
        (measured.get(`closure|${zoneHour}`) ?? 0) - (measured.get(`baseline|${zoneHour}`) ?? 0);
      if (Math.abs(trueChange) < 5) {
        expect(Math.abs(measuredChange), zoneHour).toBeLessThan(5);
        continue;
      }
      compared += 1;
      expect(Math.sign(measuredChange), zoneHour).toBe(Math.sign(trueChange));
      expect(Math.abs(measuredChange - trueChange), zoneHour).toBeLessThanOrEqual(0.1 * Math.abs(trueChange));
    }
    expect(compared).toBeGreaterThanOrEqual(8);
  });

  it('sends a status when a segment changes its level of service', () => {
    const statuses = driver.output<TrafficSegmentStatus>('traffic.segment-status').map((r) => r.value);
    expect(statuses.length).toBeGreaterThan(sim.segments.length * 2);
    const last = new Map<string, string>();
    for (const s of statuses) {
      const key = `${s.scenarioId}/${s.segmentId}`;
      expect(s.previousLos ?? null).toBe(last.get(key) ?? null);
      expect(s.los).not.toBe(s.previousLos);
      expect(s.congested).toBe(s.los === 'F');
      last.set(key, s.los);
    }
  });

  it('writes the network and the plans for the views', () => {
    expect(driver.rows('traffic_segments')).toHaveLength(sim.segments.length);
    expect(driver.rows('traffic_scenarios').map((s) => s['scenario_id'])).toEqual(['baseline', 'closure']);
  });

  it('gives the same rows when restarted twice mid-stream', () => {
    const restarted = drive(sim, (fraction, d) => {
      if (Math.abs(fraction - 0.4) < 1e-9 || Math.abs(fraction - 0.7) < 1e-9) d.restart();
    });
    for (const sink of [
      'traffic_segment_windows_1m',
      'traffic_segment_windows_5m',
      'traffic_congestion_episodes',
      'traffic_sensor_faults',
    ])
      expect(restarted.rows(sink), sink).toEqual(driver.rows(sink));
  }, 60_000);
});
