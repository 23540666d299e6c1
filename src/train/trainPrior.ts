// Stage 0, the prior v_θ: conditional flow matching on demonstration action chunks (π0 conventions: linear
// path, τ from the shifted Beta(1.5, 1) cut at 0.999, target a − ε; see flowMatchingLoss).
//
//   for iter in 0..iters−1:
//     B examples (S_t, goal, a_{t:t+H}) drawn uniformly from the training episodes, τ and ε drawn for each
//     loss = E‖v_θ(τ·a + (1 − τ)·ε, s, τ) − (a − ε)‖² and its gradient (in this thread, or summed over the
//       parts of the batch that data-parallel workers computed: o.gradients, dataParallel.ts)
//     Adam step at the warm-up + cosine learning rate (skipped, weights restored, on NaN/Inf)
//     EMA of the weights updated (ema.ts); the averaged weights are evaluated and left in the module at the end
//   every evalEvery: held-out flow-matching loss (fixed examples, τ and ε), and the held-out MSE of the
//   deterministic K-step ODE sample against the demonstrated chunk (what the policy will actually execute).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import type { TaskSpec } from '../sim/taskSpec';
import { gaussianTensor } from '../nn/noise';
import { flowMatchingLoss, sampleOde, type FlowPrior } from '../policy/flowPrior';
import { goalTokensBatch } from '../policy/stateTokens';
import { gatherPriorBatch, indexSteps, sampleIndices, type EpisodeSplit, type PriorBatch } from './demoData';
import { EmaWeights } from './ema';
import { localGradients } from './gradientSource';
import { GuardedStep, warmupCosineLr } from './guardedStep';
import { checkStageOptions, LossMeter, warmupFor, type StageOptions } from './stage';
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

function priorTensors(spec: TaskSpec, b: PriorBatch, horizon: number) {
  return {
    tokens: tf.tensor3d(b.tokens, [b.size, spec.numTokens, 3]),
    goal: goalTokensBatch(spec, b.size),
    actions: tf.tensor3d(b.chunks, [b.size, horizon, spec.actionDim]),
  };
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
        const sample = sampleOde(prior.velocityFn(encoded), gaussianTensor<tf.Rank.R3>(rng, [size, horizon, a]), odeSteps);
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
  const gradients = await (o.gradients ?? localGradients)(PRIOR_LOSS, prior);
  const guard = new GuardedStep('prior', prior.variables, o.log);
  const ema = new EmaWeights(prior.variables.values());
  const warmup = warmupFor(o.iters);
  const meter = new LossMeter();
  let lastTrainLoss: number | null = null;
  let held = { heldOutLoss: NaN, heldOutSampleMse: NaN };
  try {
    for (let iter = 0; iter < o.iters; iter++) {
      await o.pace?.();
      const examples = priorExamples(spec, gatherPriorBatch(demos, train, sampleIndices(rng, train.count, c.priorBatch), horizon), horizon, rng);
      const lr = warmupCosineLr(c.priorLr, iter, o.iters, warmup);
      const step = await guard.apply(await gradients.gradient(examples), lr);
      if (step.applied) ema.update();
      meter.add(step.loss);

      if ((iter + 1) % o.evalEvery === 0 || iter === o.iters - 1) {
        held = await ema.withAverage(async () => {
          const metrics = await evaluatePrior(prior, spec, heldOut, horizon, c.sdeSteps, evalSeed);
          await o.onEvaluated?.(iter + 1);
          return metrics;
        });
        lastTrainLoss = meter.take();
        const seconds = (performance.now() - t0) / 1000;
        o.onMetrics({ stage: 'prior', iter: iter + 1, lr, trainLoss: lastTrainLoss, gradNorm: step.gradNorm, ...held, skippedSteps: guard.skipped, seconds });
        o.log(`prior ${iter + 1}/${o.iters}: train ${lastTrainLoss?.toFixed(4)} held-out ${held.heldOutLoss.toFixed(4)} sample MSE ${held.heldOutSampleMse.toFixed(5)} (${seconds.toFixed(0)} s)`);
      }
    }
    ema.swap(); // the module keeps the averaged weights
  } finally {
    await gradients.dispose();
    guard.dispose();
    ema.dispose();
  }
  return { iters: o.iters, workers: gradients.workers, finalTrainLoss: lastTrainLoss, ...held, skippedSteps: guard.skipped, seconds: (performance.now() - t0) / 1000 };
}
