// The contract between a task (src/sim) and the policy stack (src/policy, src/train): everything the
// networks need to know about a task, and nothing task-specific beyond it. Push-T and the 3D task both
// describe themselves with one of these, so Φ, b, η and the prior work unchanged on either.

/** Token type ids. Networks embed them; a task may use any subset. */
export const TOKEN_TYPE = {
  objectKeypoint: 0,
  agent: 1,
  goalKeypoint: 2,
} as const;
export const NUM_TOKEN_TYPES = 3;

export interface TaskSpec {
  name: string;
  /** N: tokens per observation S_t ∈ R^{N×3} (object keypoints, then the agent). */
  numTokens: number;
  /** Type id of each observation token (length N). */
  tokenTypes: Int32Array;
  /** Goal conditioning: the goal's keypoints, normalised, G×3 (constant for a fixed-goal task). */
  goalTokens: Float32Array;
  numGoalTokens: number;
  /** Action dimension (Push-T: 2, the target position). Actions seen by networks are normalised to [−1, 1]. */
  actionDim: number;
  /** Control steps per episode at most. */
  maxSteps: number;
  /** Control rate, Hz. */
  controlHz: number;
  /**
   * g = ∂(agent position after one control step)/∂(action), the same on every axis: the PD-driven agent covers
   * this fraction of a change of its target in one step (whatever its position and velocity; pdBias.ts).
   */
  agentStepGain: number;
  /** Normalisation: world = normalised · scale + offset, per axis (x, y, z), for tokens and actions alike. */
  worldScale: readonly [number, number, number];
  worldOffset: readonly [number, number, number];
}

export const TOKEN_DIM = 3;

/** Per-token norms ‖x_k‖ (length N) of an [N, 3] token array, e.g. the residual Δz. */
export function tokenNorms(deltaZ: Float32Array, out: Float32Array = new Float32Array(deltaZ.length / TOKEN_DIM)): Float32Array {
  for (let k = 0; k < out.length; k++) {
    const o = k * TOKEN_DIM;
    out[k] = Math.hypot(deltaZ[o], deltaZ[o + 1], deltaZ[o + 2]);
  }
  return out;
}
