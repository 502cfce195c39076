/**
 * The 21 keypoints of processors/tracking/keypoints.ts placed around a body centre and two feet. Only
 * the feet carry the gait (see gait.ts); the rest of the skeleton is roughly placed (trunk lean, arm
 * swing opposite the legs) and is not meant to be biomechanically exact.
 */
import type { Keypoint } from '../../../schemas/generated.ts';
import { KEYPOINT_COUNT, KEYPOINT_INDEX, type KeypointName } from '../keypoints.ts';
import type { FootPose, Point3 } from './gait.ts';
import type { Rng } from '../../shared/random.ts';

export interface BodyPose {
  /** Body centre (pelvis), metres. */
  readonly xM: number;
  readonly yM: number;
  readonly zM: number;
  readonly headingRad: number;
  /** Forward lean of the trunk, radians from vertical. */
  readonly leanRad: number;
  /** Continuous step count (arms swing half a cycle per step). */
  readonly stepPhase: number;
}

export interface SkeletonNoise {
  /** Standard deviation of the noise added to each keypoint coordinate, metres. */
  readonly keypointNoiseM: number;
  /** Keypoint confidences are uniform in [minConfidence, 1). */
  readonly minConfidence: number;
}

/**
 * Builds the keypoints (in KEYPOINTS order). Coordinates and confidences are rounded to 32-bit floats,
 * as the Avro schema stores them, so a round trip through Avro is exact.
 */
export function buildSkeleton(
  body: BodyPose,
  left: FootPose,
  right: FootPose,
  noise: SkeletonNoise,
  rng: Rng,
): Keypoint[] {
  const cos = Math.cos(body.headingRad);
  const sin = Math.sin(body.headingRad);
  const leanSin = Math.sin(body.leanRad);
  const leanCos = Math.cos(body.leanRad);
  /** A point `forwardM` ahead, `leftM` to the left and `upM` above the pelvis, the trunk leaning. */
  const trunk = (forwardM: number, leftM: number, upM: number): Point3 => {
    const ahead = forwardM + upM * leanSin;
    return {
      xM: body.xM + ahead * cos - leftM * sin,
      yM: body.yM + ahead * sin + leftM * cos,
      zM: body.zM + upM * leanCos,
    };
  };
  const between = (a: Point3, b: Point3, forwardM: number, upM: number): Point3 => ({
    xM: (a.xM + b.xM) / 2 + forwardM * cos,
    yM: (a.yM + b.yM) / 2 + forwardM * sin,
    zM: (a.zM + b.zM) / 2 + upM,
  });
  // The left arm swings forward while the right leg does: half a cycle per step.
  const leftArm = Math.sin(Math.PI * body.stepPhase);
  const rightArm = -leftArm;
  const leftHip = trunk(0, 0.1, -0.02);
  const rightHip = trunk(0, -0.1, -0.02);
  const points: Record<KeypointName, Point3> = {
    head: trunk(0.02, 0, 0.68),
    neck: trunk(0, 0, 0.52),
    rightShoulder: trunk(0, -0.19, 0.47),
    rightElbow: trunk(0.18 * rightArm, -0.22, 0.24),
    rightWrist: trunk(0.32 * rightArm, -0.2, 0.08 + 0.15 * Math.max(0, rightArm)),
    leftShoulder: trunk(0, 0.19, 0.47),
    leftElbow: trunk(0.18 * leftArm, 0.22, 0.24),
    leftWrist: trunk(0.32 * leftArm, 0.2, 0.08 + 0.15 * Math.max(0, leftArm)),
    pelvis: { xM: body.xM, yM: body.yM, zM: body.zM },
    rightHip,
    rightKnee: between(rightHip, right.ankle, 0.12, 0.04),
    rightAnkle: right.ankle,
    leftHip,
    leftKnee: between(leftHip, left.ankle, 0.12, 0.04),
    leftAnkle: left.ankle,
    rightHeel: right.heel,
    rightToe: right.toe,
    leftHeel: left.heel,
    leftToe: left.toe,
    chest: trunk(0, 0, 0.36),
    midSpine: trunk(0, 0, 0.18),
  };
  const keypoints = new Array<Keypoint>(KEYPOINT_COUNT);
  for (const [name, point] of Object.entries(points) as Array<[KeypointName, Point3]>) {
    keypoints[KEYPOINT_INDEX[name]] = {
      xM: Math.fround(point.xM + rng.normal(0, noise.keypointNoiseM)),
      yM: Math.fround(point.yM + rng.normal(0, noise.keypointNoiseM)),
      zM: Math.fround(point.zM + rng.normal(0, noise.keypointNoiseM)),
      confidence: Math.fround(rng.uniform(noise.minConfidence, 1)),
    };
  }
  return keypoints;
}
