/**
 * The traffic pipeline on the local stack: `stadion simulate traffic` produces a day under two plans,
 * `stadion run traffic` processes it, and ClickHouse's tables and views agree with the simulator's
 * ground truth (LOS per segment-window, episodes, faults, the plan comparison view). Then the same
 * input processed by an engine killed with SIGKILL twice mid-stream gives exactly the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTraffic, type TrafficSimulation } from '../../../processors/traffic/simulate/index.ts';
import { TRAFFIC_TOPICS } from '../../../processors/traffic/topology.ts';
import { startEngine, waitForCompletion } from '../../engine/runtime/engine-process.ts';
import {
  crashAndFinish,
  readTables,
  startPipelineStack,
  type PipelineStack,
} from '../../support/pipeline-stack.ts';
import { runStadion } from '../../support/stack-process.ts';

const SEED = 5;
const SIM = { venues: 2, corridors: 3, segments: 6, hours: 6, sessions: 1 };

let pipeline: PipelineStack;
let sim: TrafficSimulation;
let readings = 0;

async function query<T>(sql: string): Promise<T[]> {
  return (await pipeline.clickhouse.query({ query: sql, format: 'JSONEachRow' })).json<T>();
}

const TABLES = {
  windows:
    'SELECT * FROM {db}.traffic_segment_windows ORDER BY scenario_id, window_s, segment_id, window_start',
  episodes: 'SELECT * FROM {db}.traffic_congestion_episodes ORDER BY scenario_id, segment_id, start_time',
  faults:
    'SELECT * FROM {db}.traffic_sensor_faults FINAL ORDER BY scenario_id, sensor_id, fault_kind, start_time, end_time',
} as const;

const allRows = (database: string): Promise<Record<keyof typeof TABLES, string[]>> =>
  readTables(pipeline.clickhouse, database, TABLES);

beforeAll(async () => {
  pipeline = await startPipelineStack(
    [`${TRAFFIC_TOPICS.readings}:4`, `${TRAFFIC_TOPICS.segments}:1`, `${TRAFFIC_TOPICS.scenarios}:1`],
    ['uninterrupted', 'crashed'],
  );
  const produced = await runStadion([
    'simulate',
    'traffic',
    '--venues',
    String(SIM.venues),
    '--corridors',
    String(SIM.corridors),
    '--segments',
    String(SIM.segments),
    '--hours',
    String(SIM.hours),
    '--sessions',
    String(SIM.sessions),
    '--seed',
    String(SEED),
    '--data-dir',
    pipeline.dataDir,
  ]);
  expect(produced.code, produced.stderr).toBe(0);
  readings = (await pipeline.admin.fetchTopicOffsets(TRAFFIC_TOPICS.readings)).reduce(
    (n, p) => n + Number(p.high),
    0,
  );
  sim = simulateTraffic({
    seed: SEED,
    venues: SIM.venues,
    corridorsPerVenue: SIM.corridors,
    segmentsPerCorridor: SIM.segments,
    hours: SIM.hours,
    sessionsPerVenue: SIM.sessions,
  });
}, 120_000);

afterAll(async () => {
  await pipeline.stop();
});

describe('the traffic pipeline on the local stack', () => {
  it('writes segment windows, episodes, faults and a plan comparison that agree with the ground truth', async () => {
    const engine = startEngine(pipeline.env('uninterrupted'), ['--group', 'uninterrupted'], 'traffic');
    await waitForCompletion(pipeline.admin, 'uninterrupted', 120_000, engine, TRAFFIC_TOPICS.readings);
    expect(await engine.kill('SIGTERM')).toBe(0);
    expect(readings).toBeGreaterThan(sim.segments.length * SIM.hours * 120 * 2 * 0.99);

    const truths = new Map(sim.scenarios.map((s) => [s.scenarioId, sim.truth(s.scenarioId)]));
    const windows = await query<{
      scenario_id: string;
      segment_id: string;
      window_s: number;
      start_ms: string;
      los: string | null;
    }>(
      `SELECT scenario_id, segment_id, window_s, toUnixTimestamp64Milli(window_start) AS start_ms, los
       FROM uninterrupted.traffic_segment_windows`,
    );
    for (const [scenarioId, truth] of truths) {
      for (const windowS of [60, 300]) {
        const own = windows.filter((w) => w.scenario_id === scenarioId && w.window_s === windowS);
        const expected = (sim.segments.length * SIM.hours * 3600) / windowS;
        // The last minutes stay open (readings are held 3 minutes for fault detection, then the
        // window's grace): nothing comes after them to close them, unless the partition went idle
        // long enough (wall clock) for its watermark to be moved on, which varies from run to run.
        expect(own.length).toBeGreaterThan(expected * 0.94);
        const agree = own.filter(
          (w) => w.los === truth.los(w.segment_id, windowS * 1000, Number(w.start_ms)),
        ).length;
        expect(agree / own.length, `${scenarioId} ${windowS} s`).toBeGreaterThanOrEqual(0.95);
      }
    }

    const episodes = await query<{
      scenario_id: string;
      segment_id: string;
      start_ms: string;
      end_ms: string;
      queue_extent_m: number;
    }>(
      `SELECT scenario_id, segment_id, toUnixTimestamp64Milli(start_time) AS start_ms,
         toUnixTimestamp64Milli(end_time) AS end_ms, queue_extent_m
       FROM uninterrupted.traffic_congestion_queues`,
    );
    let long = 0;
    for (const [scenarioId, truth] of truths)
      for (const e of truth.episodes) {
        if (e.endMs - e.startMs <= 600_000 || e.endMs > sim.dayEndMs - 900_000) continue;
        long += 1;
        const found = episodes.find(
          (d) =>
            d.scenario_id === scenarioId &&
            d.segment_id === e.segmentId &&
            Math.abs(Number(d.start_ms) - e.startMs) <= 120_000 &&
            Math.abs(Number(d.end_ms) - e.endMs) <= 120_000,
        );
        expect(found, `${scenarioId} ${e.segmentId}`).toBeDefined();
        expect(found?.queue_extent_m ?? 0).toBeGreaterThan(0);
      }
    expect(long).toBeGreaterThan(20);

    const faults = await query<{ sensor_id: string; fault_kind: string }>(
      `SELECT sensor_id, fault_kind FROM uninterrupted.traffic_sensor_faults FINAL WHERE scenario_id = 'baseline' AND is_open = 0`,
    );
    for (const fault of sim.faults.filter((f) => f.endMs < sim.dayEndMs - 900_000))
      expect(
        faults.some((f) => f.sensor_id === fault.sensorId && f.fault_kind === fault.kind),
        fault.sensorId,
      ).toBe(true);

    // The comparison view against the true delay difference, per zone and hour.
    const comparison = await query<{ venue_zone: string; hour_ms: string; change: number }>(
      `SELECT venue_zone, toUnixTimestamp(hour) * 1000 AS hour_ms, delay_change_veh_h AS change
       FROM uninterrupted.traffic_scenario_comparison
       WHERE base_scenario_id = 'baseline' AND plan_scenario_id = 'closure'`,
    );
    const trueDelay = (scenarioId: string, key: string): number =>
      truths.get(scenarioId)?.delayVehH.get(key) ?? 0;
    let compared = 0;
    for (const row of comparison) {
      const key = `${row.venue_zone}|${row.hour_ms}`;
      const trueChange = trueDelay('closure', key) - trueDelay('baseline', key);
      if (Math.abs(trueChange) < 5 || Number(row.hour_ms) >= sim.dayEndMs - 3_600_000) continue; // last hour: open windows
      compared += 1;
      expect(Math.sign(row.change), key).toBe(Math.sign(trueChange));
      expect(Math.abs(row.change - trueChange), key).toBeLessThanOrEqual(0.1 * Math.abs(trueChange));
    }
    expect(compared).toBeGreaterThanOrEqual(4);

    const live = await query<{ n: string }>(
      `SELECT count() AS n FROM uninterrupted.traffic_segment_status_live`,
    );
    expect(Number(live[0]?.n)).toBe(sim.segments.length * 2);
  }, 240_000);

  it('changes no row when the engine is killed twice mid-stream and restarted', async () => {
    await crashAndFinish(pipeline, {
      topology: 'traffic',
      topic: TRAFFIC_TOPICS.readings,
      total: readings,
      what: 'readings',
    });
    expect(await allRows('crashed')).toEqual(await allRows('uninterrupted'));
  }, 300_000);
});
