// Stage 1, the reflex b_ψ by hindsight perturbation (no reward), exactly as DESIGN §1 states it:
//
//   (S_t, a*_t, S_{t+1}) from the demonstrations
//   ε ~ N(0, ν²)                    ν = reflexNu, normalised action units
//   Ŝ  = Φ(S_t, a*_t + ε)           Φ frozen
//   Δz = S_{t+1} − Ŝ                the surprise had the policy commanded a* + ε while the world did a*
//   L  = E‖b_ψ(Δz, S_t) + ε‖²       the reflex learns to undo the action error that explains the surprise
//
// Metric: R² of b against −ε on held-out episodes (fixed ε draws): 1 − Σ‖b + ε‖² / Σ‖ε − ε̄‖² (target ≥ 0.8).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import { gaussianTensor } from '../nn/noise';
import { hindsightLoss, type Reflex } from '../policy/reflex';
import type { WorldPredictor } from '../policy/worldPredictor';
import { demoTransitions, indexSteps, pickTransitions, sampleIndices, type EpisodeSplit, type Transitions } from './demoData';
import { GuardedStep, warmupCosineLr } from './guardedStep';
import { checkStageOptions, LossMeter, transitionTensors, warmupFor, type StageOptions } from './stage';

const HELD_OUT_TRANSITIONS = 2048;
const EVAL_CHUNK = 512;

export interface ReflexMetrics {
  heldOutLoss: number;
  /** R² between b and −ε on held-out hindsight perturbations. */
  r2: number;
}

export interface ReflexReport extends ReflexMetrics {
  iters: number;
  finalTrainLoss: number | null;
  skippedSteps: number;
  seconds: number;
}

/** The hindsight inputs of a batch: ε [B, A] (drawn from `rng`) and Δz = S_{t+1} − Φ(S_t, a* + ε). */
export function hindsightInputs(world: WorldPredictor, x: ReturnType<typeof transitionTensors>, nu: number, rng: Rng) {
  return tf.tidy(() => {
    const eps = tf.mul(gaussianTensor<tf.Rank.R2>(rng, x.actions.shape), nu) as tf.Tensor2D;
    const deltaZ = tf.sub(x.next, world.predict(x.tokens, tf.add(x.actions, eps) as tf.Tensor2D)) as tf.Tensor3D;
    return { eps, deltaZ };
  });
}

/** Hindsight loss and R² on a transition set, with ε drawn from a fresh Rng(seed) (the same at every call). */
export async function evaluateReflex(reflex: Reflex, world: WorldPredictor, t: Transitions, nu: number, seed: number): Promise<ReflexMetrics> {
  const rng = new Rng(seed);
  const a = t.actionDim;
  const eps = new Float32Array(t.count * a);
  const b = new Float32Array(t.count * a);
  for (let start = 0; start < t.count; start += EVAL_CHUNK) {
    const part = pickTransitions(t, Int32Array.from({ length: Math.min(EVAL_CHUNK, t.count - start) }, (_, i) => start + i));
    const x = transitionTensors(part);
    const h = hindsightInputs(world, x, nu, rng);
    const out = reflex.apply(h.deltaZ, x.tokens);
    eps.set(await h.eps.data(), start * a);
    b.set(await out.correction.data(), start * a);
    tf.dispose([x, h, out]);
  }
  let residual = 0;
  for (let i = 0; i < eps.length; i++) residual += (b[i] + eps[i]) ** 2;
  let total = 0;
  for (let d = 0; d < a; d++) {
    let mean = 0;
    for (let i = d; i < eps.length; i += a) mean += eps[i];
    mean /= t.count;
    for (let i = d; i < eps.length; i += a) total += (eps[i] - mean) ** 2;
  }
  return { heldOutLoss: residual / t.count, r2: 1 - residual / total };
}

export async function reflexWarmup(reflex: Reflex, world: WorldPredictor, demos: DemoDataset, split: EpisodeSplit, c: Config, o: StageOptions): Promise<ReflexReport> {
  checkStageOptions(o);
  if (split.heldOut.length === 0) throw new Error('reflex: the held-out split is empty (need at least two episodes)');
  if (!(c.reflexNu > 0)) throw new Error(`reflexNu: ${c.reflexNu} must be positive for the hindsight warm-up`);
  const t0 = performance.now();
  const train = demoTransitions(demos, indexSteps(demos, split.train));
  const heldOutAll = demoTransitions(demos, indexSteps(demos, split.heldOut));
  const heldOut = pickTransitions(heldOutAll, sampleIndices(new Rng(deriveSeed(o.seed, 'reflex/held-out-pick')), heldOutAll.count, Math.min(HELD_OUT_TRANSITIONS, heldOutAll.count)));
  const evalSeed = deriveSeed(o.seed, 'reflex/held-out-noise');

  const rng = new Rng(deriveSeed(o.seed, 'reflex/train'));
  const guard = new GuardedStep('reflex', reflex.variables, o.log);
  const warmup = warmupFor(o.iters);
  const meter = new LossMeter();
  let lastTrainLoss: number | null = null;
  let metrics: ReflexMetrics = { heldOutLoss: NaN, r2: NaN };
  try {
    for (let iter = 0; iter < o.iters; iter++) {
      await o.pace?.();
      const x = transitionTensors(pickTransitions(train, sampleIndices(rng, train.count, c.reflexBatch)));
      const h = hindsightInputs(world, x, c.reflexNu, rng); // Φ frozen: outside the gradient
      const lr = warmupCosineLr(c.reflexLr, iter, o.iters, warmup);
      const step = await guard.step(() => hindsightLoss(reflex, h.deltaZ, x.tokens, h.eps), lr);
      tf.dispose([x, h]);
      meter.add(step.loss);

      if ((iter + 1) % o.evalEvery === 0 || iter === o.iters - 1) {
        metrics = await evaluateReflex(reflex, world, heldOut, c.reflexNu, evalSeed);
        lastTrainLoss = meter.take();
        const seconds = (performance.now() - t0) / 1000;
        o.onMetrics({ stage: 'reflex', iter: iter + 1, lr, trainLoss: lastTrainLoss, gradNorm: step.gradNorm, ...metrics, skippedSteps: guard.skipped, seconds });
        await o.onEvaluated?.(iter + 1);
        o.log(`reflex ${iter + 1}/${o.iters}: train ${lastTrainLoss?.toExponential(3)} held-out ${metrics.heldOutLoss.toExponential(3)} R² ${metrics.r2.toFixed(3)} (${seconds.toFixed(0)} s)`);
      }
    }
  } finally {
    guard.dispose();
  }
  return { iters: o.iters, finalTrainLoss: lastTrainLoss, ...metrics, skippedSteps: guard.skipped, seconds: (performance.now() - t0) / 1000 };
}
