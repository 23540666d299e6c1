// Stage 1, the reflex b_ψ by hindsight perturbation (no reward), with Φ frozen (DESIGN §1, as corrected).
//
// The pseudo-residual is formed the way the run-time loop forms Δz: the actual tokens come from the action the
// world EXECUTED, the prediction from the action that was COMMANDED. From a demonstration step (S_t, a*_t, S_{t+1}),
// with an action error ε (executed = commanded + ε):
//
//   commanded = a*_t − ε,   executed = a*_t           (the demonstration is what was executed)
//   Δz        = S_{t+1} − Φ(S_t, a*_t − ε)            (Φ with motion also reads S_{t−1} and commanded a_{t−1})
//   L         = E‖b_ψ(Δz history, S_{t+1}) + ε‖²     b learns to cancel the error behind the surprise
//
// `reflexTarget: literal` keeps the method source's recipe, Φ(S_t, a*_t + ε) with the same target −ε. That Δz
// means "commanded a* + ε, executed a*", so it teaches b = executed − commanded: a copy of the error, which
// doubles a persistent offset in closed loop (kept selectable to show it).
//
// The reflex reads the last k residuals (reflexHistory). A training example is a window of k consecutive
// demonstration steps ending at step t, each step with its own pseudo-residual, and the target is −ε_t, the
// error behind the newest one (the error assumed to persist into the step b acts on). The window's errors are
//   persistent (PERSISTENT_FRACTION)  one ε for the whole window: a miscalibrated arm, a steady push;
//   i.i.d.     (IID_FRACTION)         a fresh ε per step: only the newest residual tells the target;
//   none       (the rest)             ε = 0: Φ's own errors on nominal motion, where b should stay ≈ 0.
// ε ~ N(0, ν²) per axis (ν = reflexNu, normalised). Steps before the episode's start contribute Δz = 0, as
// after a reset at run time. The position context is S_{t+1}, the observation b is computed at.
//
// With a prior to run it, the second half of the iterations alternates with rounds of closed-loop refinement
// (reflexRefineRounds, reflexRefine.ts): the loop runs under actuator offsets, and each batch then mixes
// demonstration windows with what the reflex read in closed loop (target −d).
//
// Metrics on held-out episodes (fixed draws): R² of b against −ε over all modes, and the offset response: on
// Φ-consistent windows (the next tokens are Φ's own prediction from the executed action, so Δz holds nothing but
// the error) with a constant offset d of random direction and size in OFFSET_RANGE, the mean cos(b, −d) and
// |b|/|d|: a reflex that cancels offsets has both near 1.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import { TOKEN_DIM } from '../sim/taskSpec';
import { gatherRows } from '../policy/closedLoop';
import type { FlowPrior } from '../policy/flowPrior';
import { hindsightLoss, reflexHistory, type Reflex } from '../policy/reflex';
import { taskSpec } from '../sim/tasks';
import type { WorldPredictor } from '../policy/worldPredictor';
import { demoTransitions, indexSteps, sampleIndices, type EpisodeSplit, type StepIndex, type Transitions } from './demoData';
import { GuardedStep, warmupCosineLr } from './guardedStep';
import { collectRefineSamples, type RefineSamples } from './reflexRefine';
import { checkStageOptions, LossMeter, warmupFor, type StageOptions } from './stage';

const HELD_OUT_WINDOWS = 2048;
const EVAL_CHUNK = 256;
export const PERSISTENT_FRACTION = 0.5;
export const IID_FRACTION = 0.3;
/** Sizes of the offset-response metric's offsets, normalised units: Push-T's 2–16 px (push-3d: 2.3–19 mm). */
export const OFFSET_RANGE: readonly [number, number] = [2 / 256, 16 / 256];

export type ReflexTarget = Config['reflexTarget'];

export interface ReflexMetrics {
  heldOutLoss: number;
  /** R² between b and −ε on held-out windows (all modes). */
  r2: number;
  /** Mean cos(b, −d) and |b|/|d| under constant offsets d on Φ-consistent held-out windows. */
  offsetCos: number;
  offsetGain: number;
}

export interface ReflexReport extends ReflexMetrics {
  iters: number;
  /** Per refinement round, the share of the offsets the loop left uncancelled before training on that round. */
  closedLoopResidualShares: number[];
  finalTrainLoss: number | null;
  skippedSteps: number;
  seconds: number;
}

/**
 * The transition rows of the k-step windows ending at `picks` (indices into the transitions of `index`):
 * row r·k + j is pick r's j-th most recent step (j = 0 the newest), −1 where it would precede the episode.
 */
export function windowRows(index: StepIndex, picks: ArrayLike<number>, k: number): Int32Array {
  const rows = new Int32Array(picks.length * k);
  for (let r = 0; r < picks.length; r++) {
    const i = picks[r];
    for (let j = 0; j < k; j++) rows[r * k + j] = index.stepRows[i] - j >= index.firstStepRows[i] ? i - j : -1;
  }
  return rows;
}

/**
 * Action errors of `count` windows: [count, k + 1, A] normalised, step j = 0 the newest, j = k the step before
 * the window (it enters Φ as the previous commanded action of the oldest step). Draws from `rng` in order.
 */
export function windowErrors(rng: Rng, count: number, k: number, actionDim: number, nu: number): Float32Array {
  const out = new Float32Array(count * (k + 1) * actionDim);
  const eps = new Float32Array(actionDim);
  for (let r = 0; r < count; r++) {
    const u = rng.uniform();
    const mode = u < PERSISTENT_FRACTION ? 'persistent' : u < PERSISTENT_FRACTION + IID_FRACTION ? 'iid' : 'none';
    if (mode === 'none') continue;
    for (let j = 0; j <= k; j++) {
      if (mode === 'iid' || j === 0) for (let d = 0; d < actionDim; d++) eps[d] = nu * rng.normal();
      out.set(eps, (r * (k + 1) + j) * actionDim);
    }
  }
  return out;
}

/** A window's inputs and target: Δz history [B, N, 3k] (newest first), the position context S_{t+1} [B, N, 3], and ε_t [B, A]. */
export type HindsightBatch = {
  deltaZ: tf.Tensor3D;
  tokens: tf.Tensor3D;
  eps: tf.Tensor2D;
};

/**
 * Pseudo-residuals of the windows `rows` (windowRows) of transitions `t` under errors `errors` (windowErrors):
 * Δz = actual − Φ(S, commanded), commanded = a* − ε (consistent) or a* + ε (literal). `actual` is the recorded
 * S_{t+1}, or with `phiConsistent` Φ's own prediction from the executed a* (a world that behaves as Φ predicts).
 */
export function hindsightBatch(world: WorldPredictor, t: Transitions, index: StepIndex, rows: Int32Array, k: number, errors: Float32Array, target: ReflexTarget, phiConsistent = false): HindsightBatch {
  const n = t.numTokens * TOKEN_DIM;
  const a = t.actionDim;
  const count = rows.length / k;
  const m = rows.length;
  const sign = target === 'consistent' ? -1 : 1;
  const field = (size: number) => new Float32Array(m * size);
  const [tokens, prevTokens, next] = [field(n), field(n), field(n)];
  const [executed, prevExecuted, commanded, prevCommanded] = [field(a), field(a), field(a), field(a)];
  const valid = new Float32Array(m);
  const context = new Float32Array(count * n);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < k; j++) {
      const w = r * k + j;
      const row = rows[w];
      if (row < 0) continue; // before the episode: Δz = 0 (the row's inputs stay zeros, its residual is masked)
      valid[w] = 1;
      tokens.set(t.tokens.subarray(row * n, (row + 1) * n), w * n);
      prevTokens.set(t.prevTokens.subarray(row * n, (row + 1) * n), w * n);
      next.set(t.next.subarray(row * n, (row + 1) * n), w * n);
      if (j === 0) context.set(t.next.subarray(row * n, (row + 1) * n), r * n);
      // The previous action carries the previous step's error, unless it is an episode start's hold-still action.
      const firstOfEpisode = index.stepRows[row] === index.firstStepRows[row];
      for (let d = 0; d < a; d++) {
        const e = errors[(r * (k + 1) + j) * a + d];
        const ePrev = firstOfEpisode ? 0 : errors[(r * (k + 1) + j + 1) * a + d];
        executed[w * a + d] = t.actions[row * a + d];
        prevExecuted[w * a + d] = t.prevActions[row * a + d];
        commanded[w * a + d] = t.actions[row * a + d] + sign * e;
        prevCommanded[w * a + d] = t.prevActions[row * a + d] + sign * ePrev;
      }
    }
  }
  const eps = new Float32Array(count * a);
  for (let r = 0; r < count; r++) eps.set(errors.subarray(r * (k + 1) * a, (r * (k + 1) + 1) * a), r * a);
  return tf.tidy(() => {
    const N = t.numTokens;
    const s = tf.tensor3d(tokens, [m, N, TOKEN_DIM]);
    const sPrev = tf.tensor3d(prevTokens, [m, N, TOKEN_DIM]);
    const actual = phiConsistent
      ? world.predict({ tokens: s, action: tf.tensor2d(executed, [m, a]), prevTokens: sPrev, prevAction: tf.tensor2d(prevExecuted, [m, a]) })
      : tf.tensor3d(next, [m, N, TOKEN_DIM]);
    const predicted = world.predict({ tokens: s, action: tf.tensor2d(commanded, [m, a]), prevTokens: sPrev, prevAction: tf.tensor2d(prevCommanded, [m, a]) });
    const residual = tf.mul(tf.sub(actual, predicted), tf.tensor3d(valid, [m, 1, 1]));
    // [count·k, N, 3] → [count, N, k·3], newest first.
    const deltaZ = tf.reshape(tf.transpose(tf.reshape(residual, [count, k, N, TOKEN_DIM]), [0, 2, 1, 3]), [count, N, k * TOKEN_DIM]) as tf.Tensor3D;
    const ctx = phiConsistent ? tf.slice(tf.reshape(actual, [count, k, N, TOKEN_DIM]), [0, 0, 0, 0], [count, 1, N, TOKEN_DIM]).reshape([count, N, TOKEN_DIM]) : tf.tensor3d(context, [count, N, TOKEN_DIM]);
    return { deltaZ, tokens: ctx as tf.Tensor3D, eps: tf.tensor2d(eps, [count, a]) };
  });
}

/** Constant offsets d of random direction and size in OFFSET_RANGE (normalised) as window errors. */
export function offsetErrors(rng: Rng, count: number, k: number, actionDim: number): Float32Array {
  const a = actionDim;
  const out = new Float32Array(count * (k + 1) * a);
  const dir = new Float64Array(a);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let d = 0; d < a; d++) norm += (dir[d] = rng.normal()) ** 2;
    const size = rng.range(OFFSET_RANGE[0], OFFSET_RANGE[1]) / Math.sqrt(norm);
    for (let j = 0; j <= k; j++) for (let d = 0; d < a; d++) out[(r * (k + 1) + j) * a + d] = size * dir[d];
  }
  return out;
}

/** Held-out loss and R² (mixed errors on recorded data) and the offset response (Φ-consistent data), with fixed draws from `seed`. */
export async function evaluateReflex(reflex: Reflex, world: WorldPredictor, t: Transitions, index: StepIndex, picks: Int32Array, c: Pick<Config, 'reflexNu' | 'reflexTarget'>, seed: number): Promise<ReflexMetrics> {
  const k = reflexHistory(reflex.config);
  const a = t.actionDim;
  const rng = new Rng(seed);
  let residual = 0;
  const epsSum = new Float64Array(a);
  const epsSq = new Float64Array(a);
  let cosSum = 0;
  let gainSum = 0;
  for (let start = 0; start < picks.length; start += EVAL_CHUNK) {
    const part = picks.subarray(start, Math.min(start + EVAL_CHUNK, picks.length));
    const rows = windowRows(index, part, k);
    for (const consistentWorld of [false, true]) {
      const errors = consistentWorld ? offsetErrors(rng, part.length, k, a) : windowErrors(rng, part.length, k, a, c.reflexNu);
      const h = hindsightBatch(world, t, index, rows, k, errors, c.reflexTarget, consistentWorld);
      const out = reflex.apply(h.deltaZ, h.tokens);
      const [e, b] = (await Promise.all([h.eps.data(), out.correction.data()])) as Float32Array[];
      tf.dispose([h, out]);
      for (let r = 0; r < part.length; r++) {
        let dot = 0;
        let bb = 0;
        let ee = 0;
        for (let d = 0; d < a; d++) {
          const [bi, ei] = [b[r * a + d], e[r * a + d]];
          dot -= bi * ei;
          bb += bi * bi;
          ee += ei * ei;
          if (consistentWorld) continue;
          residual += (bi + ei) ** 2;
          epsSum[d] += ei;
          epsSq[d] += ei * ei;
        }
        if (!consistentWorld) continue;
        cosSum += dot / Math.sqrt(bb * ee + 1e-30);
        gainSum += Math.sqrt(bb / ee);
      }
    }
  }
  const n = picks.length;
  let total = 0;
  for (let d = 0; d < a; d++) total += epsSq[d] - epsSum[d] ** 2 / n;
  return { heldOutLoss: residual / n, r2: 1 - residual / total, offsetCos: cosSum / n, offsetGain: gainSum / n };
}

/** A batch of closed-loop samples: the reflex's recorded inputs and the targets (as ε = d, hindsightLoss's sign). */
function refineBatch(samples: RefineSamples, picks: Int32Array, numTokens: number, k: number) {
  const n = numTokens * TOKEN_DIM;
  const a = samples.targets.length / samples.count;
  const inputs = gatherRows(samples.inputs, k * n, picks);
  const tokens = gatherRows(samples.tokens, n, picks);
  const targets = gatherRows(samples.targets, a, picks);
  return tf.tidy(() => ({
    deltaZ: tf.tensor3d(inputs, [picks.length, numTokens, k * TOKEN_DIM]),
    tokens: tf.tensor3d(tokens, [picks.length, numTokens, TOKEN_DIM]),
    eps: tf.neg(tf.tensor2d(targets, [picks.length, a])) as tf.Tensor2D,
  }));
}

/** Both kinds of batch in one loss: the mean of the two hindsight losses. */
function mixedLoss(reflex: Reflex, batches: HindsightBatch[]): tf.Scalar {
  return tf.tidy(() => tf.div(tf.addN(batches.map((b) => hindsightLoss(reflex, b.deltaZ, b.tokens, b.eps))), batches.length) as tf.Scalar);
}

export async function reflexWarmup(reflex: Reflex, world: WorldPredictor, demos: DemoDataset, split: EpisodeSplit, c: Config, o: StageOptions, prior: FlowPrior | null = null): Promise<ReflexReport> {
  checkStageOptions(o);
  if (split.heldOut.length === 0) throw new Error('reflex: the held-out split is empty (need at least two episodes)');
  if (!(c.reflexNu > 0)) throw new Error(`reflexNu: ${c.reflexNu} must be positive for the hindsight warm-up`);
  const t0 = performance.now();
  const k = reflexHistory(reflex.config);
  const trainIndex = indexSteps(demos, split.train);
  const heldOutIndex = indexSteps(demos, split.heldOut);
  const train = demoTransitions(demos, trainIndex);
  const heldOut = demoTransitions(demos, heldOutIndex);
  const heldOutPicks = sampleIndices(new Rng(deriveSeed(o.seed, 'reflex/held-out-pick')), heldOut.count, Math.min(HELD_OUT_WINDOWS, heldOut.count));
  const evalSeed = deriveSeed(o.seed, 'reflex/held-out-noise');
  o.log(`reflex: ${c.reflexTarget} pseudo-residuals, windows of k = ${k} steps (${PERSISTENT_FRACTION} persistent, ${IID_FRACTION} i.i.d., the rest error-free)`);
  const rounds = prior && c.reflexRefineRounds > 0 ? c.reflexRefineRounds : 0;
  if (!prior && c.reflexRefineRounds > 0) o.log('reflex: no prior to run the closed loop with; the closed-loop refinement is skipped');
  // Round r starts at iteration refineStart + r·roundIters.
  const refineStart = rounds ? Math.floor(o.iters / 2) : o.iters;
  const roundIters = rounds ? Math.ceil((o.iters - refineStart) / rounds) : 0;
  const spec = taskSpec(demos.manifest.task);
  let samples: RefineSamples | null = null;
  const shares: number[] = [];

  const rng = new Rng(deriveSeed(o.seed, 'reflex/train'));
  const guard = new GuardedStep('reflex', reflex.variables, o.log);
  const warmup = warmupFor(o.iters);
  const meter = new LossMeter();
  let lastTrainLoss: number | null = null;
  let metrics: ReflexMetrics = { heldOutLoss: NaN, r2: NaN, offsetCos: NaN, offsetGain: NaN };
  try {
    for (let iter = 0; iter < o.iters; iter++) {
      await o.pace?.();
      if (rounds && iter >= refineStart && (iter - refineStart) % roundIters === 0) {
        const round = (iter - refineStart) / roundIters;
        samples = await collectRefineSamples(prior!, world, reflex, spec, c, deriveSeed(o.seed, 'reflex/refine', round));
        shares.push(samples.residualShare);
        o.log(`reflex: closed-loop round ${round + 1}/${rounds}: ${samples.count} samples, ${(100 * samples.residualShare).toFixed(1)}% of the offsets left uncancelled`);
      }
      const picks = sampleIndices(rng, train.count, c.reflexBatch);
      const batches = [hindsightBatch(world, train, trainIndex, windowRows(trainIndex, picks, k), k, windowErrors(rng, c.reflexBatch, k, train.actionDim, c.reflexNu), c.reflexTarget)]; // Φ frozen: outside the gradient
      if (samples) batches.push(refineBatch(samples, sampleIndices(rng, samples.count, c.reflexBatch), train.numTokens, k));
      const lr = warmupCosineLr(c.reflexLr, iter, o.iters, warmup);
      const step = await guard.step(() => mixedLoss(reflex, batches), lr);
      tf.dispose(batches);
      meter.add(step.loss);

      if ((iter + 1) % o.evalEvery === 0 || iter === o.iters - 1) {
        metrics = await evaluateReflex(reflex, world, heldOut, heldOutIndex, heldOutPicks, c, evalSeed);
        lastTrainLoss = meter.take();
        const seconds = (performance.now() - t0) / 1000;
        o.onMetrics({ stage: 'reflex', iter: iter + 1, lr, trainLoss: lastTrainLoss, gradNorm: step.gradNorm, ...metrics, skippedSteps: guard.skipped, seconds });
        await o.onEvaluated?.(iter + 1);
        o.log(
          `reflex ${iter + 1}/${o.iters}: train ${lastTrainLoss?.toExponential(3)} held-out ${metrics.heldOutLoss.toExponential(3)} R² ${metrics.r2.toFixed(3)}, ` +
            `offset response cos ${metrics.offsetCos.toFixed(3)} gain ${metrics.offsetGain.toFixed(3)} (${seconds.toFixed(0)} s)`,
        );
      }
    }
  } finally {
    guard.dispose();
  }
  return { iters: o.iters, closedLoopResidualShares: shares, finalTrainLoss: lastTrainLoss, ...metrics, skippedSteps: guard.skipped, seconds: (performance.now() - t0) / 1000 };
}
