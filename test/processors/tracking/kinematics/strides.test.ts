import { describe, expect, it } from 'vitest';
import type { Keypoint } from '../../../../schemas/generated.ts';
import { KEYPOINT_INDEX } from '../../../../processors/tracking/keypoints.ts';
import {
  DEFAULT_STRIDE_OPTIONS,
  initialStrideState,
  stepStrides,
  summariseStrides,
  type StrideState,
} from '../../../../processors/tracking/kinematics/strides.ts';
import {
  Gaussian,
  SprintTrajectory,
  keypointsAt,
  planContacts,
  randomProfile,
  type Contact,
} from './sprint-model.ts';

interface Gait {
  trajectory: SprintTrajectory;
  perFoot: Contact[][];
  touchdowns: Contact[];
}

function gait(seed: number): Gait {
  const rng = new Gaussian(seed);
  const trajectory = new SprintTrajectory(randomProfile(rng, false), 20);
  const perFoot = planContacts(trajectory, 12);
  const touchdowns = [...(perFoot[0] ?? []), ...(perFoot[1] ?? [])]
    .filter((c) => Number.isFinite(c.touchdownS))
    .sort((a, b) => a.touchdownS - b.touchdownS);
  return { trajectory, perFoot, touchdowns };
}

/**
 * Feeds frames from -1 s to `endS` (half a second past the cut, as the sprint processor asks for its
 * summary); `skip` drops frames. Counting starts at the gun (t = 0).
 */
function feed(
  g: Gait,
  fps: number,
  noiseM: number,
  seed: number,
  skip: (tS: number) => boolean = () => false,
  edit: (keypoints: Keypoint[], tS: number) => Keypoint[] | null = (k) => k,
  endS = cut(g, 9).untilS + 0.5,
): StrideState {
  const rng = new Gaussian(seed + 1);
  const state = initialStrideState();
  for (let tS = -1; tS < endS; tS += 1 / fps) {
    if (skip(tS)) continue;
    const keypoints = edit(keypointsAt(g.trajectory, g.perFoot, tS, noiseM, rng), tS);
    stepStrides(state, keypoints, tS, g.trajectory.speedAt(tS), tS >= 0, DEFAULT_STRIDE_OPTIONS);
  }
  return state;
}

/** A time half way between two touchdowns near `nearS`, and the touchdowns up to it. */
function cut(g: Gait, nearS: number): { untilS: number; count: number } {
  const index = g.touchdowns.findIndex((c) => c.touchdownS > nearS);
  const before = g.touchdowns[index - 1];
  const after = g.touchdowns[index];
  if (before === undefined || after === undefined) throw new Error('no touchdowns around the cut');
  return { untilS: (before.touchdownS + after.touchdownS) / 2, count: index };
}

describe('foot contact detection', () => {
  it('counts every step exactly on clean keypoints, and measures step length and frequency', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const g = gait(seed);
      for (const fps of [25, 50, 60]) {
        const state = feed(g, fps, 0, seed);
        const { untilS, count } = cut(g, 9);
        const summary = summariseStrides(state, untilS);
        if (summary.count !== count) {
          throw new Error(
            `${summary.count} steps at ${fps} fps, truth ${count}. Reproduce with seed: ${seed}`,
          );
        }
        const steps = g.touchdowns.slice(0, count);
        const first = steps[0];
        const last = steps[steps.length - 1];
        if (first === undefined || last === undefined) throw new Error('no steps');
        expect(summary.meanLengthM).toBeCloseTo((last.xM - first.xM) / (count - 1), 1);
        expect(summary.meanFrequencyHz).toBeCloseTo((count - 1) / (last.touchdownS - first.touchdownS), 1);
      }
    }
  });

  it('counts within one step on noisy keypoints (2-3 cm), over many seeds', () => {
    let worst = 0;
    for (let seed = 100; seed < 160; seed++) {
      const g = gait(seed);
      const noiseM = seed % 2 === 0 ? 0.02 : 0.03;
      const state = feed(g, 50, noiseM, seed);
      const { untilS, count } = cut(g, 9);
      const error = Math.abs(summariseStrides(state, untilS).count - count);
      worst = Math.max(worst, error);
      if (error > 1) throw new Error(`off by ${error} steps. Reproduce with seed: ${seed}`);
    }
    console.log(`noisy keypoints: worst step count error ${worst}`);
  });

  it('infers a contact lost in dropped frames from two contacts of the same foot in a row', () => {
    const g = gait(5);
    const lost = g.touchdowns[10];
    if (lost === undefined) throw new Error('no 11th step');
    const state = feed(g, 50, 0, 5, (tS) => tS > lost.touchdownS - 0.04 && tS < lost.takeoffS + 0.04);
    const { untilS, count } = cut(g, 9);
    expect(summariseStrides(state, untilS).count).toBe(count);
  });

  it('does not count a contact twice when a keypoint glitch lifts the foot for a frame', () => {
    const g = gait(6);
    const contact = g.touchdowns[12];
    if (contact === undefined) throw new Error('no 13th step');
    const glitchS = (contact.touchdownS + contact.takeoffS) / 2;
    const foot =
      contact.foot === 0
        ? [KEYPOINT_INDEX.leftHeel, KEYPOINT_INDEX.leftToe]
        : [KEYPOINT_INDEX.rightHeel, KEYPOINT_INDEX.rightToe];
    const state = feed(g, 60, 0, 6, undefined, (keypoints, tS) => {
      if (Math.abs(tS - glitchS) > 0.009) return keypoints;
      return keypoints.map((k, i) => (foot.includes(i) ? { ...k, zM: 0.3 } : k));
    });
    const { untilS, count } = cut(g, 9);
    expect(summariseStrides(state, untilS).count).toBe(count);
  });

  it('ignores frames without keypoints or with low-confidence feet, and contacts before counting starts', () => {
    const g = gait(7);
    const none = feed(g, 50, 0, 7, undefined, () => null);
    expect(none.seenKeypoints).toBe(false);
    expect(summariseStrides(none, 100)).toEqual({ count: 0, meanLengthM: 0, meanFrequencyHz: 0 });
    const unsure = feed(g, 50, 0, 7, undefined, (keypoints) =>
      keypoints.map((k) => ({ ...k, confidence: 0.1 })),
    );
    expect(unsure.seenKeypoints).toBe(true);
    expect(unsure.count).toBe(0);
    // The blocks (contacts from before the gun) are never counted: the first counted step is step 1.
    const state = feed(g, 50, 0, 7);
    expect(state.firstOnsetS).toBeCloseTo(g.touchdowns[0]?.touchdownS ?? 0, 1);
    for (const value of Object.values(summariseStrides(state, 1e9)))
      expect(Number.isFinite(value)).toBe(true);
  });

  it('takes back the contacts counted after the time asked for (up to 8)', () => {
    const g = gait(8);
    const state = feed(g, 50, 0, 8, undefined, undefined, 10);
    const late = cut(g, 9.5);
    expect(summariseStrides(state, late.untilS).count).toBe(late.count);
    const early = cut(g, 8.5);
    expect(summariseStrides(state, early.untilS).count).toBe(early.count);
  });
});
