// How close the object is to the goal pose, and whether the episode has succeeded or failed.
//   position  horizontal distance between the centres of mass (m)
//   yaw       |heading − goal heading|, wrapped (rad)
//   tilt      angle between the object's up axis and the world's (rad; the goal is upright)
//   keypoint  mean distance between the 13 keypoints and the goal's (m): position, heading and tilt in one
// Score (reported where Push-T reports coverage) = clip(1 − keypoint / SCORE_SCALE, 0, 1); reward = score.
// Success: position < 1 cm, yaw < 0.1 rad and tilt < 0.1 rad. Failure: fallen off the table or tipped over.
import {
  FALLEN_Z,
  GOAL_POSE,
  GOAL_YAW,
  NUM_KEYPOINTS,
  SCORE_SCALE,
  SUCCESS_POSITION,
  SUCCESS_TILT,
  SUCCESS_YAW,
  TIPPED_TILT,
  type Pose3,
} from './geometry';
import { wrapAngle } from '../../core/angle';
import { comWorld, keypointsWorld, tiltOf, yawOf } from './pose3';

export interface PoseErrors {
  position: number;
  yaw: number;
  tilt: number;
  keypoint: number;
  /** Height of the centre of mass (m). */
  comZ: number;
}

export function zeroErrors(): PoseErrors {
  return { position: 0, yaw: 0, tilt: 0, keypoint: 0, comZ: 0 };
}

const goalKeypoints = new Float64Array(3 * NUM_KEYPOINTS);
keypointsWorld(GOAL_POSE, goalKeypoints);
const goalCom = Float64Array.from(comWorld(GOAL_POSE));
const keypointScratch = new Float64Array(3 * NUM_KEYPOINTS);
const comScratch = new Float64Array(3);

/** The errors of pose `p` against the goal, into `out`. */
export function poseErrors(p: Pose3, out: PoseErrors): PoseErrors {
  comWorld(p, comScratch);
  out.position = Math.hypot(comScratch[0] - goalCom[0], comScratch[1] - goalCom[1]);
  out.comZ = comScratch[2];
  out.yaw = Math.abs(wrapAngle(yawOf(p) - GOAL_YAW));
  out.tilt = tiltOf(p);
  keypointsWorld(p, keypointScratch);
  let sum = 0;
  for (let k = 0; k < 3 * NUM_KEYPOINTS; k += 3) {
    sum += Math.hypot(keypointScratch[k] - goalKeypoints[k], keypointScratch[k + 1] - goalKeypoints[k + 1], keypointScratch[k + 2] - goalKeypoints[k + 2]);
  }
  out.keypoint = sum / NUM_KEYPOINTS;
  return out;
}

export function poseScore(e: PoseErrors): number {
  const s = 1 - e.keypoint / SCORE_SCALE;
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

export function isSuccess(e: PoseErrors): boolean {
  return e.position < SUCCESS_POSITION && e.yaw < SUCCESS_YAW && e.tilt < SUCCESS_TILT;
}

/** Fallen off the table (centre of mass below the table top) or tipped over. */
export function hasFailed(e: PoseErrors): boolean {
  return e.comZ < FALLEN_Z || e.tilt > TIPPED_TILT;
}

/** Mean squared keypoint distance to the goal (m²): the expert's smooth cost (no angle wrap-around). */
export function keypointCost(p: Pose3): number {
  keypointsWorld(p, keypointScratch);
  let sum = 0;
  for (let k = 0; k < 3 * NUM_KEYPOINTS; k++) {
    const d = keypointScratch[k] - goalKeypoints[k];
    sum += d * d;
  }
  return sum / NUM_KEYPOINTS;
}
