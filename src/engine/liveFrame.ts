// The live playground's snapshot of one lane (one env + its policy) as ONE Float32Array, so the worker can
// transfer it to the UI thread without copying and the render loop can read it without parsing.
//
//   scalars        step, episode, coverage, … (SCALARS below, one float each)
//   tokens         S_t [N, 3], normalised (the network's units)
//   predicted      Ŝ_t [N, 3], what Φ predicted for this state one step ago (the ghost)
//   deltaZ         Δz_t = S_t − Ŝ_t [N, 3], normalised
//   attention      the reflex's attention over the N tokens (mean over heads and queries), sums to 1
//   reflex         b_ψ(Δz_t, S_t) [A], normalised action units, before its gain
//   decomposition  the executed action at the pusher, pixels: the prior's point (a_0 + Σ prior steps), then the
//                  reflex, strategy and noise increments, then the total target; prior + reflex + strategy + noise
//                  = total (DECOMPOSITION_TERMS)
//
// Nothing here imports tfjs or the DOM: the worker writes through these views, the UI reads through them.

export const SCALARS = [
  'step',
  'episode',
  'episodeSeed',
  'coverage',
  'maxCoverage',
  /** The task reward r_task of the latest step, and its sum over the episode. */
  'reward',
  'episodeReturn',
  /** The SA-GR reward R = α·r_task − β‖Δz‖² − γ‖b‖² of the latest step (live α, β, γ), and its sum. */
  'sagrReward',
  'sagrReturn',
  /** 1 once the lane's episode has ended (it then holds its last state until every lane has ended). */
  'done',
  'success',
  /** Policy time of the latest control step (decision, prediction, reflex), ms. */
  'inferenceMs',
  /** Physics time of the latest control step, ms. */
  'physicsMs',
  /** ‖Δz_t‖ over all tokens (Frobenius), normalised units. */
  'deltaZNorm',
  /** ‖b‖, normalised units. */
  'reflexNorm',
  /** 1 when the latest step sampled a new action chunk. */
  'decided',
  /** What was done to the world at the latest step: LANE_EVENTS flags (liveHistory.ts), 0 for nothing. */
  'event',
  /** Flags: which parts below hold data (0: the policy has no Φ / reflex / SDE decomposition). */
  'hasPrediction',
  'hasReflex',
  'hasDecomposition',
  'blockX',
  'blockY',
  'blockAngle',
  'agentX',
  'agentY',
  /** push-3d: the pose score's parts (objectPose3d.ts): centre-of-mass distance from the goal's (m), heading and tilt errors (rad); Push-T: 0. */
  'posePosition',
  'poseHeading',
  'poseTilt',
  /** A shove asked for but not applied yet (it lands at the next control step): dx, dy px, dθ rad. */
  'pendingDx',
  'pendingDy',
  'pendingDtheta',
] as const;
export type ScalarName = (typeof SCALARS)[number];

export const DECOMPOSITION_TERMS = ['prior', 'reflex', 'strategy', 'noise', 'total'] as const;
export type DecompositionTerm = (typeof DECOMPOSITION_TERMS)[number];

/** Agent x, y then the block's centroid x, y per recorded step (pixels): the trail buffer's row. */
export const TRAIL_STRIDE = 4;

export interface LaneLayout {
  numTokens: number;
  actionDim: number;
  /** Floats in one lane buffer. */
  size: number;
  tokens: number;
  predicted: number;
  deltaZ: number;
  attention: number;
  reflex: number;
  decomposition: number;
}

const TOKEN_DIM = 3;

export function laneLayout(numTokens: number, actionDim: number): LaneLayout {
  if (!Number.isInteger(numTokens) || numTokens < 1) throw new Error(`numTokens: ${numTokens} is not a positive integer`);
  if (!Number.isInteger(actionDim) || actionDim < 1) throw new Error(`actionDim: ${actionDim} is not a positive integer`);
  let at = SCALARS.length;
  const take = (n: number) => {
    const start = at;
    at += n;
    return start;
  };
  const tokens = take(numTokens * TOKEN_DIM);
  const predicted = take(numTokens * TOKEN_DIM);
  const deltaZ = take(numTokens * TOKEN_DIM);
  const attention = take(numTokens);
  const reflex = take(actionDim);
  const decomposition = take(DECOMPOSITION_TERMS.length * actionDim);
  return { numTokens, actionDim, size: at, tokens, predicted, deltaZ, attention, reflex, decomposition };
}

/** Typed views into one lane buffer (they alias it: writing a view writes the buffer). */
export interface LaneViews {
  scalar(name: ScalarName): number;
  setScalar(name: ScalarName, value: number): void;
  tokens: Float32Array;
  predicted: Float32Array;
  deltaZ: Float32Array;
  attention: Float32Array;
  reflex: Float32Array;
  /** Term `t` of DECOMPOSITION_TERMS is decomposition[t·A … (t + 1)·A). */
  decomposition: Float32Array;
}

const SCALAR_INDEX = Object.fromEntries(SCALARS.map((name, i) => [name, i])) as Record<ScalarName, number>;

export function laneViews(buf: Float32Array, layout: LaneLayout): LaneViews {
  if (buf.length !== layout.size) throw new Error(`lane buffer: ${buf.length} floats, the layout needs ${layout.size}`);
  const n3 = layout.numTokens * TOKEN_DIM;
  return {
    scalar: (name) => buf[SCALAR_INDEX[name]],
    setScalar: (name, value) => {
      buf[SCALAR_INDEX[name]] = value;
    },
    tokens: buf.subarray(layout.tokens, layout.tokens + n3),
    predicted: buf.subarray(layout.predicted, layout.predicted + n3),
    deltaZ: buf.subarray(layout.deltaZ, layout.deltaZ + n3),
    attention: buf.subarray(layout.attention, layout.attention + layout.numTokens),
    reflex: buf.subarray(layout.reflex, layout.reflex + layout.actionDim),
    decomposition: buf.subarray(layout.decomposition, layout.decomposition + DECOMPOSITION_TERMS.length * layout.actionDim),
  };
}

/** The A-vector of one decomposition term. */
export function decompositionTerm(views: LaneViews, term: DecompositionTerm, actionDim: number): Float32Array {
  const t = DECOMPOSITION_TERMS.indexOf(term);
  return views.decomposition.subarray(t * actionDim, (t + 1) * actionDim);
}

