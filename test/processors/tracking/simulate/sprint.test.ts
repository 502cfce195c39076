import { describe, expect, it } from 'vitest';
import type { TrackingFrame } from '../../../../schemas/generated.ts';
import { KEYPOINT_COUNT, KEYPOINT_INDEX } from '../../../../processors/tracking/keypoints.ts';
import {
  BOLT_BERLIN_2009,
  LANE_WIDTH_M,
  latenessOfDeliveries,
  simulateSprint,
  type SprintSimulation,
} from '../../../../processors/tracking/simulate/index.ts';

const GUN_MS = Date.UTC(2024, 7, 4, 19, 55, 0);

function stats(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

/**
 * Touchdowns of one foot counted from its heel height, with hysteresis: a touchdown is the heel going
 * below 0.12 m after having been above 0.2 m (the feet start on the blocks, which is not a touchdown).
 */
function touchdownTimesMs(frames: readonly TrackingFrame[], athleteId: string, heel: number): number[] {
  const times: number[] = [];
  let airborne = false;
  for (const frame of frames) {
    const z = frame.athletes.find((a) => a.athleteId === athleteId)?.keypoints?.[heel]?.zM;
    if (z === undefined) throw new Error(`no heel in frame ${frame.frameNumber}`);
    if (!airborne && z > 0.2) airborne = true;
    else if (airborne && z < 0.12) {
      airborne = false;
      times.push(frame.eventTimeMs);
    }
  }
  return times;
}

describe('simulateSprint', () => {
  const seed = 20240804;
  const race: SprintSimulation = simulateSprint({ seed });

  it('is deterministic: the same options give identical output', () => {
    const again = simulateSprint({ seed });
    expect(again.frames).toEqual(race.frames);
    expect(again.truth).toEqual(race.truth);
    expect(simulateSprint({ seed: seed + 1 }).truth).not.toEqual(race.truth);
  });

  it('keeps positions when keypoints are turned off', () => {
    const plain = simulateSprint({ seed, withKeypoints: false });
    expect(plain.framesInOrder[100]?.athletes.map((a) => a.xM)).toEqual(
      race.framesInOrder[100]?.athletes.map((a) => a.xM),
    );
    expect(plain.framesInOrder[100]?.athletes[0]?.keypoints).toBeNull();
  });

  it('models Berlin 2009: 9.58 s, 20 m in 2.89 s, 12.35 m/s, 41 steps', () => {
    const bolt = simulateSprint({ seed: 1, lanes: 1, athletes: [BOLT_BERLIN_2009] }).truth[0];
    expect(bolt).toBeDefined();
    if (bolt === undefined) return;
    expect(bolt.finishTimeS).toBeCloseTo(9.58, 1);
    expect(Math.abs(bolt.finishTimeS - 9.58)).toBeLessThan(0.02);
    expect(Math.abs((bolt.splitTimesS[20] ?? 0) - 2.89)).toBeLessThan(0.02);
    expect(Math.abs(bolt.topSpeedMps - 12.35)).toBeLessThan(0.1);
    expect(bolt.topSpeedAtM).toBeGreaterThan(60);
    expect(bolt.strideCount).toBeGreaterThanOrEqual(40);
    expect(bolt.strideCount).toBeLessThanOrEqual(42);
    expect(bolt.meanStrideLengthM).toBeCloseTo(100 / bolt.strideCount, 9);
    expect(bolt.reactionTimeS).toBe(0.146);
  });

  it('gives sane truth for every athlete of many races', () => {
    for (let s = 0; s < 20; s += 1) {
      const { truth } = simulateSprint({ seed: s, withKeypoints: false });
      for (const t of truth) {
        const context = `seed ${s} ${t.athleteId}`;
        const marks = Object.keys(t.splitTimesS).map(Number);
        expect(marks, context).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
        const times = marks.map((m) => t.splitTimesS[m] ?? Number.NaN);
        for (let i = 1; i < times.length; i += 1)
          expect(times[i], context).toBeGreaterThan(times[i - 1] ?? 0);
        expect(t.splitTimesS[100], context).toBe(t.finishTimeS);
        expect(t.finishTimeS, context).toBeGreaterThan(9.5);
        expect(t.finishTimeS, context).toBeLessThan(11.5);
        expect(t.reactionTimeS, context).toBeGreaterThanOrEqual(0.12);
        expect(t.reactionTimeS, context).toBeLessThanOrEqual(0.2);
        expect(t.strideCount, context).toBeGreaterThanOrEqual(40);
        expect(t.strideCount, context).toBeLessThanOrEqual(52);
        expect(t.meanStrideFrequencyHz, context).toBeGreaterThan(3.9);
        expect(t.meanStrideFrequencyHz, context).toBeLessThan(4.9);
        expect(t.topSpeedMps, context).toBeGreaterThan(9.3);
        expect(t.topSpeedMps, context).toBeLessThan(12.4);
        expect(t.decelerationLast20mMps, context).toBeGreaterThan(0);
        expect(t.decelerationLast20mMps, context).toBeLessThan(1);
        expect(t.speedAtFinishMps, context).toBeCloseTo(t.topSpeedMps - t.decelerationLast20mMps, 0);
      }
    }
  });

  it('runs a straight 200 m with splits every 10 m', () => {
    const long = simulateSprint({ seed, distanceM: 200, fps: 60, withKeypoints: false });
    expect(long.session.discipline).toBe('200m');
    for (const t of long.truth) {
      expect(Object.keys(t.splitTimesS)).toHaveLength(20);
      expect(t.splitTimesS[200]).toBe(t.finishTimeS);
      expect(t.finishTimeS).toBeGreaterThan(18.5);
      expect(t.finishTimeS).toBeLessThan(23);
    }
    const intervals = long.framesInOrder
      .slice(1)
      .map((f, i) => f.eventTimeMs - (long.framesInOrder[i]?.eventTimeMs ?? 0));
    expect(new Set(intervals)).toEqual(new Set([16, 17]));
  });

  it('describes the session', () => {
    expect(race.session).toMatchObject({ discipline: '100m', startSignalMs: GUN_MS, distanceM: 100 });
    expect(race.session.athletes.map((a) => a.lane)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('films from before the gun until a second after the last finish, every athlete in every frame', () => {
    const inOrder = race.framesInOrder;
    const first = inOrder[0];
    const last = inOrder[inOrder.length - 1];
    if (first === undefined || last === undefined) throw new Error('no frames');
    expect(first.eventTimeMs).toBeLessThan(GUN_MS - 400);
    const lastFinishMs = GUN_MS + 1000 * Math.max(...race.truth.map((t) => t.finishTimeS));
    expect(last.eventTimeMs).toBeGreaterThan(lastFinishMs + 950);
    expect(last.eventTimeMs).toBeLessThanOrEqual(lastFinishMs + 1000);
    inOrder.forEach((frame, index) => {
      expect(frame.frameNumber).toBe(index);
      expect(frame.sessionId).toBe(race.session.sessionId);
      expect(Number.isInteger(frame.eventTimeMs)).toBe(true);
    });
    for (const frame of race.frames) {
      expect(frame.athletes.map((a) => a.athleteId)).toEqual(race.session.athletes.map((a) => a.athleteId));
      for (const a of frame.athletes) {
        expect(a.confidence).toBeGreaterThanOrEqual(0.8);
        expect(a.confidence).toBeLessThanOrEqual(1);
        expect(a.keypoints).toHaveLength(KEYPOINT_COUNT);
      }
    }
    // Before the gun, athletes stand in their set position behind the line.
    for (const a of first.athletes)
      expect(race.positionAt(a.athleteId, first.eventTimeMs)?.xM).toBeLessThanOrEqual(0);
  });

  it('adds position noise with the configured standard deviation', () => {
    const residuals: Record<'x' | 'y' | 'z', number[]> = { x: [], y: [], z: [] };
    for (const frame of race.framesInOrder) {
      for (const a of frame.athletes) {
        const clean = race.positionAt(a.athleteId, frame.eventTimeMs);
        if (clean === undefined) throw new Error(a.athleteId);
        residuals.x.push(a.xM - clean.xM);
        residuals.y.push(a.yM - clean.yM);
        residuals.z.push(a.zM - clean.zM);
      }
    }
    for (const values of Object.values(residuals)) {
      const { mean, sd } = stats(values);
      expect(Math.abs(mean)).toBeLessThan(0.003);
      expect(sd).toBeGreaterThan(0.03 * 0.95);
      expect(sd).toBeLessThan(0.03 * 1.05);
    }
    const lane3 = race.positionAt('lane-3', GUN_MS);
    expect(lane3?.yM).toBeCloseTo(2.5 * LANE_WIDTH_M, 9);
  });

  it('delivers frames with the configured imperfections, bounded', () => {
    const rough = simulateSprint({
      seed,
      distanceM: 200,
      withKeypoints: false,
      dropRate: 0.05,
      duplicateRate: 0.05,
      reorderRate: 0.1,
      maxReorderFrames: 4,
    });
    const n = rough.framesInOrder.length;
    const { droppedFrameNumbers, duplicatedFrameNumbers, lateFrameNumbers, maxLatenessFrames } =
      rough.arrival;
    for (const count of [droppedFrameNumbers.length, duplicatedFrameNumbers.length]) {
      expect(count, `seed ${seed}`).toBeGreaterThan(0.05 * n - 5 * Math.sqrt(0.05 * n));
      expect(count, `seed ${seed}`).toBeLessThan(0.05 * n + 5 * Math.sqrt(0.05 * n));
    }
    expect(lateFrameNumbers.length).toBeGreaterThan(0.03 * n);
    expect(rough.frames.length).toBe(n - droppedFrameNumbers.length + duplicatedFrameNumbers.length);
    expect(maxLatenessFrames).toBeLessThanOrEqual(4);
    expect(Math.max(...latenessOfDeliveries(rough.frames))).toBe(maxLatenessFrames);
    const dropped = new Set(droppedFrameNumbers);
    const arrivedNumbers = new Set(rough.frames.map((f) => f.frameNumber));
    for (const frame of rough.framesInOrder)
      expect(arrivedNumbers.has(frame.frameNumber)).toBe(!dropped.has(frame.frameNumber));
    // A duplicate is an identical copy.
    const duplicate = duplicatedFrameNumbers[0];
    const copies = rough.frames.filter((f) => f.frameNumber === duplicate);
    expect(copies).toHaveLength(2);
    expect(copies[0]).toEqual(copies[1]);
    expect(copies[0]).not.toBe(copies[1]);
    // The default feed is nearly clean.
    expect(race.arrival.maxLatenessFrames).toBeLessThanOrEqual(3);
    expect(race.arrival.droppedFrameNumbers.length).toBeLessThan(20);
  });

  it('shows every step in the heel heights: touchdowns counted from keypoints match the truth', () => {
    for (const fps of [50, 60]) {
      const sim = fps === 50 ? race : simulateSprint({ seed, fps });
      for (const t of sim.truth) {
        const context = `seed ${seed} fps ${fps} ${t.athleteId}`;
        const finishMs = GUN_MS + t.finishTimeS * 1000;
        const right = touchdownTimesMs(sim.framesInOrder, t.athleteId, KEYPOINT_INDEX.rightHeel);
        const left = touchdownTimesMs(sim.framesInOrder, t.athleteId, KEYPOINT_INDEX.leftHeel);
        const counted = [...left, ...right].filter((ms) => ms <= finishMs).length;
        expect(Math.abs(counted - t.strideCount), context).toBeLessThanOrEqual(1);
        // Each counted touchdown is within two frames of a true one of the same foot.
        for (const [foot, times] of [
          ['left', left],
          ['right', right],
        ] as const) {
          const truths = t.contacts.filter((c) => c.foot === foot).map((c) => GUN_MS + c.touchdownS * 1000);
          for (const ms of times) {
            const nearest = Math.min(...truths.map((truthMs) => Math.abs(truthMs - ms)));
            expect(nearest, context).toBeLessThanOrEqual(2000 / fps);
          }
        }
      }
    }
  });

  it('keeps a foot still on the ground during a contact', () => {
    const t = race.truth[3];
    if (t === undefined) throw new Error('no lane 4');
    const contact = t.contacts.find((c) => c.touchdownS > 5);
    if (contact === undefined) throw new Error('no contact after 5 s');
    const heel = contact.foot === 'left' ? KEYPOINT_INDEX.leftHeel : KEYPOINT_INDEX.rightHeel;
    const during = race.framesInOrder.filter(
      (f) =>
        f.eventTimeMs >= GUN_MS + contact.touchdownS * 1000 &&
        f.eventTimeMs <= GUN_MS + contact.takeoffS * 1000,
    );
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (const frame of during) {
      const point = frame.athletes[3]?.keypoints?.[heel];
      expect(Math.abs((point?.xM ?? 0) - (contact.xM - 0.06))).toBeLessThan(0.1);
      expect(point?.zM).toBeLessThan(0.12);
    }
  });

  it('rejects invalid options', () => {
    expect(() => simulateSprint({ seed, distanceM: 150 as 100 })).toThrow(/distanceM/);
    expect(() => simulateSprint({ seed, lanes: 0 })).toThrow(/lanes/);
    expect(() => simulateSprint({ seed, dropRate: 1.5 })).toThrow(/dropRate/);
    expect(() => simulateSprint({ seed, levelRange: [0.8, 0.2] })).toThrow(/levelRange/);
    expect(() => simulateSprint({ seed, lanes: 1, athletes: [{}, {}] })).toThrow(/athletes/);
  });

  it('simulates an 8-lane 100 m at 50 fps with keypoints well under a second', () => {
    const started = performance.now();
    simulateSprint({ seed: seed + 2 });
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(1000);
  });
});
