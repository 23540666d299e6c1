// Stage 1, second part: the reflex refined on its own closed loop (DAgger for the reflex; still no reward).
//
// The demonstration windows teach b to read residuals that Φ makes along the expert's smooth path. In closed loop
// the reflex's own corrections move the pusher too, so the residuals it reads come from another distribution, and
// a reflex that cancels offsets on the windows cancels only part of them in closed loop. Each round runs the
// current loop (prior, Φ, reflex; σ = 0, n = executeSteps) in REFINE_ENVS envs for REFINE_STEPS control steps.
// Every episode gets an actuator offset d (a bias of random direction and size up to OFFSET_MAX, normalised
// units) or, with probability NOMINAL_FRACTION, none; what the reflex read at each step (its residual history and
// S_t) is recorded with the target −d, what b should add to cancel the offset. The reflex then trains on these
// samples mixed with the demonstration windows (reflexWarmup.ts).
import { deriveSeed, Rng } from '../core/rng';
import type { Config } from '../core/config';
import { ClosedLoop } from '../policy/closedLoop';
import type { FlowPrior } from '../policy/flowPrior';
import type { Reflex } from '../policy/reflex';
import type { WorldPredictor } from '../policy/worldPredictor';
import { suiteDefault, type TaskPerturbation } from '../sim/perturbationSpec';
import { simTask } from '../sim/tasks';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { createVecEnv } from '../sim/vecEnv';

export const REFINE_ENVS = 64;
export const REFINE_STEPS = 120;
export const NOMINAL_FRACTION = 0.25;
/** The largest offset, normalised: Push-T's 16 px (push-3d: 4.8 cm). */
export const OFFSET_MAX = 16 / 256;

/** The closed-loop samples of one round: per control step, the reflex's input and the target −d. */
export interface RefineSamples {
  /** [count, N, k·3]: the residual history the reflex read. */
  inputs: Float32Array;
  /** [count, N, 3]: S_t. */
  tokens: Float32Array;
  /** [count, A]: −d, normalised. */
  targets: Float32Array;
  count: number;
  /** Mean ‖g_b·b + d‖ / mean ‖d‖ over the offset episodes' steps: the share of the offset left uncancelled. */
  residualShare: number;
}

/** An offset episode's bias (world units in the task's bias kind, normalised target returned beside it). */
function drawOffset(task: ReturnType<typeof simTask>, spec: TaskSpec, rng: Rng): { p: TaskPerturbation; d: number[] } {
  const d = new Array<number>(spec.actionDim).fill(0);
  if (rng.uniform() < NOMINAL_FRACTION) return { p: suiteDefault(task.suites, 'nominal'), d };
  const size = rng.range(0, OFFSET_MAX);
  const angle = rng.range(-Math.PI, Math.PI);
  [d[0], d[1]] = [size * Math.cos(angle), size * Math.sin(angle)];
  return { p: { ...suiteDefault(task.suites, 'bias'), dx: d[0] * spec.worldScale[0], dy: d[1] * spec.worldScale[1] } as TaskPerturbation, d };
}

export async function collectRefineSamples(prior: FlowPrior, world: WorldPredictor, reflex: Reflex, spec: TaskSpec, c: Config, seed: number, size = { envs: REFINE_ENVS, steps: REFINE_STEPS }): Promise<RefineSamples> {
  const task = simTask(spec.name);
  const [B, T, A, n] = [size.envs, size.steps, spec.actionDim, spec.numTokens * TOKEN_DIM];
  const rng = new Rng(seed);
  const env = await createVecEnv(task, { numEnvs: B, seed: deriveSeed(seed, 'refine/env'), maxSteps: c.episodeLength });
  const loop = new ClosedLoop({ prior, world, reflex, strategy: null }, spec, B);
  const h = loop.history * n;
  const out: RefineSamples = { inputs: new Float32Array(B * T * h), tokens: new Float32Array(B * T * n), targets: new Float32Array(B * T * A), count: B * T, residualShare: NaN };
  const offsets = new Float64Array(B * A);
  const start = (i: number) => {
    const s = rng.seed();
    env.reseed(i, s);
    const { p, d } = drawOffset(task, spec, rng);
    env.setEpisodePerturbation(i, p);
    offsets.set(d, i * A);
    loop.resetEnv(i, s);
  };
  // Chunks run their n steps: the Δz-triggered re-plan is an evaluation control, not part of what the reflex learns.
  const params = { ...c, sigmaMax: 0, sigmaMin: 0, strategyGain: 0, replanThreshold: 0 };
  let left = 0;
  let whole = 0;
  try {
    for (let i = 0; i < B; i++) start(i);
    for (let t = 0; t < T; t++) {
      const row = t * B;
      out.tokens.set(env.tokens, row * n);
      const { step } = await loop.step(env.tokens, params);
      out.inputs.set(step.reflexInput, row * h);
      for (let i = 0; i < B; i++) {
        let e2 = 0;
        let d2 = 0;
        for (let a = 0; a < A; a++) {
          const d = offsets[i * A + a];
          out.targets[(row + i) * A + a] = -d;
          e2 += (params.reflexGain * step.reflex[i * A + a] + d) ** 2;
          d2 += d * d;
        }
        left += Math.sqrt(e2) * (d2 > 0 ? 1 : 0);
        whole += Math.sqrt(d2);
      }
      env.step(step.actions);
      loop.observe(env.tokens, env.dones, env.finalTokens);
      for (let i = 0; i < B; i++) if (env.dones[i]) start(i);
    }
  } finally {
    env.free();
  }
  out.residualShare = left / whole;
  return out;
}
