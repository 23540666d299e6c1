// Inference time of the full SA-GR policy per control step, at a batch size B, on the active tfjs backend:
//   decision  η_φ(S), encode S for v_θ, K Euler–Maruyama steps of the SDE → the H-step chunk (every n steps)
//   step      b_ψ(Δz, S) and Φ(S, a) (every control step)
//   per control step = step + decision / n
// Each timing ends with the read-back the playground needs (await data()), so it is wall time to usable numbers.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { Rng } from '../core/rng';
import { sampleSde } from '../policy/sde';
import { goalTokensBatch } from '../policy/stateTokens';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { median } from './microbench';
import { sdeParams } from './livePolicy';
import type { ModuleTypes } from './policyModules';

export interface InferenceBenchRow {
  backend: string;
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

const BENCH_SEED = 1;
const WARMUP_RUNS = 2;

async function time(run: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const out = run();
  await out.data();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
}

export async function benchPolicyInference(modules: ModuleTypes, spec: TaskSpec, config: Config, batch: number, runs: number): Promise<Omit<InferenceBenchRow, 'backend'>> {
  if (!Number.isInteger(batch) || batch < 1 || batch > 4096) throw new Error(`batches: ${batch} is not an integer in [1, 4096]`);
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
  const deltaZ = tf.tensor3d(values(batch * N * TOKEN_DIM, 0.01), [batch, N, TOKEN_DIM]);
  const actions = tf.tensor2d(values(batch * A, 0.5), [batch, A]);
  const goal = goalTokensBatch(spec, batch);
  const sde = sdeParams(config);
  const decide = () =>
    tf.tidy(() => {
      const eta = strategy.apply(tokens, goal);
      const b = reflex.apply(deltaZ, tokens).correction;
      return sampleSde({ prior: prior.velocityFn(prior.encode(tokens, goal)), horizon: prior.config.horizon, reflex: b, strategy: eta }, sde, rng).action;
    });
  const step = () => tf.tidy(() => tf.concat([tf.reshape(reflex.apply(deltaZ, tokens).correction, [-1]), tf.reshape(world.predict(tokens, actions), [-1])]));
  try {
    const decisions: number[] = [];
    const steps: number[] = [];
    for (let i = 0; i < WARMUP_RUNS + runs; i++) {
      const d = await time(decide);
      const s = await time(step);
      if (i >= WARMUP_RUNS) {
        decisions.push(d);
        steps.push(s);
      }
    }
    const decisionMs = median(decisions);
    const stepMs = median(steps);
    const executeSteps = Math.min(config.executeSteps, prior.config.horizon);
    return { batch, decisionMs, stepMs, perControlStepMs: stepMs + decisionMs / executeSteps, executeSteps, sdeSteps: config.sdeSteps, runs };
  } finally {
    tf.dispose([tokens, deltaZ, actions, goal]);
  }
}
