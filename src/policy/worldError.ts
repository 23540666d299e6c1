// Φ's displacement error against "no motion", by token type: Σ‖Ŝ_{t+1} − S_{t+1}‖ over tokens as a fraction of
// Σ‖S_t − S_{t+1}‖ (the error of predicting that nothing moves). Below 1, Φ beats standing still. One definition
// for the held-out figure of training (trainWorld.evaluateWorld) and the closed-loop one of evaluation
// (runEpisodes: on the states the evaluated policy visits, under every suite).
import { TOKEN_DIM, TOKEN_TYPE, type TaskSpec } from '../sim/taskSpec';

/** Running sums of per-token Euclidean errors, by token type; `squared` is Σ of squared coordinate errors. */
export interface WorldErrorSums {
  objectError: number;
  agentError: number;
  objectMotion: number;
  agentMotion: number;
  squared: number;
}

export interface WorldErrorRatios {
  all: number;
  object: number;
  agent: number;
}

export const zeroWorldErrorSums = (): WorldErrorSums => ({ objectError: 0, agentError: 0, objectMotion: 0, agentMotion: 0, squared: 0 });

/**
 * Adds one transition's tokens (N×3 each, starting at the given offsets): the prediction, the actual next
 * observation and the observation before it.
 */
export function addWorldErrors(spec: TaskSpec, sums: WorldErrorSums, predicted: ArrayLike<number>, p0: number, actual: ArrayLike<number>, a0: number, before: ArrayLike<number>, b0: number): void {
  for (let k = 0; k < spec.numTokens; k++) {
    let e2 = 0;
    let m2 = 0;
    for (let d = 0; d < TOKEN_DIM; d++) {
      const target = actual[a0 + k * TOKEN_DIM + d];
      e2 += (predicted[p0 + k * TOKEN_DIM + d] - target) ** 2;
      m2 += (before[b0 + k * TOKEN_DIM + d] - target) ** 2;
    }
    sums.squared += e2;
    if (spec.tokenTypes[k] === TOKEN_TYPE.agent) {
      sums.agentError += Math.sqrt(e2);
      sums.agentMotion += Math.sqrt(m2);
    } else {
      sums.objectError += Math.sqrt(e2);
      sums.objectMotion += Math.sqrt(m2);
    }
  }
}

/** Adds `b` into `a`. */
export function mergeWorldErrors(a: WorldErrorSums, b: WorldErrorSums): WorldErrorSums {
  a.objectError += b.objectError;
  a.agentError += b.agentError;
  a.objectMotion += b.objectMotion;
  a.agentMotion += b.agentMotion;
  a.squared += b.squared;
  return a;
}

export function worldErrorRatios(s: WorldErrorSums): WorldErrorRatios {
  return {
    all: (s.objectError + s.agentError) / (s.objectMotion + s.agentMotion),
    object: s.objectError / s.objectMotion,
    agent: s.agentError / s.agentMotion,
  };
}
