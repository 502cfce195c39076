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
  options: {
    partitions?: number;
    restartAtFraction?: number;
    /** Frames in arrival order with the wall clock following them (else by progress, clock still). */
    realtime?: boolean;
    /** With `realtime`, frames in the same arrival order but the wall clock standing still. */
    frozenClock?: boolean;
    /** Leave the watermarks where the feed left them (no end-of-input advance). */
    stopBeforeEnd?: boolean;
  } = {},
): TestDriver {
  const driver = new TestDriver(trackingTopology, { partitions: { frames: options.partitions ?? 1 } });
  for (const race of races) driver.pipe('sessions', race.session, { key: race.session.sessionId });
  // Interleave the races' frames as several venues' feeds would: by progress through each race, or
  // (real time) by arrival time, a frame arriving when the newest frame of its race so far was captured.
  const queue = races.flatMap((race) => {
    let arrivalMs = Number.NEGATIVE_INFINITY;
    return race.frames.map((frame, index) => {
      arrivalMs = Math.max(arrivalMs, frame.eventTimeMs);
      return { frame, index, total: race.frames.length, arrivalMs };
    });
  });
  if (options.realtime === true) queue.sort((a, b) => a.arrivalMs - b.arrivalMs);
  else queue.sort((a, b) => a.index / a.total - b.index / b.total);
  const restartAt =
    options.restartAtFraction === undefined ? -1 : Math.floor(queue.length * options.restartAtFraction);
  // Real time: the wall clock moves with the feed (arrival order, never backwards), so partitions
  // without frames go idle and stop holding the watermark, as they do in a live run.
  let wallMs = queue[0]?.arrivalMs ?? 0;
  queue.forEach(({ frame, arrivalMs }, i) => {
    if (i === restartAt) driver.restart();
    if (options.realtime === true && options.frozenClock !== true && arrivalMs > wallMs) {
      driver.advanceWallClock(arrivalMs - wallMs);
      wallMs = arrivalMs;
    }
    driver.pipe('frames', frame, { key: frame.sessionId, kafkaTimestampMs: frame.eventTimeMs });
  });
  if (options.stopBeforeEnd === true) return driver;
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

/** Everything the topology wrote, per sink, in a comparable form. */
function allOutputs(driver: TestDriver) {
  const rows = (table: string) => driver.rows(table).map((r) => JSON.stringify(r));
  const topic = (name: string) => driver.output(name).map((r) => JSON.stringify(r.value));
  return {
    positions: rows('tracking_positions'),
    splits: rows('tracking_splits'),
    summaries: rows('tracking_athlete_summary'),
    minutes: rows('tracking_workload_minutes'),
    splitEvents: topic(TRACKING_TOPICS.splits),
    live: topic(TRACKING_TOPICS.liveStats),
  };
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

  it('gives the same outputs whether the feed arrives in real time or as fast as possible', () => {
    // A second race 40 s later on another partition: in real time the first race's partition goes
    // idle (30 s) and its watermark is moved on by the other's, which a fast replay never sees.
    const later = simulateSprint({
      seed: 13,
      sessionId: 'w200-later', // another partition than m100-final's, of two
      distanceM: 200,
      startSignalMs: (race.session.startSignalMs ?? 0) + 40_000,
    });
    const sorted = (outputs: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, [...v].sort()]));
    const fast = allOutputs(run([race, later], { partitions: 2, realtime: true, frozenClock: true }));
    const paced = run([race, later], { partitions: 2, realtime: true, stopBeforeEnd: true });
    // The first race's partition went idle and was moved on past its own last frame.
    expect(paced.watermarkMs('frames', 1)).toBeGreaterThan((race.session.startSignalMs ?? 0) + 40_000);
    paced.advanceWatermark('frames', Number.MAX_SAFE_INTEGER / 2);
    paced.advanceWatermark('frames', Number.MAX_SAFE_INTEGER / 2, 1);
    expect(fast.splitEvents.length).toBe(8 * 10 + 8 * 20);
    expect(fast.live.length).toBeGreaterThan(1000);
    expect(sorted(allOutputs(paced))).toEqual(sorted(fast));
  });
});
