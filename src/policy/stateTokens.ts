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
