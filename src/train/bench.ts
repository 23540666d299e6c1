// Training speed at the default config, with the sizes of its task (config.task, default Push-T), on the active
// backend: ms per guarded Adam step of each supervised stage (prior flow matching, Φ dynamics, reflex hindsight
// incl. the frozen Φ forward), on synthetic batches of the real shapes. These figures size a run: iters × ms/step
// is the stage's wall time. The prior's step is also timed beside the pre-issue-16 step (src/reference/: the old
// layers, Adam and guard) in the same process, with both kernel counts, and its matrix products are measured apart
// (productShare.ts): their time at the backend's product rate is what no fusion of the other kernels removes.
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { gaussianTensor } from '../nn/noise';
import { flowMatchingLoss, FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { hindsightLoss, Reflex, reflexConfig } from '../policy/reflex';
import { goalTokensBatch } from '../policy/stateTokens';
import { dynamicsLoss, WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { compareWithReference, type Comparison } from '../reference/compare';
import { withReferenceLayers } from '../reference/layers';
import { ReferenceGuardedStep } from '../reference/optimizer';
import { TOKEN_DIM } from '../sim/taskSpec';
import { taskSpec } from '../sim/tasks';
import { GuardedStep, SUPERVISED_ADAM_EPS } from './guardedStep';
import { measureProducts } from './productShare';

const WARMUP_STEPS = 2;
const TIMED_STEPS = 5;
/** Interleaved rounds of the prior's step against the reference step: per round, each path re-warms, then is timed. */
const PRIOR_ROUNDS = 7;
const PRIOR_ROUND_SHAPE = { warm: 1, timed: 2 };
const LR = 1e-4;

export interface TrainBenchResult {
  backend: string;
  priorBatch: number;
  worldBatch: number;
  reflexBatch: number;
  /** Median ms per optimiser step. */
  priorStepMs: number;
  /** The prior's step (and its kernel count) beside the pre-issue-16 step on a second prior of the same seed. */
  prior: Comparison;
  /** The matrix products of one prior step: GFLOP, how many, their ms, and their share of the step's time. */
  priorProducts: { gflop: number; count: number; ms: number; share: number };
  worldStepMs: number;
  reflexStepMs: number;
  /** Wall time of the default iteration counts at these speeds, minutes (evaluation not included). */
  priorMinutes: number;
  worldMinutes: number;
  reflexMinutes: number;
}

async function medianStepMs(step: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUP_STEPS; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < TIMED_STEPS; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export async function benchTrainSteps(c: Config = defaultConfig()): Promise<TrainBenchResult> {
  const spec = taskSpec(c.task);
  const rng = new Rng(c.seed);
  const log = () => {};
  const tokens = (b: number) => gaussianTensor<tf.Rank.R3>(rng, [b, spec.numTokens, TOKEN_DIM]);

  const [prior, referencePrior] = [new FlowPrior(flowPriorConfig(c, spec), c.seed), new FlowPrior(flowPriorConfig(c, spec), c.seed)];
  const priorGuard = new GuardedStep('prior', prior.variables, log);
  const referenceGuard = new ReferenceGuardedStep(referencePrior.variables, SUPERVISED_ADAM_EPS);
  const priorBatch = { tokens: tokens(c.priorBatch), goal: goalTokensBatch(spec, c.priorBatch), actions: gaussianTensor<tf.Rank.R3>(rng, [c.priorBatch, c.horizon, spec.actionDim]) };
  const priorComparison = await compareWithReference(
    async () => void (await priorGuard.step(() => flowMatchingLoss(prior, priorBatch, rng), LR)),
    () => withReferenceLayers(async () => void (await referenceGuard.step(() => flowMatchingLoss(referencePrior, priorBatch, rng), LR))),
    PRIOR_ROUNDS,
    PRIOR_ROUND_SHAPE,
  );
  let priorStepsMs = 0;
  const products = await measureProducts(async () => {
    const t0 = performance.now();
    for (let i = 0; i < TIMED_STEPS; i++) await priorGuard.step(() => flowMatchingLoss(prior, priorBatch, rng), LR);
    priorStepsMs = performance.now() - t0;
  });
  tf.dispose(priorBatch);
  [priorGuard, referenceGuard, prior, referencePrior].forEach((x) => x.dispose());

  const world = new WorldPredictor(worldPredictorConfig(c, spec), c.seed);
  const worldGuard = new GuardedStep('world', world.variables, log);
  const worldInput = (b: number) => ({ tokens: tokens(b), action: gaussianTensor<tf.Rank.R2>(rng, [b, spec.actionDim]), prevTokens: tokens(b), prevAction: gaussianTensor<tf.Rank.R2>(rng, [b, spec.actionDim]) });
  const w = worldInput(c.worldBatch);
  const wNext = tokens(c.worldBatch);
  const worldStepMs = await medianStepMs(async () => void (await worldGuard.step(() => dynamicsLoss(world, w, wNext), LR)));
  tf.dispose([w, wNext]);
  worldGuard.dispose();

  const reflex = new Reflex(reflexConfig(c, spec), c.seed);
  const reflexGuard = new GuardedStep('reflex', reflex.variables, log);
  // A warm-up step: Φ on the batch's k-step windows (B·k transitions), then the reflex's step on the residual histories.
  const k = reflex.inputDim / TOKEN_DIM;
  const r = worldInput(c.reflexBatch * k);
  const rNext = tokens(c.reflexBatch * k);
  const context = tokens(c.reflexBatch);
  const reflexStepMs = await medianStepMs(async () => {
    const eps = tf.mul(gaussianTensor<tf.Rank.R2>(rng, [c.reflexBatch, spec.actionDim]), c.reflexNu) as tf.Tensor2D;
    const deltaZ = tf.tidy(() => tf.reshape(tf.sub(rNext, world.predict(r)), [c.reflexBatch, spec.numTokens, k * TOKEN_DIM]) as tf.Tensor3D);
    await reflexGuard.step(() => hindsightLoss(reflex, deltaZ, context, eps), LR);
    tf.dispose([eps, deltaZ]);
  });
  tf.dispose([r, rNext, context]);
  reflexGuard.dispose();
  reflex.dispose();
  world.dispose();

  const minutes = (ms: number, iters: number) => (ms * iters) / 60_000;
  return {
    backend: tf.getBackend(),
    priorBatch: c.priorBatch,
    worldBatch: c.worldBatch,
    reflexBatch: c.reflexBatch,
    priorStepMs: priorComparison.ms,
    prior: priorComparison,
    priorProducts: { gflop: products.gflop / TIMED_STEPS, count: products.products / TIMED_STEPS, ms: products.ms / TIMED_STEPS, share: products.ms / priorStepsMs },
    worldStepMs,
    reflexStepMs,
    priorMinutes: minutes(priorComparison.ms, c.priorIters),
    worldMinutes: minutes(worldStepMs, c.worldIters),
    reflexMinutes: minutes(reflexStepMs, c.reflexIters),
  };
}
