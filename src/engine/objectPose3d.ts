// push-3d's object as the playground reports it in its frame's planar scalars (blockX, blockY, blockAngle,
// metres and radians): read off the keypoint tokens, so a finished episode's last observation (the env has
// already reset) reads the same way as a live one. Pure; no tfjs, no DOM.
import type { Pose } from '../sim/pusht/geometry';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { denormaliseCoord } from '../sim/tokens';
import { NUM_KEYPOINTS } from '../sim/push3d/geometry';

/** Keypoints of the crossbar's outer bottom edge, local (−0.06, 0, 0) and (0.06, 0, 0): the local x axis. */
const EDGE_START = 0;
const EDGE_END = 1;
/** The centre of mass is the last keypoint. */
const COM = NUM_KEYPOINTS - 1;

/** Centre of mass (x, y) and heading (the local x axis projected on the table) of the object whose keypoints are tokens 0…12. */
export function objectPlanarPose(tokens: ArrayLike<number>, spec: TaskSpec, out: Pose = { x: 0, y: 0, angle: 0 }): Pose {
  const w = (k: number, axis: number) => denormaliseCoord(spec, axis, tokens[k * TOKEN_DIM + axis]);
  out.x = w(COM, 0);
  out.y = w(COM, 1);
  out.angle = Math.atan2(w(EDGE_END, 1) - w(EDGE_START, 1), w(EDGE_END, 0) - w(EDGE_START, 0));
  return out;
}
