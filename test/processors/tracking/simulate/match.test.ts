import { describe, expect, it } from 'vitest';
import { KEYPOINT_COUNT } from '../../../../processors/tracking/keypoints.ts';
import {
  BALL_ID,
  PITCH_LENGTH_M,
  PITCH_WIDTH_M,
  measureMovement,
  simulateMatch,
  type MatchSimulation,
} from '../../../../processors/tracking/simulate/index.ts';

const KICKOFF_MS = Date.UTC(2024, 7, 4, 19, 55, 0);

describe('simulateMatch', () => {
  const seed = 90;
  const match: MatchSimulation = simulateMatch({ seed });

  it('is deterministic', () => {
    const again = simulateMatch({ seed });
    expect(again.frames).toEqual(match.frames);
    expect(again.truth).toEqual(match.truth);
    expect(simulateMatch({ seed: seed + 1 }).truth).not.toEqual(match.truth);
  });

  it('has 22 players in two teams and the ball in every frame at 25 fps', () => {
    expect(match.session).toMatchObject({ discipline: 'football', startSignalMs: null, distanceM: null });
    expect(match.session.athletes).toHaveLength(22);
    expect(match.session.athletes.filter((a) => a.team === 'home')).toHaveLength(11);
    expect(match.framesInOrder).toHaveLength(120 * 25);
    const ids = [...match.session.athletes.map((a) => a.athleteId), BALL_ID].join();
    const problems: string[] = [];
    match.framesInOrder.forEach((frame, index) => {
      if (frame.eventTimeMs !== KICKOFF_MS + index * 40)
        problems.push(`frame ${index}: time ${frame.eventTimeMs}`);
      if (frame.athletes.map((a) => a.athleteId).join() !== ids) problems.push(`frame ${index}: athletes`);
      for (const a of frame.athletes) {
        const onPitch =
          a.xM > -0.2 && a.xM < PITCH_LENGTH_M + 0.2 && a.yM > -0.2 && a.yM < PITCH_WIDTH_M + 0.2;
        if (!onPitch || a.keypoints !== null)
          problems.push(`frame ${index}: ${a.athleteId} at ${a.xM}, ${a.yM}`);
      }
    });
    expect(problems).toEqual([]);
    expect(match.arrival.maxLatenessFrames).toBeLessThanOrEqual(3);
  });

  it('measures truth distances that agree with the clean positions', () => {
    for (const t of match.truth) {
      const context = `seed ${seed} ${t.athleteId}`;
      // Path length of the clean positions at 25 fps: a chord of the 10 ms path, so a little shorter.
      let chordM = 0;
      let previous = match.positionAt(t.athleteId, KICKOFF_MS);
      for (let ms = 40; ms <= 120_000; ms += 40) {
        const current = match.positionAt(t.athleteId, KICKOFF_MS + ms);
        if (previous === undefined || current === undefined) throw new Error(context);
        chordM += Math.hypot(current.xM - previous.xM, current.yM - previous.yM);
        previous = current;
      }
      expect(chordM, context).toBeLessThanOrEqual(t.totalDistanceM + 1e-6);
      expect(chordM, context).toBeGreaterThan(t.totalDistanceM * 0.99);
      expect(t.perMinuteDistanceM).toHaveLength(2);
      expect(
        t.perMinuteDistanceM.reduce((a, b) => a + b, 0),
        context,
      ).toBeCloseTo(t.totalDistanceM, 6);
      expect(t.highSpeedDistanceM, context).toBeLessThanOrEqual(t.totalDistanceM);
      expect(t.sprintCount).toBe(t.sprints.length);
      for (const sprint of t.sprints) {
        expect(sprint.endS - sprint.startS, context).toBeGreaterThanOrEqual(1 - 1e-9);
        expect(sprint.peakSpeedMps, context).toBeGreaterThan(7);
      }
    }
  });

  it('moves players at realistic speeds and distances', () => {
    const outfield = match.truth.filter((t) => t.role !== 'goalkeeper');
    const perMinute = outfield.map((t) => t.totalDistanceM / 2);
    const mean = perMinute.reduce((a, b) => a + b, 0) / perMinute.length;
    expect(mean).toBeGreaterThan(90);
    expect(mean).toBeLessThan(160);
    for (const t of match.truth) expect(t.topSpeedMps).toBeLessThanOrEqual(8.6 + 1e-9);
    // Over a longer stretch every band shows up, sprints included.
    const longer = simulateMatch({ seed, durationS: 600, withKeypoints: false });
    expect(longer.truth.reduce((a, t) => a + t.sprintCount, 0)).toBeGreaterThan(10);
    expect(longer.truth.reduce((a, t) => a + t.highSpeedDistanceM, 0)).toBeGreaterThan(22 * 20);
  });

  it('counts a sprint only above 7 m/s for at least a second', () => {
    const dtS = 0.01;
    const speeds = [
      ...Array<number>(100).fill(3),
      ...Array<number>(99).fill(7.5), // 0.99 s: not a sprint
      ...Array<number>(50).fill(6.9),
      ...Array<number>(100).fill(7.2), // 1.0 s: a sprint
      ...Array<number>(100).fill(7.0), // exactly 7 is not above
      ...Array<number>(151).fill(8), // runs to the end of the window: 1.5 s inside
    ];
    const length = speeds.length + 1;
    const xM = new Float64Array(length);
    for (let i = 1; i < length; i += 1) xM[i] = (xM[i - 1] ?? 0) + (speeds[i - 1] ?? 0) * dtS;
    const truth = measureMovement(
      {
        t0S: 0,
        dtS,
        xM,
        yM: new Float64Array(length),
        speedMps: Float64Array.from([...speeds, 8]),
        headingRad: new Float64Array(length),
        stepPhase: new Float64Array(length),
      },
      speeds.length * dtS,
    );
    expect(truth.sprintCount).toBe(2);
    expect(truth.sprints[0]?.startS).toBeCloseTo(2.49, 9);
    expect(truth.sprints[1]?.endS).toBeCloseTo(6, 9);
    expect(truth.totalDistanceM).toBeCloseTo(
      speeds.reduce((a, v) => a + v * dtS, 0),
      9,
    );
    expect(truth.highSpeedDistanceM).toBeCloseTo(
      (99 * 7.5 + 50 * 6.9 + 100 * 7.2 + 100 * 7 + 151 * 8) * dtS,
      9,
    );
    expect(truth.perMinuteDistanceM).toHaveLength(1);
  });

  it('adds keypoints on request, with feet on the ground while walking', () => {
    const withKeypoints = simulateMatch({ seed, durationS: 10, withKeypoints: true });
    const frame = withKeypoints.framesInOrder[100];
    expect(frame?.athletes[0]?.keypoints).toHaveLength(KEYPOINT_COUNT);
    expect(frame?.athletes[22]?.keypoints).toBeNull();
    expect(frame?.athletes.map((a) => a.xM)).toEqual(
      simulateMatch({ seed, durationS: 10 }).framesInOrder[100]?.athletes.map((a) => a.xM),
    );
  });

  it('keeps the ball on the pitch, on the ground or in flight', () => {
    for (const frame of match.framesInOrder) {
      const ball = match.positionAt(BALL_ID, frame.eventTimeMs);
      expect(ball?.zM).toBeGreaterThanOrEqual(0.11 - 1e-9);
      expect(ball?.zM).toBeLessThan(40);
    }
  });
});
