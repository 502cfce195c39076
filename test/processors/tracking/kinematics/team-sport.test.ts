import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEAM_SPORT_OPTIONS,
  flushTeamSport,
  initialTeamSportState,
  resolveTeamSportOptions,
  stepTeamSport,
  type MinuteWorkload,
  type TeamSportContext,
  type TeamSportSample,
  type TeamSportState,
} from '../../../../processors/tracking/kinematics/team-sport.ts';
import type { AthleteObservation } from '../../../../processors/tracking/kinematics/types.ts';
import { Gaussian } from './sprint-model.ts';
import { simulatePlayer } from './team-model.ts';

const BASE_SEED = Number(process.env['STADION_TEST_SEED'] ?? 2000);

interface Run {
  state: TeamSportState;
  samples: TeamSportSample[];
  minutes: MinuteWorkload[];
}

function run(observations: AthleteObservation[], context: TeamSportContext = {}, restoreAt = -1): Run {
  let state = initialTeamSportState();
  const samples: TeamSportSample[] = [];
  const minutes: MinuteWorkload[] = [];
  observations.forEach((observation, index) => {
    if (index === restoreAt) state = JSON.parse(JSON.stringify(state)) as TeamSportState;
    const step = stepTeamSport(state, observation, context);
    state = step.state;
    if (step.sample !== null) samples.push(step.sample);
    if (step.minute !== null) minutes.push(step.minute);
  });
  const flushed = flushTeamSport(state, context);
  if (flushed.minute !== null) minutes.push(flushed.minute);
  return { state, samples, minutes };
}

function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  return Object.values(value).every(allFinite);
}

describe('team-sport workload', () => {
  it('measures distance, high-speed distance and sprints over 10 minutes at 25 fps, over seeds', () => {
    const distanceErrors: number[] = [];
    const highSpeedErrors: number[] = [];
    for (let k = 0; k < 12; k++) {
      const seed = BASE_SEED + k;
      const player = simulatePlayer(seed, 600);
      const { state, minutes, samples } = run(player.observations);
      const truth = player.truth;
      const distanceError = (state.distanceM - truth.distanceM) / truth.distanceM;
      const highSpeedError = (state.highSpeedDistanceM - truth.highSpeedDistanceM) / truth.highSpeedDistanceM;
      distanceErrors.push(distanceError);
      highSpeedErrors.push(highSpeedError);
      const context = `distance ${state.distanceM} m (truth ${truth.distanceM}), high speed ${state.highSpeedDistanceM} m (truth ${truth.highSpeedDistanceM}), sprints ${state.sprintCount} (truth ${truth.sprintCount}). Reproduce with seed: ${seed}`;
      if (Math.abs(distanceError) > 0.01) throw new Error(context);
      if (Math.abs(highSpeedError) > 0.1) throw new Error(context);
      if (state.sprintCount !== truth.sprintCount) throw new Error(context);
      // Minutes add up to the total and match the truth's minutes.
      expect(minutes.reduce((sum, m) => sum + m.distanceM, 0)).toBeCloseTo(state.distanceM, 6);
      expect(minutes.reduce((sum, m) => sum + m.sprintCount, 0)).toBe(state.sprintCount);
      for (const minute of minutes) {
        const truthM = truth.distanceByMinute.get(minute.minuteIndex) ?? 0;
        if (Math.abs(minute.distanceM - truthM) > 3) {
          throw new Error(
            `minute ${minute.minuteIndex}: ${minute.distanceM} m, truth ${truthM}. Reproduce with seed: ${seed}`,
          );
        }
        expect(minute.minuteStartMs).toBe(minute.minuteIndex * 60_000);
      }
      expect(samples.every(allFinite)).toBe(true);
    }
    const pct = (values: number[]): string =>
      `mean ${((values.reduce((a, b) => a + b, 0) / values.length) * 100).toFixed(2)} %, worst ${(Math.max(...values.map(Math.abs)) * 100).toFixed(2)} %`;
    console.log(`team sport: distance ${pct(distanceErrors)}; high-speed distance ${pct(highSpeedErrors)}`);
  });

  it('keeps a player standing still at (almost) no distance', () => {
    const rng = new Gaussian(BASE_SEED);
    const observations: AthleteObservation[] = [];
    for (let i = 0; i < 25 * 600; i++) {
      observations.push({
        eventTimeMs: 1e12 + i * 40,
        xM: 50 + rng.normal(0.03),
        yM: 30 + rng.normal(0.03),
        keypoints: null,
        confidence: 1,
      });
    }
    const { state } = run(observations);
    expect(state.distanceM).toBeLessThan(2);
    expect(state.sprintCount).toBe(0);
  });

  it('counts one sprint for an effort hovering around the threshold, none for one too short', () => {
    // Speed profile along x: 8 m/s for 2 s with dips to 6.8 m/s (above the 6.5 exit), then 7.5 m/s for 0.6 s.
    const speedAt = (tS: number): number => {
      if (tS < 2) return 3;
      if (tS < 4) return Math.floor((tS - 2) / 0.5) % 2 === 0 ? 8 : 6.8;
      if (tS < 7) return 3;
      if (tS < 7.6) return 7.5;
      return 3;
    };
    const observations: AthleteObservation[] = [];
    let xM = 0;
    for (let i = 0; i < 10 * 1000; i++) {
      const tS = i / 1000;
      if (i % 40 === 0)
        observations.push({ eventTimeMs: 1e12 + i, xM, yM: 0, keypoints: null, confidence: 1 });
      xM += speedAt(tS) / 1000;
    }
    const { state } = run(observations);
    expect(state.sprintCount).toBe(1);
  });

  it('continues identically from a JSON round trip of the state', () => {
    const player = simulatePlayer(BASE_SEED + 1, 130);
    const straight = run(player.observations, { periodStartMs: 1_000 });
    for (const at of [1, 2, 1000, 2345]) {
      const restored = run(player.observations, { periodStartMs: 1_000 }, at);
      expect(restored.samples).toEqual(straight.samples);
      expect(restored.minutes).toEqual(straight.minutes);
    }
    expect(straight.minutes[0]?.minuteStartMs).toBe(1_000 + (straight.minutes[0]?.minuteIndex ?? 0) * 60_000);
  });

  it('counts no distance across a long gap and ignores duplicates, late and non-finite observations', () => {
    const observations: AthleteObservation[] = [];
    for (let i = 0; i < 250; i++) observations.push(at(i * 40, i * 0.04 * 3, 0)); // 3 m/s for 10 s
    for (let i = 0; i < 250; i++) observations.push(at(20_000 + i * 40, 100 + i * 0.04 * 3, 0)); // 10 s gap, 70 m away
    const { state } = run(observations);
    // 2 x 29.9 m, less the first fitted step of each stretch (the fit needs samples on both sides).
    expect(state.distanceM).toBeGreaterThan(58.5);
    expect(state.distanceM).toBeLessThan(61);

    const messy: AthleteObservation[] = [];
    observations.forEach((o, index) => {
      messy.push(o, { ...o, xM: o.xM + 1 });
      if (index > 2 && index % 5 === 0) messy.push(observations[index - 2] ?? o);
      if (index % 7 === 0) messy.push({ ...o, eventTimeMs: o.eventTimeMs + 1, xM: Number.NaN });
    });
    expect(run(messy).state.distanceM).toBe(state.distanceM);
  });

  it('adds no distance for tracking glitches', () => {
    const player = simulatePlayer(BASE_SEED + 3, 120);
    const clean = run(player.observations).state.distanceM;
    const glitched = player.observations.map((o, index) => (index % 41 === 7 ? { ...o, xM: o.xM + 8 } : o));
    const result = run(glitched).state.distanceM;
    expect(Math.abs(result - clean) / clean).toBeLessThan(0.003);
  });

  it('stays finite on degenerate input', () => {
    const state = initialTeamSportState();
    expect(flushTeamSport(state).minute).toBeNull();
    expect(stepTeamSport(state, at(0, 0, 0)).sample).toBeNull();
    expect(stepTeamSport(state, at(0, 1, 1)).sample).toBeNull();
    const far = stepTeamSport(state, at(1e9, 1e6, -1e6));
    expect(allFinite(far)).toBe(true);
    expect(allFinite(flushTeamSport(state))).toBe(true);
  });

  it('validates its options', () => {
    expect(resolveTeamSportOptions()).toEqual({ ...DEFAULT_TEAM_SPORT_OPTIONS });
    expect(() => resolveTeamSportOptions({ sprintThresholdMps: Number.NaN })).toThrow(/sprintThresholdMps/);
    expect(() => resolveTeamSportOptions({ ringCapacity: 5 })).toThrow(/ringCapacity/);
    expect(resolveTeamSportOptions({ minMovingSpeedMps: 0 }).minMovingSpeedMps).toBe(0);
  });
});

function at(offsetMs: number, xM: number, yM: number): AthleteObservation {
  return { eventTimeMs: 1_700_000_000_000 + offsetMs, xM, yM, keypoints: null, confidence: 1 };
}
