// The PPO update (Schulman et al. 2017), read top to bottom like CleanRL's ppo_continuous_action.py, with the
// implementation details that make it correct ("The 37 implementation details of PPO"): per-minibatch
// advantage normalisation, clipped surrogate, clipped value loss, one global gradient-norm clip, Adam eps 1e-5,
// linear learning-rate annealing, epochs of shuffled minibatches, early stop on approximate KL.
//
// It is policy-agnostic: the caller's `evaluate` recomputes, under the current weights, the log-probability of
// the stored actions and the critic's value for a minibatch of sample indices (a Gaussian MLP in the tests; the
// SA-GR chain log-probability from stored residuals in stage 2). Each parameter group (η, b, critic) has its
// own Adam and learning rate. During critic warm-up only the critic trains.
// A NaN/Inf in a loss or a gradient skips that step, rolls every trained variable (and its optimizer state)
// back to its value before this update, and reports why.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import type { Rng } from '../core/rng';
import { applyGroupGradients, clippedGradients, groupState, type ParamGroup } from './paramGroup';
import { WeightSnapshot } from './weightSnapshot';

export type PpoParams = Pick<Config, 'clipEps' | 'valueClip' | 'vfCoef' | 'entCoef' | 'epochs' | 'minibatches' | 'maxGradNorm' | 'targetKl'>;

/** Added to the minibatch advantage std (CleanRL). */
const ADV_NORM_EPS = 1e-8;

/** CleanRL's annealing: iteration i (0-based) of N runs at lr·(1 − i/N). */
export function lrFraction(iteration: number, numIterations: number, anneal: boolean): number {
  return anneal ? 1 - iteration / numIterations : 1;
}

/** One rollout, flattened to N samples (any order; PPO shuffles). */
export interface PpoBatch {
  oldLogProbs: Float32Array;
  oldValues: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

export interface PpoEvaluation {
  /** log π_new(stored action | stored state) [M]. */
  newLogProb: tf.Tensor1D;
  /** V_new(stored state) [M]. */
  newValue: tf.Tensor1D;
  /** Per-sample policy entropy [M]; omitted when it does not depend on the trained weights (SA-GR's fixed σ). */
  entropy?: tf.Tensor1D;
  /** A weighted loss of the policy's own added to its terms (ReinFlow's behaviour-cloning term); omitted when none. */
  regulariser?: tf.Scalar;
}

/** Recomputes a minibatch under the current weights; called inside the gradient tape. */
export type EvaluateFn = (indices: Int32Array) => PpoEvaluation;

/** The clipped surrogate, mean over the minibatch: max(−A·r, −A·clip(r, 1 ± ε)) with r = exp(new − old). */
export function clippedPolicyLoss(newLogProb: tf.Tensor1D, oldLogProb: tf.Tensor1D, advantages: tf.Tensor1D, clipEps: number): tf.Scalar {
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(newLogProb, oldLogProb));
    const pgLoss1 = tf.mul(tf.neg(advantages), ratio);
    const pgLoss2 = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps));
    return tf.mean(tf.maximum(pgLoss1, pgLoss2)) as tf.Scalar;
  });
}

/** ½·mean (V − R)², or with valueClip > 0 the pessimistic max of that and the clipped-step version (CleanRL). */
export function clippedValueLoss(newValue: tf.Tensor1D, oldValue: tf.Tensor1D, returns: tf.Tensor1D, valueClip: number): tf.Scalar {
  return tf.tidy(() => {
    const vLossUnclipped = tf.square(tf.sub(newValue, returns));
    if (valueClip <= 0) return tf.mul(0.5, tf.mean(vLossUnclipped)) as tf.Scalar;
    const vClipped = tf.add(oldValue, tf.clipByValue(tf.sub(newValue, oldValue), -valueClip, valueClip));
    const vLossClipped = tf.square(tf.sub(vClipped, returns));
    return tf.mul(0.5, tf.mean(tf.maximum(vLossUnclipped, vLossClipped))) as tf.Scalar;
  });
}

/** 1 − Var(returns − values) / Var(returns): 1 is a perfect critic, ≤ 0 no better than a constant; NaN if Var(returns) = 0. */
export function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const variance = (x: (i: number) => number) => {
    let mean = 0;
    for (let i = 0; i < returns.length; i++) mean += x(i);
    mean /= returns.length;
    let v = 0;
    for (let i = 0; i < returns.length; i++) v += (x(i) - mean) ** 2;
    return v / returns.length;
  };
  const varReturns = variance((i) => returns[i]);
  return varReturns === 0 ? NaN : 1 - variance((i) => returns[i] - values[i]) / varReturns;
}

export interface PpoUpdateOptions {
  policyGroups: readonly ParamGroup[];
  criticGroup: ParamGroup;
  /** False during critic warm-up: only the critic's value loss trains. */
  trainPolicy: boolean;
  /** Multiplies every group's base learning rate (see lrFraction). */
  lrFraction: number;
  /** Shuffles the minibatches. */
  rng: Rng;
  log: (msg: string) => void;
  /** Awaited before each minibatch (the browser's engine worker yields to its event loop there). */
  pace?: () => Promise<void>;
}

export interface PpoUpdateStats {
  /** Means over the minibatches that ran. */
  pgLoss: number;
  vLoss: number;
  /** null when the policy reports no entropy. */
  entropy: number | null;
  /** The weighted regulariser (PpoEvaluation.regulariser); null when the policy has none. */
  regulariser: number | null;
  approxKl: number;
  clipFrac: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  explainedVariance: number;
  /** max |ratio − 1| on the first minibatch of the first epoch: 0 unless the rollout and the update disagree. */
  firstRatioError: number;
  epochsRun: number;
  minibatchesRun: number;
  /** True when approximate KL passed targetKl and the remaining minibatches were skipped. */
  stoppedEarly: boolean;
  /** Why the update was rolled back (a NaN/Inf), or null. */
  rolledBack: string | null;
}

const pick = (source: Float32Array, indices: Int32Array): tf.Tensor1D => {
  const out = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = source[indices[i]];
  return tf.tensor1d(out);
};

// Order of the per-minibatch numbers read back in one transfer.
const STAT_NAMES = ['loss', 'pgLoss', 'vLoss', 'entropy', 'regulariser', 'approxKl', 'clipFrac', 'ratioError', 'gradNorm'] as const;
type MinibatchStats = Record<(typeof STAT_NAMES)[number], number>;

/** Epochs × shuffled minibatches of the PPO loss on one rollout. */
export async function ppoUpdate(evaluate: EvaluateFn, batch: PpoBatch, p: PpoParams, o: PpoUpdateOptions): Promise<PpoUpdateStats> {
  const n = batch.advantages.length;
  for (const [name, arr] of Object.entries(batch)) if (arr.length !== n) throw new Error(`ppo: batch.${name} has ${arr.length} samples, advantages has ${n}`);
  if (n < p.minibatches) throw new Error(`ppo: ${n} samples cannot fill ${p.minibatches} minibatches`);
  const groups = o.trainPolicy ? [...o.policyGroups, o.criticGroup] : [o.criticGroup];
  const lastGood = new WeightSnapshot(groupState(groups));
  const sums = { pgLoss: 0, vLoss: 0, entropy: 0, regulariser: 0, approxKl: 0, clipFrac: 0, gradNorm: 0 };
  let hasEntropy = false;
  let hasRegulariser = false;
  let firstRatioError = 0;
  let minibatchesRun = 0;
  let epochsRun = 0;
  let stoppedEarly = false;
  let rolledBack: string | null = null;
  const order = Int32Array.from({ length: n }, (_, i) => i);

  try {
    epochs: for (let epoch = 0; epoch < p.epochs; epoch++) {
      o.rng.shuffle(order);
      epochsRun++;
      for (let mb = 0; mb < p.minibatches; mb++) {
        await o.pace?.();
        const mbInds = order.slice(Math.floor((mb * n) / p.minibatches), Math.floor(((mb + 1) * n) / p.minibatches));

        // Loss and clipped gradients; the diagnostics are kept out of the tape's tidy and read back in one transfer.
        let diagnostics: tf.Tensor | null = null;
        const { grads, stats } = tf.tidy(() => {
          const oldLogProb = pick(batch.oldLogProbs, mbInds);
          const oldValue = pick(batch.oldValues, mbInds);
          const returns = pick(batch.returns, mbInds);
          const rawAdvantages = pick(batch.advantages, mbInds);
          const { mean, variance } = tf.moments(rawAdvantages);
          const advantages = tf.div(tf.sub(rawAdvantages, mean), tf.add(tf.sqrt(variance), ADV_NORM_EPS)) as tf.Tensor1D;

          const { loss, gradNorm, grads } = clippedGradients(
            () => {
              const { newLogProb, newValue, entropy, regulariser } = evaluate(mbInds);
              const logRatio = tf.sub(newLogProb, oldLogProb);
              const ratio = tf.exp(logRatio);
              const pgLoss = clippedPolicyLoss(newLogProb, oldLogProb, advantages, p.clipEps);
              const vLoss = clippedValueLoss(newValue, oldValue, returns, p.valueClip);
              const entropyLoss = entropy ? tf.mean(entropy) : tf.scalar(0);
              hasEntropy = entropy !== undefined;
              hasRegulariser = regulariser !== undefined;
              const regulariserLoss = regulariser ?? tf.scalar(0);
              const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
              const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), p.clipEps), 'float32'));
              const ratioError = tf.max(tf.abs(tf.sub(ratio, 1)));
              const policyTerms = o.trainPolicy ? tf.add(tf.sub(pgLoss, tf.mul(p.entCoef, entropyLoss)), regulariserLoss) : tf.scalar(0);
              diagnostics = tf.keep(tf.stack([pgLoss, vLoss, entropyLoss, regulariserLoss, approxKl, clipFrac, ratioError]));
              return tf.add(policyTerms, tf.mul(p.vfCoef, vLoss)) as tf.Scalar;
            },
            groups,
            p.maxGradNorm,
          );
          const stats = tf.concat([tf.reshape(loss, [1]), diagnostics as unknown as tf.Tensor1D, tf.reshape(gradNorm, [1])]);
          return { grads, stats };
        });
        const values = await stats.data();
        tf.dispose([stats, diagnostics as tf.Tensor | null].filter((t): t is tf.Tensor => t !== null));
        const s = Object.fromEntries(STAT_NAMES.map((name, i) => [name, values[i]])) as MinibatchStats;

        if (!Number.isFinite(s.loss) || !Number.isFinite(s.gradNorm)) {
          tf.dispose(grads);
          lastGood.restore();
          rolledBack = `non-finite ${Number.isFinite(s.loss) ? 'gradient norm' : 'loss'} (${Number.isFinite(s.loss) ? s.gradNorm : s.loss}) at epoch ${epoch}, minibatch ${mb}`;
          o.log(`ppo: ${rolledBack}; update skipped, weights rolled back to the start of this update`);
          break epochs;
        }

        applyGroupGradients(groups, grads, o.lrFraction);

        if (minibatchesRun === 0) firstRatioError = s.ratioError;
        minibatchesRun++;
        for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += s[k];
        if (o.trainPolicy && p.targetKl > 0 && s.approxKl > p.targetKl) {
          stoppedEarly = true;
          break epochs;
        }
      }
    }
  } finally {
    lastGood.dispose();
  }

  const mean = (x: number) => (minibatchesRun ? x / minibatchesRun : NaN);
  return {
    pgLoss: mean(sums.pgLoss),
    vLoss: mean(sums.vLoss),
    entropy: hasEntropy ? mean(sums.entropy) : null,
    regulariser: hasRegulariser ? mean(sums.regulariser) : null,
    approxKl: mean(sums.approxKl),
    clipFrac: mean(sums.clipFrac),
    gradNorm: mean(sums.gradNorm),
    explainedVariance: explainedVariance(batch.oldValues, batch.returns),
    firstRatioError,
    epochsRun,
    minibatchesRun,
    stoppedEarly,
    rolledBack,
  };
}
