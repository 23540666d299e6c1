// The one-step prior (MeanFlow baseline, issue 19.4): distils the frozen K-step prior v_φ into an average velocity
// u_θ(z_r, r, t) (src/policy/meanFlow.ts) on the demonstrations the prior trains on, so that a = a_0 + u_θ(a_0, 0, 1)
// is a chunk in ONE network evaluation.
//
//   u_θ starts as v_φ exactly (meanFlowFromPrior: same weights, a zero-initialised embedding of h = t − r)
//   for iter in 0..iters−1:
//     B examples (S, goal, a) from the training episodes; per example an interval r ≤ t (a share (0, 1), a share
//       r = t, the rest two draws of the flow-time schedule, sorted) and noise ε; z_r = r·a + (1 − r)·ε
//     v = v_φ(z_r, r)                                        the teacher's velocity (distillation: lower variance
//                                                            than the conditional velocity a − ε)
//     target = sg[v + (t − r)·(u_θ(z_r + δv, r + δ, t) − u_θ(z_r − δv, r − δ, t)) / 2δ]     (MeanFlow identity; the
//              difference one-sided where r ∓ δ would leave 0 ≤ r ≤ t)
//     loss = E w·‖u_θ(z_r, r, t) − target‖² (w = 1 / (e + c)^p, MeanFlow's adaptive weight, stop-gradient), Adam step (GuardedStep), EMA of the weights
//   every evalEvery, on fixed held-out examples and a_0: the one-step chunk against the teacher's K-step Euler
//   chunk from the same a_0 (mean squared difference, and that relative to the teacher chunks' variance), and
//   against the demonstrated chunk (the prior stage's sample MSE).
//
// The target is computed in this thread without a tape (it is a stop-gradient); the regression, its loss and
// gradient go through the stage's GradientSource (this thread, or data-parallel workers, as the prior's).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { gaussianTensor } from '../nn/noise';
import { FlowPrior, sampleFlowTime, sampleOde, type FlowPriorConfig } from '../policy/flowPrior';
import { adaptiveWeight, averageVelocityFromStart, flowDerivative, meanFlowSample, meanFlowTarget } from '../policy/meanFlow';
import type { DemoDataset } from '../sim/dataset';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { gatherPriorBatch, indexSteps, sampleIndices, type EpisodeSplit, type PriorBatch } from './demoData';
import { runEmaStage } from './emaStage';
import type { Examples, StageLoss } from './gradientSource';
import { checkStageOptions, priorTensors, type StageOptions } from './stage';

/** Held-out examples for the one-step-against-K-step comparison (a fixed draw of examples and a_0). */
const HELD_OUT_EXAMPLES = 256;
const EVAL_CHUNK = 256;
/** A worker's replica is overwritten with the trainer's weights before every step. */
const REPLICA_SEED = 0;

export interface MeanFlowSettings {
  /** δ of the finite difference (meanflowFdStep). */
  fdStep: number;
  /** p of the adaptive loss weight 1 / (e + c)^p (meanflowLossPower; 0: plain squared error). */
  lossPower: number;
  /** Shares of (r, t) = (0, 1) and of r = t (meanflowFullFraction, meanflowEqualFraction). */
  fullFraction: number;
  equalFraction: number;
}

export function meanFlowSettings(c: Config): MeanFlowSettings {
  return { fdStep: c.meanflowFdStep, lossPower: c.meanflowLossPower, fullFraction: c.meanflowFullFraction, equalFraction: c.meanflowEqualFraction };
}

/** The interval [r, t] of one example: (0, 1), an empty one at a flow time, or two flow times sorted. */
export function drawInterval(rng: Rng, s: MeanFlowSettings): { r: number; t: number } {
  const pick = rng.uniform();
  if (pick < s.fullFraction) return { r: 0, t: 1 };
  if (pick < s.fullFraction + s.equalFraction) {
    const tau = sampleFlowTime(rng);
    return { r: tau, t: tau };
  }
  const x = sampleFlowTime(rng);
  const y = sampleFlowTime(rng);
  return { r: Math.min(x, y), t: Math.max(x, y) };
}

/**
 * One step's examples: the observation, z_r, r, h = t − r and the stop-gradient MeanFlow target, computed here
 * from the frozen teacher and the student's current weights.
 */
export function meanFlowExamples(student: FlowPrior, teacher: FlowPrior, spec: TaskSpec, batch: PriorBatch, rng: Rng, s: MeanFlowSettings): Examples {
  const { horizon, actionDim } = student.config;
  const size = batch.size;
  const r = new Float32Array(size);
  const t = new Float32Array(size);
  for (let i = 0; i < size; i++) ({ r: r[i], t: t[i] } = drawInterval(rng, s));
  const noise = new Float32Array(size * horizon * actionDim);
  rng.fillNormal(noise);
  const x = priorTensors(spec, batch, horizon);
  const out = tf.tidy(() => {
    const rB = tf.tensor1d(r);
    const tB = tf.tensor1d(t);
    const rr = tf.reshape(rB, [size, 1, 1]);
    const zR = tf.add(tf.mul(rr, x.actions), tf.mul(tf.sub(1, rr), tf.tensor3d(noise, [size, horizon, actionDim]))) as tf.Tensor3D;
    const v = teacher.velocity(teacher.encode(x.tokens, x.goal), zR, rB);
    const u = flowDerivative(averageVelocityFromStart(student, student.encode(x.tokens, x.goal), tB), zR, r, t, v, s.fdStep);
    const target = meanFlowTarget(v, tf.sub(tB, rB) as tf.Tensor1D, u.derivative);
    return { zR, target, error: tf.mean(tf.square(tf.sub(u.value, target)), [1, 2]) };
  });
  const error = out.error.dataSync();
  const fields = {
    tokens: batch.tokens,
    goal: x.goal.dataSync() as Float32Array,
    z: out.zR.dataSync() as Float32Array,
    r,
    h: Float32Array.from(t, (tt, i) => tt - r[i]),
    target: out.target.dataSync() as Float32Array,
    // The adaptive weights, normalised to mean 1 so the learning rate keeps its meaning.
    weight: normalisedWeights(error, s.lossPower),
  };
  tf.dispose([x, out]);
  return { size, fields };
}

/** MeanFlow's adaptive weights 1 / (e_i + c)^p of the examples' squared errors e_i, scaled to mean 1. */
export function normalisedWeights(errors: ArrayLike<number>, power: number): Float32Array {
  const w = Float32Array.from(errors, (e) => adaptiveWeight(e, power));
  const mean = w.reduce((sum, x) => sum + x, 0) / w.length;
  return w.map((x) => x / mean);
}

/** The regression Σ_i w_i·‖u_θ(z_r, r, r + h) − target‖² / B (w the stop-gradient adaptive weights), per step and action dim. */
export const MEANFLOW_LOSS: StageLoss<FlowPrior> = {
  name: 'meanflow',
  create: (config: FlowPriorConfig) => new FlowPrior(config, REPLICA_SEED),
  loss(prior, { size, fields: f }) {
    const { numTokens, numGoalTokens, horizon, actionDim } = prior.config;
    return tf.tidy(() => {
      const encoded = prior.encode(tf.tensor3d(f.tokens, [size, numTokens, TOKEN_DIM]), tf.tensor3d(f.goal, [size, numGoalTokens, TOKEN_DIM]));
      const u = prior.averageVelocity(encoded, tf.tensor3d(f.z, [size, horizon, actionDim]), tf.tensor1d(f.r), tf.tensor1d(f.h));
      const perExample = tf.mean(tf.square(tf.sub(u, tf.tensor3d(f.target, [size, horizon, actionDim]))), [1, 2]);
      return tf.mean(tf.mul(tf.tensor1d(f.weight), perExample)) as tf.Scalar;
    });
  },
};

/** How close the one-step chunk is to the teacher's K-step chunk and to the demonstration, from the same a_0. */
export type OneStepGap = {
  /** Mean squared difference, one-step against K-step chunk, per action element. */
  mseToKStep: number;
  /** mseToKStep over the K-step chunks' variance across examples (per element, averaged): 0 = identical, 1 = no better than their mean. */
  relativeToKStep: number;
  /** Mean squared error of the one-step chunk against the demonstrated chunk. */
  oneStepSampleMse: number;
  /** The same for the K-step chunk (the teacher's own held-out sample MSE). */
  kStepSampleMse: number;
}

/** The one-step prior against the teacher's K-step Euler chunk on `examples`, both from the same a_0 drawn from `seed`. */
export async function oneStepGap(student: FlowPrior, teacher: FlowPrior, spec: TaskSpec, examples: PriorBatch, kSteps: number, seed: number): Promise<OneStepGap> {
  const { horizon, actionDim } = student.config;
  const rng = new Rng(seed);
  const n = spec.numTokens * TOKEN_DIM;
  const per = horizon * actionDim;
  const kStep = new Float32Array(examples.size * per);
  const oneStep = new Float32Array(examples.size * per);
  for (let start = 0; start < examples.size; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, examples.size - start);
    const part: PriorBatch = { tokens: examples.tokens.subarray(start * n, (start + size) * n), chunks: examples.chunks.subarray(start * per, (start + size) * per), size };
    const x = priorTensors(spec, part, horizon);
    const a0 = gaussianTensor<tf.Rank.R3>(rng, [size, horizon, actionDim]);
    const both = tf.tidy(() => [sampleOde(teacher.velocityFn(teacher.encode(x.tokens, x.goal), kSteps), a0, kSteps), meanFlowSample(student, student.encode(x.tokens, x.goal), a0)]);
    kStep.set(await both[0].data(), start * per);
    oneStep.set(await both[1].data(), start * per);
    tf.dispose([x, a0, both]);
  }
  return gapStatistics(oneStep, kStep, examples.chunks, examples.size, per);
}

/** The statistics of OneStepGap from flat chunks [B, per]. */
export function gapStatistics(oneStep: Float32Array, kStep: Float32Array, demo: Float32Array, size: number, per: number): OneStepGap {
  let diff = 0;
  let oneErr = 0;
  let kErr = 0;
  let variance = 0;
  for (let j = 0; j < per; j++) {
    let mean = 0;
    for (let b = 0; b < size; b++) mean += kStep[b * per + j];
    mean /= size;
    for (let b = 0; b < size; b++) {
      const i = b * per + j;
      diff += (oneStep[i] - kStep[i]) ** 2;
      oneErr += (oneStep[i] - demo[i]) ** 2;
      kErr += (kStep[i] - demo[i]) ** 2;
      variance += (kStep[i] - mean) ** 2;
    }
  }
  const count = size * per;
  return { mseToKStep: diff / count, relativeToKStep: diff / variance, oneStepSampleMse: oneErr / count, kStepSampleMse: kErr / count };
}

export interface MeanFlowReport extends OneStepGap {
  iters: number;
  workers: number;
  /** The gap before training (u_θ = v_φ: one Euler step of the teacher). */
  initial: OneStepGap;
  finalTrainLoss: number | null;
  skippedSteps: number;
  seconds: number;
}

/** Trains the MeanFlow prior `student` in place against the frozen `teacher`; on return it holds the EMA weights. */
export async function trainMeanFlow(student: FlowPrior, teacher: FlowPrior, demos: DemoDataset, split: EpisodeSplit, spec: TaskSpec, c: Config, o: StageOptions): Promise<MeanFlowReport> {
  checkStageOptions(o);
  if (!student.config.meanFlow) throw new Error('meanflow: the model to train is not a MeanFlow prior (config.meanFlow)');
  if (teacher.config.meanFlow) throw new Error('meanflow: the teacher must be a K-step prior, not a MeanFlow prior');
  if (split.heldOut.length === 0) throw new Error('meanflow: the held-out split is empty (need at least two episodes)');
  const settings = meanFlowSettings(c);
  const { horizon } = student.config;
  const t0 = performance.now();
  const train = indexSteps(demos, split.train);
  const heldOutIndex = indexSteps(demos, split.heldOut);
  const heldOut = gatherPriorBatch(demos, heldOutIndex, sampleIndices(new Rng(deriveSeed(o.seed, 'meanflow/held-out')), heldOutIndex.count, Math.min(HELD_OUT_EXAMPLES, heldOutIndex.count)), horizon);
  const evalSeed = deriveSeed(o.seed, 'meanflow/held-out-noise');
  const initial = await oneStepGap(student, teacher, spec, heldOut, c.sdeSteps, evalSeed);
  o.log(`meanflow: before training (one Euler step of the prior) one-step vs K=${c.sdeSteps} MSE ${initial.mseToKStep.toFixed(5)} (relative ${initial.relativeToKStep.toFixed(4)}), sample MSE ${initial.oneStepSampleMse.toFixed(5)} vs the K-step prior's ${initial.kStepSampleMse.toFixed(5)}`);

  const rng = new Rng(deriveSeed(o.seed, 'meanflow/train'));
  const run = await runEmaStage(
    {
      name: 'meanflow',
      module: student,
      loss: MEANFLOW_LOSS,
      baseLr: c.meanflowLr,
      examples: () => meanFlowExamples(student, teacher, spec, gatherPriorBatch(demos, train, sampleIndices(rng, train.count, c.meanflowBatch), horizon), rng, settings),
      evaluate: () => oneStepGap(student, teacher, spec, heldOut, c.sdeSteps, evalSeed),
      describe: (g) => `one-step vs K-step MSE ${g.mseToKStep.toFixed(5)} (relative ${g.relativeToKStep.toFixed(4)}) sample MSE ${g.oneStepSampleMse.toFixed(5)} (K-step ${g.kStepSampleMse.toFixed(5)})`,
      initial,
      t0,
    },
    o,
  );
  return { iters: o.iters, workers: run.workers, ...run.held, initial, finalTrainLoss: run.lastTrainLoss, skippedSteps: run.skippedSteps, seconds: (performance.now() - t0) / 1000 };
}
