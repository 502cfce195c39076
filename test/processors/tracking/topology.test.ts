/**
 * The tracking topology on the TestDriver against the simulator's ground truth: noisy, dropped,
 * duplicated and reordered frames in; splits, top speeds, finish times and strides out within the
 * issue's tolerances, with no NaN or infinity anywhere, the same whether the race shares partitions
 * with another or the topology restarts mid-race.
 */
import { describe, expect, it } from 'vitest';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import type { LiveAthleteStats, SplitEvent } from '../../../schemas/generated.ts';
import { simulateSprint } from '../../../processors/tracking/simulate/index.ts';
import { TRACKING_TOPICS, trackingTopology } from '../../../processors/tracking/topology.ts';

type Race = ReturnType<typeof simulateSprint>;

function run(
  races: readonly Race[],
  options: { partitions?: number; restartAtFraction?: number } = {},
): TestDriver {
  const driver = new TestDriver(trackingTopology, { partitions: { frames: options.partitions ?? 1 } });
  for (const race of races) driver.pipe('sessions', race.session, { key: race.session.sessionId });
  // Interleave the races' frames by arrival order, as several venues' feeds would.
  const queue = races.flatMap((race) =>
    race.frames.map((frame, index) => ({ frame, index, total: race.frames.length })),
  );
  queue.sort((a, b) => a.index / a.total - b.index / b.total);
  const restartAt =
    options.restartAtFraction === undefined ? -1 : Math.floor(queue.length * options.restartAtFraction);
  queue.forEach(({ frame }, i) => {
    if (i === restartAt) driver.restart();
    driver.pipe('frames', frame, { key: frame.sessionId, kafkaTimestampMs: frame.eventTimeMs });
  });
  driver.advanceWatermark('frames', Number.MAX_SAFE_INTEGER / 2);
  for (let p = 1; p < (options.partitions ?? 1); p += 1)
    driver.advanceWatermark('frames', Number.MAX_SAFE_INTEGER / 2, p);
  return driver;
}

function everyNumberFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(everyNumberFinite);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(everyNumberFinite);
  return true;
}

function checkAgainstTruth(driver: TestDriver, race: Race): void {
  const splits = driver
    .output<SplitEvent>(TRACKING_TOPICS.splits)
    .map((r) => r.value)
    .filter((s) => s.sessionId === race.session.sessionId);
  const summaries = driver
    .rows('tracking_athlete_summary')
    .filter((r) => r['session_id'] === race.session.sessionId);
  expect(summaries).toHaveLength(race.truth.length);
  for (const truth of race.truth) {
    const mine = splits.filter((s) => s.athleteId === truth.athleteId);
    const marks = Object.keys(truth.splitTimesS)
      .map(Number)
      .sort((a, b) => a - b);
    expect(mine.map((s) => s.markM)).toEqual(marks);
    for (const split of mine) {
      expect(Math.abs(split.timeS - (truth.splitTimesS[split.markM] ?? Number.NaN))).toBeLessThanOrEqual(
        0.02,
      );
    }
    const summary = summaries.find((r) => r['athlete_id'] === truth.athleteId);
    expect(Math.abs(Number(summary?.['finish_time_s']) - truth.finishTimeS)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(Number(summary?.['top_speed_mps']) - truth.topSpeedMps)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(Number(summary?.['stride_count']) - truth.strideCount)).toBeLessThanOrEqual(1);
  }
}

describe('tracking topology against the simulator', () => {
  const race = simulateSprint({ seed: 11, sessionId: 'm100-final', distanceM: 100 });

  it('times every split, the finish, the top speed and the strides within tolerance', () => {
    const driver = run([race]);
    expect(driver.deadLetters()).toEqual([]);
    checkAgainstTruth(driver, race);
    for (const sink of ['tracking_positions', 'tracking_splits', 'tracking_athlete_summary']) {
      expect(driver.rows(sink).every(everyNumberFinite)).toBe(true);
    }
    const live = driver.output<LiveAthleteStats>(TRACKING_TOPICS.liveStats).map((r) => r.value);
    expect(live.every(everyNumberFinite)).toBe(true);
    // Live stats: at most 10 Hz per athlete, in event-time order, with places 1..8.
    for (const truth of race.truth) {
      const mine = live.filter((s) => s.athleteId === truth.athleteId);
      for (let i = 1; i < mine.length; i += 1) {
        expect((mine[i]?.eventTimeMs ?? 0) - (mine[i - 1]?.eventTimeMs ?? 0)).toBeGreaterThanOrEqual(100);
      }
    }
    expect(new Set(live.map((s) => s.positionInRace))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it('gives the same results for a 200 m race sharing partitions with another, and after a restart mid-race', () => {
    const other = simulateSprint({ seed: 12, sessionId: 'w200-heat', distanceM: 200, fps: 60 });
    const alone = run([race])
      .output<SplitEvent>(TRACKING_TOPICS.splits)
      .map((r) => JSON.stringify(r.value));
    const shared = run([race, other], { partitions: 3 });
    checkAgainstTruth(shared, other);
    const sharedRace = shared
      .output<SplitEvent>(TRACKING_TOPICS.splits)
      .filter((r) => r.value.sessionId === race.session.sessionId)
      .map((r) => JSON.stringify(r.value));
    expect(sharedRace).toEqual(alone);
    const restarted = run([race], { restartAtFraction: 0.5 })
      .output<SplitEvent>(TRACKING_TOPICS.splits)
      .map((r) => JSON.stringify(r.value));
    expect(restarted).toEqual(alone);
  });
});
