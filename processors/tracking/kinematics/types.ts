import type { Keypoint } from '../../../schemas/generated.ts';

/** One athlete in one frame: the part of an `AthleteDetection` the kinematics need, with the frame time. */
export interface AthleteObservation {
  /** Capture time of the frame, ms since the Unix epoch (UTC). */
  eventTimeMs: number;
  /** Position x, metres (sprints: distance from the start line along the lane). */
  xM: number;
  /** Position y, metres. */
  yM: number;
  /** The 21 keypoints in the order of processors/tracking/keypoints.ts, or null. */
  keypoints: readonly Keypoint[] | null;
  /** Detection confidence, 0 to 1 (carried for the caller; the filters weigh every position alike). */
  confidence: number;
}

/** The smoothed kinematics of a sprinter at one observation (team sports: `TeamSportSample`). */
export interface KinematicSample {
  /** Event time of the observation, ms since the Unix epoch (UTC). */
  eventTimeMs: number;
  /** Smoothed position x, metres. */
  xM: number;
  /** Smoothed position y, metres. */
  yM: number;
  /** Smoothed speed (magnitude of the velocity), metres per second. */
  speedMps: number;
  /** Smoothed acceleration along x (along the track), metres per second squared. */
  accelerationMps2: number;
  /**
   * Distance covered, metres: the smoothed x, floored at 0. For sprints x is the distance from the start
   * line along the lane, so it is the distance run (a path length would add the noise across the lane).
   */
  distanceM: number;
  /** Highest speed between the gun and the finish so far (found with the fixed lag), m/s; 0 before. */
  topSpeedMps: number;
  /** x where the top speed was reached, metres; 0 before. */
  topSpeedAtM: number;
}
