import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { trackingFrameSchema, trackingSessionSchema } from '../../../../schemas/generated.ts';
import { simulateMatch, simulateSprint } from '../../../../processors/tracking/simulate/index.ts';

describe('simulated values against the Avro schemas', () => {
  const frameType = avsc.Type.forSchema(trackingFrameSchema);
  const sessionType = avsc.Type.forSchema(trackingSessionSchema);

  it('round-trips sprint frames (with keypoints) and sessions exactly', () => {
    const race = simulateSprint({ seed: 3 });
    expect(sessionType.fromBuffer(sessionType.toBuffer(race.session))).toEqual(race.session);
    for (const frame of race.framesInOrder.filter((_, index) => index % 50 === 0)) {
      expect(frameType.fromBuffer(frameType.toBuffer(frame))).toEqual(frame);
    }
  });

  it('round-trips match frames and sessions exactly', () => {
    const match = simulateMatch({ seed: 3, durationS: 5, withKeypoints: true });
    expect(sessionType.fromBuffer(sessionType.toBuffer(match.session))).toEqual(match.session);
    for (const frame of match.framesInOrder.filter((_, index) => index % 25 === 0)) {
      expect(frameType.fromBuffer(frameType.toBuffer(frame))).toEqual(frame);
    }
  });
});
