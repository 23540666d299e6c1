// The state the prior, strategy and critic see: the N observation tokens followed by the G goal tokens.
import * as tf from '@tensorflow/tfjs';
import { TOKEN_DIM, TOKEN_TYPE, type TaskSpec } from '../sim/taskSpec';

/** Type ids of the state tokens: the observation's own, then TOKEN_TYPE.goalKeypoint for each goal token. */
export function stateTypeIds(tokenTypes: readonly number[], numGoalTokens: number): number[] {
  return [...tokenTypes, ...new Array<number>(numGoalTokens).fill(TOKEN_TYPE.goalKeypoint)];
}

/** A fixed-goal task's goal tokens repeated for a batch: [B, G, 3]. */
export function goalTokensBatch(spec: TaskSpec, batch: number): tf.Tensor3D {
  return tf.tidy(() => tf.tile(tf.tensor3d(spec.goalTokens, [1, spec.numGoalTokens, TOKEN_DIM]), [batch, 1, 1]));
}

/** Index of the agent (pusher) token; the action is a target for it, in the same normalised units. */
export function agentTokenIndex(spec: Pick<TaskSpec, 'name' | 'tokenTypes'>): number {
  const i = Array.from(spec.tokenTypes).indexOf(TOKEN_TYPE.agent);
  if (i < 0) throw new Error(`task ${spec.name} has no agent token`);
  return i;
}

/**
 * The action that holds the agent where it is, for each of `count` observations [count, N, 3] in `tokens`:
 * its own position (actionDim values per row into `out`). What an env idles with, and a_{t−1} at an episode's start.
 */
export function holdStillActions(spec: Pick<TaskSpec, 'name' | 'tokenTypes' | 'numTokens' | 'actionDim'>, tokens: ArrayLike<number>, count: number, out: Float32Array = new Float32Array(count * spec.actionDim)): Float32Array {
  const agent = agentTokenIndex(spec);
  const n = spec.numTokens * TOKEN_DIM;
  const a = spec.actionDim;
  for (let i = 0; i < count; i++) for (let d = 0; d < a; d++) out[i * a + d] = tokens[i * n + agent * TOKEN_DIM + d];
  return out;
}
