/**
 * The 21 body keypoints of a tracking frame's skeleton, in array order. Foot keypoints (ankles, heels,
 * toes) carry the gait: a foot is on the ground while its heel or toe is at ground height and still.
 */
export const KEYPOINTS = [
  'head', // 0
  'neck', // 1
  'rightShoulder', // 2
  'rightElbow', // 3
  'rightWrist', // 4
  'leftShoulder', // 5
  'leftElbow', // 6
  'leftWrist', // 7
  'pelvis', // 8
  'rightHip', // 9
  'rightKnee', // 10
  'rightAnkle', // 11
  'leftHip', // 12
  'leftKnee', // 13
  'leftAnkle', // 14
  'rightHeel', // 15
  'rightToe', // 16
  'leftHeel', // 17
  'leftToe', // 18
  'chest', // 19
  'midSpine', // 20
] as const;

export type KeypointName = (typeof KEYPOINTS)[number];

export const KEYPOINT_INDEX: Readonly<Record<KeypointName, number>> = Object.fromEntries(
  KEYPOINTS.map((name, index) => [name, index]),
) as Record<KeypointName, number>;

export const KEYPOINT_COUNT = KEYPOINTS.length;
