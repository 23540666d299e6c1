// World ↔ network units, for tokens and actions alike, driven by a TaskSpec:
//   normalised = (world − worldOffset) / worldScale,   world = normalised · worldScale + worldOffset.
// Push-T: offset (256, 256, 0), scale (256, 256, 256), so the 512×512 workspace maps onto [−1, 1]² and
// z (always 0 in 2D) stays 0. Actions are target positions and use the same x/y map.
// Also the Push-T observation: S_t ∈ R^{N×3}, the block's 9 keypoints then the agent, z = 0.
import { TOKEN_DIM, type TaskSpec } from './taskSpec';
import { NUM_KEYPOINTS, blockKeypointsWorld, type Pose } from './pusht/geometry';

/** Normalises one world coordinate on `axis` (0 = x, 1 = y, 2 = z). */
export function normaliseCoord(spec: TaskSpec, axis: number, world: number): number {
  return (world - spec.worldOffset[axis]) / spec.worldScale[axis];
}

/** World coordinate of one normalised coordinate on `axis`. */
export function denormaliseCoord(spec: TaskSpec, axis: number, normalised: number): number {
  return normalised * spec.worldScale[axis] + spec.worldOffset[axis];
}

/** Normalised actions (…×actionDim) → world units (pixels for Push-T), into `out` (may alias `actions`). */
export function actionsToWorld(spec: TaskSpec, actions: Float32Array | Float64Array, out: Float32Array | Float64Array = new Float32Array(actions.length)): typeof out {
  const d = spec.actionDim;
  for (let i = 0; i < actions.length; i++) out[i] = denormaliseCoord(spec, i % d, actions[i]);
  return out;
}

/** World-unit actions (pixels for Push-T) → normalised, into `out` (may alias `actions`). */
export function actionsToNormalised(spec: TaskSpec, actions: Float32Array | Float64Array, out: Float32Array | Float64Array = new Float32Array(actions.length)): typeof out {
  const d = spec.actionDim;
  for (let i = 0; i < actions.length; i++) out[i] = normaliseCoord(spec, i % d, actions[i]);
  return out;
}

const keypointScratch = new Float64Array(2 * NUM_KEYPOINTS);

/**
 * Writes the Push-T observation tokens (normalised) at out[offset…offset + N·3): the 9 block keypoints
 * (world = R(θ)·local + origin) then the agent, each (x, y, 0).
 */
export function writePushTTokens(spec: TaskSpec, block: Pose, agentX: number, agentY: number, out: Float32Array, offset: number): void {
  blockKeypointsWorld(block, keypointScratch);
  for (let k = 0; k < NUM_KEYPOINTS; k++) {
    const o = offset + k * TOKEN_DIM;
    out[o] = normaliseCoord(spec, 0, keypointScratch[2 * k]);
    out[o + 1] = normaliseCoord(spec, 1, keypointScratch[2 * k + 1]);
    out[o + 2] = normaliseCoord(spec, 2, 0);
  }
  const o = offset + NUM_KEYPOINTS * TOKEN_DIM;
  out[o] = normaliseCoord(spec, 0, agentX);
  out[o + 1] = normaliseCoord(spec, 1, agentY);
  out[o + 2] = normaliseCoord(spec, 2, 0);
}

/** The block's keypoints at `pose` as normalised tokens (G×3), e.g. the goal conditioning. */
export function keypointTokens(spec: TaskSpec, pose: Pose): Float32Array {
  const out = new Float32Array(NUM_KEYPOINTS * TOKEN_DIM);
  blockKeypointsWorld(pose, keypointScratch);
  for (let k = 0; k < NUM_KEYPOINTS; k++) {
    out[k * TOKEN_DIM] = normaliseCoord(spec, 0, keypointScratch[2 * k]);
    out[k * TOKEN_DIM + 1] = normaliseCoord(spec, 1, keypointScratch[2 * k + 1]);
    out[k * TOKEN_DIM + 2] = normaliseCoord(spec, 2, 0);
  }
  return out;
}
