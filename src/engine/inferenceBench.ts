// Inference time of the full SA-GR policy per control step, at a batch size B, on the active tfjs backend:
//   decision  η_φ(S), encode S for v_θ, K Euler–Maruyama steps of the SDE → the H-step chunk (every n steps)
//   step      b_ψ(Δz, S) and Φ(S, a) (every control step)
//   per control step = step + decision / n
// Each timing ends with the read-back the playground needs (await data()), so it is wall time to usable numbers.
// The worker times B = 1 (the playground's batch) on every runnable backend at start-up to choose one, and any
// batch sizes on request.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { Rng } from '../core/rng';
import { sampleSde } from '../policy/sde';
import { goalTokensBatch } from '../policy/stateTokens';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { timeMedian } from './microbench';
import { sdeParams } from './livePolicy';
import { freshModules, type ModuleTypes, type ShippedLoad } from './policyModules';

export interface InferenceBenchTiming {
  batch: number;
  /** Median ms of one chunk decision and of one per-step pass (reflex + Φ). */
  decisionMs: number;
  stepMs: number;
  /** step + decision / executeSteps. */
  perControlStepMs: number;
  executeSteps: number;
  sdeSteps: number;
  runs: number;
}

/** A measured batch size, or one left out because a smaller batch was already too slow on this backend. */
export type InferenceBenchRow = { backend: string } & (({ skipped: null } & InferenceBenchTiming) | { skipped: string; batch: number });

const BENCH_SEED = 1;
/** Seed of the benchmark's random weights (timings do not depend on the values). */
const BENCH_WEIGHTS_SEED = 1;
const WARMUP_RUNS = 1;
/** Past this per control step (ms) a backend is not interactive; larger batches on it are not timed. */
export const SLOW_STEP_MS = 1000;

/** Median ms of `run`, read back and disposed, over `runs` timed runs after the warm-up. */
function medianMs(run: () => tf.Tensor, runs: number): Promise<number> {
  return timeMedian(runs, WARMUP_RUNS, async () => {
    const out = run();
    await out.data();
    out.dispose();
  });
}

interface PolicyPasses {
  /** The chunk decision: η_φ, v_θ's encoding and K SDE steps. */
  decide: () => tf.Tensor;
  /** The per-step pass: b_ψ and Φ. */
  step: () => tf.Tensor;
  executeSteps: number;
  /** The random inputs the passes read; dispose after timing. */
  inputs: tf.Tensor[];
}

/** The two passes of the policy at batch `batch` on random inputs (values do not change the timing). */
function policyPasses(modules: ModuleTypes, spec: TaskSpec, config: Config, batch: number): PolicyPasses {
  const { prior, world, reflex, strategy } = modules;
  const N = spec.numTokens;
  const A = spec.actionDim;
  const rng = new Rng(BENCH_SEED);
  const values = (n: number, scale: number) => {
    const v = new Float32Array(n);
    rng.fillNormal(v, 0, scale);
    return v;
  };
  const tokens = tf.tensor3d(values(batch * N * TOKEN_DIM, 0.5), [batch, N, TOKEN_DIM]);
  const deltaZ = tf.tensor3d(values(batch * N * reflex.inputDim, 0.01), [batch, N, reflex.inputDim]);
  const actions = tf.tensor2d(values(batch * A, 0.5), [batch, A]);
  const goal = goalTokensBatch(spec, batch);
  const sde = sdeParams(config);
  const decide = () =>
    tf.tidy(() => {
      const eta = strategy.apply(tokens, goal);
      const b = reflex.apply(deltaZ, tokens).correction;
      return sampleSde({ prior: prior.velocityFn(prior.encode(tokens, goal), sde.sdeSteps), horizon: prior.config.horizon, reflex: b, strategy: eta }, sde, rng).action;
    });
  const step = () => tf.tidy(() => tf.concat([tf.reshape(reflex.apply(deltaZ, tokens).correction, [-1]), tf.reshape(world.predict({ tokens, action: actions, prevTokens: tokens, prevAction: actions }), [-1])]));
  return { decide, step, executeSteps: Math.min(config.executeSteps, prior.config.horizon), inputs: [tokens, deltaZ, actions, goal] };
}

/**
 * Median ms of the per-step pass, then of the decision; the decision is null (and not run: its kernels take seconds
 * to compile on an emulated GPU) when the per-step pass alone already takes `beatMs` or more.
 */
async function timePasses(modules: ModuleTypes, spec: TaskSpec, config: Config, batch: number, runs: number, beatMs: number) {
  const { decide, step, executeSteps, inputs } = policyPasses(modules, spec, config, batch);
  try {
    const stepMs = await medianMs(step, runs);
    const decisionMs = stepMs >= beatMs ? null : await medianMs(decide, runs);
    return { stepMs, decisionMs, executeSteps };
  } finally {
    tf.dispose(inputs);
  }
}

export async function benchPolicyInference(modules: ModuleTypes, spec: TaskSpec, config: Config, batch: number, runs: number): Promise<InferenceBenchTiming> {
  const { stepMs, decisionMs, executeSteps } = await timePasses(modules, spec, config, batch, runs, Infinity);
  return { batch, decisionMs: decisionMs!, stepMs, perControlStepMs: stepMs + decisionMs! / executeSteps, executeSteps, sdeSteps: config.sdeSteps, runs };
}

/**
 * Median ms of the per-step pass and of a whole control step at batch `batch`; the control step is null when it
 * cannot be below `beatMs` because the per-step pass alone already takes that long.
 */
export async function benchControlStep(
  modules: ModuleTypes,
  spec: TaskSpec,
  config: Config,
  batch: number,
  runs: number,
  beatMs: number,
): Promise<{ stepMs: number; perControlStepMs: number | null }> {
  const { stepMs, decisionMs, executeSteps } = await timePasses(modules, spec, config, batch, runs, beatMs);
  return { stepMs, perControlStepMs: decisionMs === null ? null : stepMs + decisionMs / executeSteps };
}

/**
 * Runs `use` on randomly initialised modules of the sizes the playground runs (a shipped checkpoint's, else the
 * config's), built on the active backend, and disposes them after.
 */
export async function withBenchModules<T>(shipped: ShippedLoad, config: Config, spec: TaskSpec, use: (modules: ModuleTypes) => Promise<T>): Promise<T> {
  const modules = freshModules(shipped, config, spec, BENCH_WEIGHTS_SEED);
  try {
    return await use(modules);
  } finally {
    for (const m of Object.values(modules)) m.dispose();
  }
}

/** Times each batch size (ascending) on the active backend; once one is slower than SLOW_STEP_MS the rest are skipped. */
export async function benchBackend(backend: string, modules: ModuleTypes, spec: TaskSpec, config: Config, batches: readonly number[], runs: number): Promise<InferenceBenchRow[]> {
  const rows: InferenceBenchRow[] = [];
  let slow: InferenceBenchTiming | null = null;
  for (const batch of [...batches].sort((a, b) => a - b)) {
    if (slow) {
      rows.push({ backend, batch, skipped: `B = ${slow.batch} already took ${slow.perControlStepMs.toFixed(0)} ms per control step` });
      continue;
    }
    const t = await benchPolicyInference(modules, spec, config, batch, runs);
    rows.push({ backend, skipped: null, ...t });
    if (t.perControlStepMs > SLOW_STEP_MS) slow = t;
  }
  return rows;
}
