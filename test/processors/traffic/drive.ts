/** Runs a traffic simulation through the traffic topology on the TestDriver (plans interleaved, as produced). */
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { simulateTraffic, type TrafficSimulation } from '../../../processors/traffic/simulate/index.ts';
import { SENSOR_HEALTH_DEFAULTS } from '../../../processors/traffic/faults.ts';
import { readingKeyOf, trafficTopology } from '../../../processors/traffic/topology.ts';

/** Every held reading is released once the watermark is this far past the last interval. */
const HOLD_MS = SENSOR_HEALTH_DEFAULTS.holdIntervals * 30_000;

export const TEST_DAY_START_MS = Date.UTC(2026, 6, 24, 14, 0, 0);

/** A small network (2 venues, 3 corridors, 6 segments each way: 72 segments), 8 hours, one session per venue. */
export function smallSimulation(seed: number): TrafficSimulation {
  return simulateTraffic({
    seed,
    venues: 2,
    corridorsPerVenue: 3,
    segmentsPerCorridor: 6,
    hours: 8,
    dayStartMs: TEST_DAY_START_MS,
    sessionsPerVenue: 1,
  });
}

export const PARTITIONS = 2;

/**
 * Pipes the network and the interleaved readings; `onProgress(fraction)` runs between intervals.
 * At the end the watermark moves on one interval at a time past the hold (releasing every held reading
 * before a window it belongs to closes), then past every window, as later data would.
 */
export function drive(
  sim: TrafficSimulation,
  onProgress?: (fraction: number, driver: TestDriver) => void,
): TestDriver {
  const driver = new TestDriver(trafficTopology, { partitions: { readings: PARTITIONS } });
  for (const s of sim.segments) driver.pipe('segments', s, { key: s.segmentId });
  for (const s of sim.segments) driver.pipe('segment-records', s, { key: s.segmentId });
  for (const s of sim.scenarios) driver.pipe('scenario-records', s, { key: s.scenarioId });
  const plans = sim.scenarios.map((s) => sim.readings(s.scenarioId));
  const intervals = (sim.dayEndMs - sim.dayStartMs) / (sim.intervalS * 1000);
  for (let i = 0; ; i += 1) {
    let any = false;
    for (const plan of plans) {
      const next = plan.next();
      if (next.done === true) continue;
      any = true;
      for (const reading of next.value) driver.pipe('readings', reading, { key: readingKeyOf(reading) });
    }
    if (!any) break;
    onProgress?.(i / intervals, driver);
  }
  for (let w = sim.dayEndMs; w <= sim.dayEndMs + HOLD_MS; w += sim.intervalS * 1000)
    for (let p = 0; p < PARTITIONS; p += 1) driver.advanceWatermark('readings', w, p);
  for (let p = 0; p < PARTITIONS; p += 1)
    driver.advanceWatermark('readings', sim.dayEndMs + 24 * 3_600_000, p);
  return driver;
}
