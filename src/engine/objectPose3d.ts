// push-3d's object as the playground reports it, read off the keypoint tokens, so a finished episode's last
// observation (the env has already reset) reads the same way as a live one: its planar pose in the frame's
// scalars (blockX, blockY, blockAngle, metres and radians), and the parts of the pose score (score.ts's
// position, heading and tilt errors against the goal). Pure; no tfjs, no DOM.
import { wrapAngle } from '../core/angle';
import type { Pose } from '../sim/pusht/geometry';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { denormaliseCoord } from '../sim/tokens';
import { GOAL_POSE, GOAL_YAW, NUM_KEYPOINTS } from '../sim/push3d/geometry';
import { comWorld } from '../sim/push3d/pose3';

/** Keypoints of the crossbar's outer bottom edge, local (−0.06, 0, 0) and (0.06, 0, 0): the local x axis. */
const EDGE_START = 0;
const EDGE_END = 1;
/** The keypoint above EDGE_START (local (−0.06, 0, OBJECT_HEIGHT)): the local z axis. */
const ABOVE_START = 6;
/** The centre of mass is the last keypoint. */
const COM = NUM_KEYPOINTS - 1;
const GOAL_COM = Array.from(comWorld(GOAL_POSE));

/** World coordinate `axis` of keypoint `k`. */
const world = (tokens: ArrayLike<number>, spec: TaskSpec, k: number, axis: number) => denormaliseCoord(spec, axis, tokens[k * TOKEN_DIM + axis]);

/** Centre of mass (x, y) and heading (the local x axis projected on the table) of the object whose keypoints are tokens 0…12. */
export function objectPlanarPose(tokens: ArrayLike<number>, spec: TaskSpec, out: Pose = { x: 0, y: 0, angle: 0 }): Pose {
  const w = (k: number, axis: number) => world(tokens, spec, k, axis);
  out.x = w(COM, 0);
  out.y = w(COM, 1);
  out.angle = Math.atan2(w(EDGE_END, 1) - w(EDGE_START, 1), w(EDGE_END, 0) - w(EDGE_START, 0));
  return out;
}

/** The pose score's parts: horizontal distance of the centre of mass from the goal's (m), |heading − goal heading| (rad), tilt from upright (rad). */
export interface PoseParts {
  position: number;
  heading: number;
  tilt: number;
}

/** The pose score's parts of the object whose keypoints are tokens 0…12 (as score.ts's poseErrors from its pose). */
export function poseParts(tokens: ArrayLike<number>, spec: TaskSpec, out: PoseParts = { position: 0, heading: 0, tilt: 0 }): PoseParts {
  const w = (k: number, axis: number) => world(tokens, spec, k, axis);
  const planar = objectPlanarPose(tokens, spec);
  out.position = Math.hypot(planar.x - GOAL_COM[0], planar.y - GOAL_COM[1]);
  out.heading = Math.abs(wrapAngle(planar.angle - GOAL_YAW));
  // The local z axis's world z component is R₂₂, whose arc cosine is the tilt.
  const up = [0, 1, 2].map((axis) => w(ABOVE_START, axis) - w(EDGE_START, axis));
  const cos = up[2] / Math.hypot(...up);
  out.tilt = Math.acos(Math.min(1, Math.max(-1, cos)));
  return out;
}
