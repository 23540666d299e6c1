// Stage 0, the prior v_θ: conditional flow matching on demonstration action chunks (π0 conventions: linear
// path, τ from the shifted Beta(1.5, 1) cut at 0.999, target a − ε; see flowMatchingLoss).
//
//   for iter in 0..iters−1:
//     B examples (S_t, goal, a_{t:t+H}) drawn uniformly from the training episodes, τ and ε drawn for each
//     loss = E‖v_θ(τ·a + (1 − τ)·ε, s, τ) − (a − ε)‖² and its gradient (in this thread, or summed over the
//       parts of the batch that data-parallel workers computed: o.gradients, dataParallel.ts)
//     Adam step at the warm-up + cosine learning rate (skipped, weights restored, on NaN/Inf)
//     EMA of the weights updated (ema.ts); the averaged weights are evaluated and left in the module at the end
//     (the loop is emaStage.ts, shared with the one-step prior's stage)
//   every evalEvery: held-out flow-matching loss (fixed examples, τ and ε), and the held-out MSE of the
//   deterministic K-step ODE sample against the demonstrated chunk (what the policy will actually execute).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import type { TaskSpec } from '../sim/taskSpec';
import { gaussianTensor } from '../nn/noise';
import { flowMatchingLoss, sampleOde, type FlowPrior } from '../policy/flowPrior';
import { gatherPriorBatch, indexSteps, sampleIndices, type EpisodeSplit, type PriorBatch } from './demoData';
import { runEmaStage } from './emaStage';
import { checkStageOptions, priorTensors, type StageOptions } from './stage';
import { PRIOR_LOSS, priorExamples } from './stageLosses';

/** Held-out examples for the loss (a fixed draw) and, the first of them, for the sampled-chunk error. */
const HELD_OUT_EXAMPLES = 1024;
const HELD_OUT_SAMPLED = 256;
/** Forward passes are chunked to bound memory. */
const EVAL_CHUNK = 256;

export interface PriorReport {
  iters: number;
  /** Threads that computed each step's gradient (StageOptions.gradients). */
  workers: number;
  finalTrainLoss: number | null;
  heldOutLoss: number;
  heldOutSampleMse: number;
  skippedSteps: number;
  seconds: number;
}

/** Mean flow-matching loss and mean squared error of the ODE sample on a fixed held-out set. */
async function evaluatePrior(prior: FlowPrior, spec: TaskSpec, heldOut: PriorBatch, horizon: number, odeSteps: number, seed: number) {
  const rng = new Rng(seed); // the same τ and ε at every evaluation, so the curve is comparable
  const n = spec.numTokens * 3;
  const a = spec.actionDim;
  let lossSum = 0;
  let sampleSum = 0;
  let sampled = 0;
  for (let start = 0; start < heldOut.size; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, heldOut.size - start);
    const part: PriorBatch = {
      tokens: heldOut.tokens.subarray(start * n, (start + size) * n),
      chunks: heldOut.chunks.subarray(start * horizon * a, (start + size) * horizon * a),
      size,
    };
    const t = priorTensors(spec, part, horizon);
    const loss = flowMatchingLoss(prior, t, rng);
    lossSum += (await loss.data())[0] * size;
    loss.dispose();
    if (start < HELD_OUT_SAMPLED) {
      const err = tf.tidy(() => {
        const encoded = prior.encode(t.tokens, t.goal);
        const sample = sampleOde(prior.velocityFn(encoded, odeSteps), gaussianTensor<tf.Rank.R3>(rng, [size, horizon, a]), odeSteps);
        return tf.sum(tf.mean(tf.square(tf.sub(sample, t.actions)), [1, 2]));
      });
      sampleSum += (await err.data())[0];
      sampled += size;
      err.dispose();
    }
    tf.dispose(t);
  }
  return { heldOutLoss: lossSum / heldOut.size, heldOutSampleMse: sampleSum / sampled };
}

/** Trains `prior` in place; on return it holds the EMA weights (the ones evaluated and to be saved). */
export async function trainPrior(prior: FlowPrior, demos: DemoDataset, split: EpisodeSplit, spec: TaskSpec, c: Config, o: StageOptions): Promise<PriorReport> {
  checkStageOptions(o);
  if (split.heldOut.length === 0) throw new Error('prior: the held-out split is empty (need at least two episodes)');
  const { horizon } = prior.config;
  const t0 = performance.now();
  const train = indexSteps(demos, split.train);
  const heldOutIndex = indexSteps(demos, split.heldOut);
  const evalRng = new Rng(deriveSeed(o.seed, 'prior/held-out'));
  const heldOut = gatherPriorBatch(demos, heldOutIndex, sampleIndices(evalRng, heldOutIndex.count, Math.min(HELD_OUT_EXAMPLES, heldOutIndex.count)), horizon);
  const evalSeed = deriveSeed(o.seed, 'prior/held-out-noise');

  const rng = new Rng(deriveSeed(o.seed, 'prior/train'));
  const run = await runEmaStage(
    {
      name: 'prior',
      module: prior,
      loss: PRIOR_LOSS,
      baseLr: c.priorLr,
      examples: () => priorExamples(spec, gatherPriorBatch(demos, train, sampleIndices(rng, train.count, c.priorBatch), horizon), horizon, rng),
      evaluate: () => evaluatePrior(prior, spec, heldOut, horizon, c.sdeSteps, evalSeed),
      describe: (h) => `held-out ${h.heldOutLoss.toFixed(4)} sample MSE ${h.heldOutSampleMse.toFixed(5)}`,
      initial: { heldOutLoss: NaN, heldOutSampleMse: NaN },
      t0,
    },
    o,
  );
  return { iters: o.iters, workers: run.workers, finalTrainLoss: run.lastTrainLoss, ...run.held, skippedSteps: run.skippedSteps, seconds: (performance.now() - t0) / 1000 };
}
