// Φ's dynamics loss on the fresh rollout ("train the eye and the brain together"): one shuffled pass over every
// control step the rollout took, in minibatches of worldBatch, of MSE(S_t + Φ(S_t, a_t), S_{t+1}), with the
// same global gradient clip and NaN rollback as the PPO update. One pass, not PPO's epochs: this is plain
// regression on data that is replaced every iteration, and a pass keeps Φ's cost per env step fixed.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import type { Rng } from '../core/rng';
import { dynamicsLoss, type WorldPredictor } from '../policy/worldPredictor';
import { TOKEN_DIM } from '../sim/taskSpec';
import { gatherRows } from '../policy/closedLoop';
import { applyGroupGradients, clippedGradients, groupState, type ParamGroup } from './paramGroup';
import type { RolloutBuffer } from './rollout';
import { WeightSnapshot } from './weightSnapshot';

export interface WorldUpdateStats {
  /** Mean dynamics loss over the minibatches that ran. */
  dynamicsLoss: number;
  rolledBack: string | null;
}

export async function updateWorld(
  world: WorldPredictor,
  group: ParamGroup,
  buf: RolloutBuffer,
  p: Pick<Config, 'worldBatch' | 'maxGradNorm'>,
  lrFraction: number,
  rng: Rng,
  log: (msg: string) => void,
  /** Awaited before each minibatch (the browser's engine worker yields to its event loop there). */
  pace?: () => Promise<void>,
): Promise<WorldUpdateStats> {
  const n = buf.steps;
  const numTokens = buf.obsSize / TOKEN_DIM;
  const minibatches = Math.max(1, Math.round(n / p.worldBatch));
  const lastGood = new WeightSnapshot(groupState([group]));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  let lossSum = 0;
  let steps = 0;
  let rolledBack: string | null = null;
  try {
    for (let mb = 0; mb < minibatches; mb++) {
      await pace?.();
      const rows = order.subarray(Math.floor((mb * n) / minibatches), Math.floor(((mb + 1) * n) / minibatches));
      const m = rows.length;
      const tokens = (x: Float32Array) => tf.tensor3d(gatherRows(x, buf.obsSize, rows), [m, numTokens, TOKEN_DIM]);
      const actions = (x: Float32Array) => tf.tensor2d(gatherRows(x, buf.actionDim, rows), [m, buf.actionDim]);
      const { loss, gradNorm, grads } = clippedGradients(
        () => dynamicsLoss(world, { tokens: tokens(buf.stepTokens), action: actions(buf.stepActions), prevTokens: tokens(buf.stepPrevTokens), prevAction: actions(buf.stepPrevActions) }, tokens(buf.stepNext)),
        [group],
        p.maxGradNorm,
      );
      const stats = tf.stack([loss, gradNorm]);
      const [lossValue, normValue] = await stats.data();
      tf.dispose([loss, gradNorm, stats]);
      if (!Number.isFinite(lossValue) || !Number.isFinite(normValue)) {
        tf.dispose(grads);
        lastGood.restore();
        rolledBack = `non-finite dynamics ${Number.isFinite(lossValue) ? 'gradient norm' : 'loss'} at minibatch ${mb}`;
        log(`world: ${rolledBack}; update skipped, Φ rolled back to the start of this update`);
        break;
      }
      applyGroupGradients([group], grads, lrFraction);
      lossSum += lossValue;
      steps++;
    }
  } finally {
    lastGood.dispose();
  }
  return { dynamicsLoss: steps ? lossSum / steps : NaN, rolledBack };
}
