// The push-3d observation: S_t ∈ R^{14×3}, the object's 13 keypoints (six bottom corners, six top corners,
// centre of mass; world = R(q)·local + position) then the pusher's centre, normalised by the TaskSpec.
import { TOKEN_DIM, type TaskSpec } from '../taskSpec';
import { normaliseCoord } from '../tokens';
import { NUM_KEYPOINTS, type Pose3 } from './geometry';
import { keypointsWorld } from './pose3';

const keypointScratch = new Float64Array(3 * NUM_KEYPOINTS);

/** Writes the keypoints of an object at `pose` as normalised tokens at out[offset…offset + 13·3). */
export function writeKeypointTokens3d(spec: TaskSpec, pose: Pose3, out: Float32Array, offset: number): void {
  keypointsWorld(pose, keypointScratch);
  for (let i = 0; i < 3 * NUM_KEYPOINTS; i++) out[offset + i] = normaliseCoord(spec, i % TOKEN_DIM, keypointScratch[i]);
}

/** Writes the push-3d observation (keypoints, then the pusher) at out[offset…offset + N·3). */
export function writePush3DTokens(spec: TaskSpec, pose: Pose3, pusherX: number, pusherY: number, pusherZ: number, out: Float32Array, offset: number): void {
  writeKeypointTokens3d(spec, pose, out, offset);
  const o = offset + NUM_KEYPOINTS * TOKEN_DIM;
  out[o] = normaliseCoord(spec, 0, pusherX);
  out[o + 1] = normaliseCoord(spec, 1, pusherY);
  out[o + 2] = normaliseCoord(spec, 2, pusherZ);
}
