// The SA-GR control loop for B environments: the ONE implementation of the data path of DESIGN §3 that stage-2
// training (src/train/rollout.ts), evaluation (src/eval/learnedPolicies.ts) and the playground
// (src/engine/livePolicy.ts) all run.
//
//   decision (for each env that has no chunk left: every n = executeSteps control steps, and after a reset):
//     η_c = η_φ(S_t) when the strategy acts per chunk; the SDE sampler draws an H-step chunk from the frozen
//     prior v_θ with g_η·η_c in its drift. Env i's noise comes from its own stream, reseeded per episode
//     (resetEnv), so an env's actions never depend on the batch it runs in.
//     A one-step prior (MeanFlow, `meanFlow` in its config) is sampled in ONE step, a = a_0 + u(a_0, 0, 1), whatever K.
//     A latent-rate strategy (DSRL) acts here instead: the chain starts from a_0 ~ N(μ_φ(S_t), σ_φ²) in place of
//     N(0, I), with nothing added to the drift. A noise-rate strategy (ReinFlow) gives the chain's per-step noise
//     scale σ_k(S_t) in place of σ(τ_k), nothing in the drift; at σ = 0 (evaluation) the chain is v_θ's ODE, the
//     learned noise being ReinFlow's exploration.
//   every control step t (the j-th action of the chunk):
//     b_t = b_ψ(Δz_t, Δz_{t−1}, …, Δz_{t−k+1}; S_t)   the reflex on the last k residuals
//     η_t = η_φ(S_t)                                   when the strategy acts per control step (residual RL)
//     η_t = η_φ(S_t; chunk[j], j/H, Σ Δz since the chunk was planned)   when it also reads the plan (ResiP)
//     a_t = chunk[j] + g_b·b_t + g_η·η_t               (the commanded action)
//     Ŝ_{t+1} = S_t + Φ(S_t, a_t; S_{t−1}, a_{t−1})    before the physics step
//   after the physics step (observe):
//     Δz_{t+1} = S_{t+1} − Ŝ_{t+1}                     zero after a reset, where nothing was predicted
//
// Adding c_t = g_b·b_t + g_η·η_t to the sampled action is c_t entering the drift of the chain's LAST Euler step
// (whose Gaussian noise is independent of c_t), so the executed action has an exact likelihood in which c_t is
// differentiable (executedLogProb below), while the corrections react at the control rate. b and η are constant
// in flow time, so this is also what the SDE's drift terms contribute to the final action.
//
// Controls a reviewer asks for, in the same loop (`reflexSource`):
//   integral  no network: b_t = −EMA_λ(Δz of the agent token)/g, g the task's agentStepGain. Φ predicts from the
//             commanded action (b included), so Δz measures the whole actuator error at every step and the
//             estimate settles at −(the error), as an integral controller's accumulated correction does.
//   anchor    no network: the stale chunk follows the object. Δz of the object tokens summed since the env's chunk
//             was planned is the object's motion that Φ did not predict (a displacement, a kick); the rigid x–y
//             motion T (Procrustes) that takes the expected tokens (S_t − that sum) onto S_t moves the chunk's
//             action with it: b_t = T(chunk[j]) − chunk[j]. Is a plan that follows the object enough?
//   shuffled  the learned reflex reads another env's residual history (a seeded derangement each step): does Δz
//             carry the information, or only the reflex's presence? Needs B ≥ 2.
//   re-plan  `replanThreshold` > 0 (read by step(), in evaluation and the playground): an env whose newest residual
//            on an object token exceeds it gets a new chunk at once instead of finishing the stale one. Δz as an
//            event trigger for long chunks, at the price of extra prior calls; training never uses it (stage 2
//            calls decide/act, the reflex's refinement passes 0).
// A gain of 0 (or a missing module) switches a correction off without running its network. Without a prior the
// loop only predicts and observes (the playground's expert lane): every step executes the caller's action, unless
// a chunk planned outside the loop was handed to it (setChunk: the expert's open-loop plans, corrected like the prior's).
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../core/rng';
import type { TaskState } from '../sim/simTask';
import { TOKEN_DIM, tokenNorms, type TaskSpec } from '../sim/taskSpec';
import type { FlowPrior } from './flowPrior';
import { meanFlowVelocityFn } from './meanFlow';
import { reflexHistory, type Reflex } from './reflex';
import { chainStepLogProbs, isDeterministic, reinflowStepLogProbs, rowNoise, sampleSde, stepGaussians, type NoiseSource, type SdeParams } from './sde';
import { agentTokenIndex, goalTokensBatch, holdStillActions } from './stateTokens';
import { latentLogProb, planInputTokens, strategyRate, type LatentGaussian, type Strategy } from './strategy';
import type { WorldPredictor } from './worldPredictor';

export interface LoopModules {
  /** null: no chunks; every step executes the caller's action (Φ still predicts). */
  prior: FlowPrior | null;
  /** null: no prediction, Δz stays 0. */
  world: WorldPredictor | null;
  /** null: the reflex is off (prior and strategy ablations), unless reflexSource is a network-free control (integral, anchor). */
  reflex: Reflex | null;
  /** null: the strategy is off. */
  strategy: Strategy | null;
}

export type ReflexSource = 'learned' | 'integral' | 'anchor' | 'shuffled';

/** The controls that make b without a network (the reflex module is not read). */
export const networkFreeSource = (source: ReflexSource): boolean => source === 'integral' || source === 'anchor';

export interface LoopOptions {
  reflexSource?: ReflexSource;
  /** λ of the integral reflex's EMA. */
  integralDecay?: number;
  /** Seeds the shuffled control's permutations. */
  seed?: number;
  /** Keep each chunk's terms (prior point, strategy, noise) for the playground's decomposition. */
  recordTerms?: boolean;
  /** Without a prior: the longest chunk setChunk takes (chunks planned outside the loop, e.g. by the expert). */
  horizon?: number;
}

/**
 * Chunks planned outside the loop, in place of the prior's (the task's expert): `plan` writes `steps` actions
 * (normalised, steps×A) from an env's privileged state into `out`; the loop then corrects them as it corrects the prior's.
 */
export interface ChunkPlanner {
  /** The longest chunk it plans. */
  readonly horizon: number;
  plan(state: TaskState, steps: number, out: Float32Array): void;
  dispose(): void;
}

/** replanThreshold: the Δz-triggered re-plan (0 or absent: off), in normalised units per token. */
export type LoopParams = SdeParams & { executeSteps: number; replanThreshold?: number };

/** What one decision produced for envs `envs` (row r of every array belongs to env envs[r]). */
export interface Decision {
  envs: Int32Array;
  /** M×H×A: the sampled chunks (before the per-step corrections), what the envs will execute. */
  chunks: Float32Array;
  /** M×K'×H×A chain residuals (K' = K for chain mode, 1 for terminal), sampled without the per-step corrections. */
  residuals: Float32Array;
  /** M×H: log π of each chunk step's chain (chainStepLogProbs), as PPO will recompute it. */
  stepLogProbs: Float32Array;
  /** M×A: the per-chunk η_φ before its gain (zero where it is off or acts per step). */
  strategy: Float32Array;
  /** Latent-rate strategy (DSRL) only, else null: a_0 [M, H, A] and its log-probability under η_φ [M]. */
  latent: Float32Array | null;
  latentLogProbs: Float32Array | null;
  /** Noise-rate strategy (ReinFlow) with σ ≠ 0 only, else null: the chain a_0 … a_K [M, K+1, H, A]; stepLogProbs are then ReinFlow's. */
  chain: Float32Array | null;
}

/** What one control step did, per env. */
export interface StepOutput {
  /** B×A commanded actions. */
  actions: Float32Array;
  /** B×A: b before its gain (zero where the reflex is off or the env ran the caller's action). */
  reflex: Float32Array;
  /** B×A: the per-step η before its gain (zero unless the strategy acts per step). */
  strategy: Float32Array;
  /** B×((2 + N)·3): what a plan-aware per-step η read besides the state (empty for other strategies). */
  strategyInput: Float32Array;
  /** B×(k·N·3): the residual history b read (after the shuffled control's permutation). */
  reflexInput: Float32Array;
  /** B×N: the reflex's attention over the tokens, mean over heads and queries (zero without a learned reflex). */
  attention: Float32Array;
  /** Which action of its chunk each env executed (−1: none, the caller's action was used). */
  chunkStep: Int32Array;
}

/** Rows of a flat [B, rowSize] array, for the envs listed. */
export function gatherRows(source: Float32Array, rowSize: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  for (let r = 0; r < rows.length; r++) out.set(source.subarray(rows[r] * rowSize, (rows[r] + 1) * rowSize), r * rowSize);
  return out;
}

/** K' of the stored residuals (K for chain mode, 1 for terminal). */
export function residualSteps(sde: SdeParams): number {
  return stepGaussians(sde).stds.length;
}

/**
 * log π of the executed part of stored decisions under new per-chunk η and per-step corrections. `residuals`
 * [M, K', H, A] were sampled without the per-step corrections; executed action j got cOld_j = g_b·b_j + g_η·η_j
 * in the chain's last step, so its last-step residual is r + cOld_j with mean (chain drift) + cNew_j. Written as
 * r + (cOld − cNew) against the chain's own mean, it equals the stored residual exactly while nothing changed.
 * cOld, cNew: [M·n, A] in (decision, j) order; executed: [M·n] 1 for the chunk steps that ran (0 after the
 * episode ended). Only those steps count (DPPO's act_steps: the H − n actions never executed carry no
 * likelihood). Differentiable in chunkStrategy and cNew. Returns [M].
 */
export function executedLogProb(residuals: tf.Tensor4D, chunkStrategy: tf.Tensor2D, cOld: tf.Tensor2D, cNew: tf.Tensor2D, executed: tf.Tensor1D, sde: SdeParams): tf.Tensor1D {
  const [m, k, h, a] = residuals.shape;
  const n = cOld.shape[0] / m;
  if (!Number.isInteger(n) || n > h) throw new Error(`executedLogProb: ${cOld.shape[0]} correction rows do not split into ${m} decisions of at most ${h} steps`);
  return tf.tidy(() => {
    const shift = tf.reshape(tf.sub(cOld, cNew), [m, 1, n, a]);
    const adjusted = tf.add(tf.slice(residuals, [0, 0, 0, 0], [m, k, n, a]), tf.pad(shift, [[0, 0], [k - 1, 0], [0, 0], [0, 0]])) as tf.Tensor4D;
    const perStep = chainStepLogProbs(adjusted, tf.zeros([m, a]), chunkStrategy, sde);
    return tf.sum(tf.mul(perStep, tf.reshape(executed, [m, n])), 1) as tf.Tensor1D;
  });
}

/**
 * The sampler's noise with its first draw, a_0, taken from the latent-rate strategy: μ_φ + σ_φ·ε, ε from the env's
 * own stream. Always drawn, in evaluation too: at σ = 0 the chain from a_0 is deterministic but a_0 is not, as the
 * prior's own a_0 ~ N(0, I) is not (its mean a_0 = μ_φ ≈ 0 makes the flow's central chunk, measured far worse:
 * 24% against the prior's 82% nominal on Push-T at n = 4, seed 0).
 */
function latentNoise(base: NoiseSource, g: LatentGaussian): NoiseSource {
  let first = true;
  return (shape) => {
    const eps = base(shape);
    if (!first) return eps;
    first = false;
    return tf.add(g.mean, tf.mul(tf.exp(g.logStd), eps)) as tf.Tensor3D;
  };
}

export class ClosedLoop {
  readonly numEnvs: number;
  readonly horizon: number;
  /** k: residuals per token the reflex reads. */
  readonly history: number;
  readonly reflexSource: ReflexSource;
  /** Per env, the residual history [k, N, 3], newest first (zeros after a reset). */
  readonly deltaZ: Float32Array;
  /** Per env, Ŝ for the coming observation [N, 3] (valid where hasPrediction). */
  readonly predicted: Float32Array;
  readonly hasPrediction: Uint8Array;
  /** With recordTerms: per env the current chunk's [prior point, strategy, noise] increments, each [H, A]. */
  readonly chunkTerms: Float32Array;
  private readonly obsSize: number;
  private readonly actionDim: number;
  private readonly chunks: Float32Array;
  /** Actions of the current chunk still to execute; 0 means the env needs a decision. */
  private readonly chunkLeft: Int32Array;
  private readonly chunkStep: Int32Array;
  /** ‖Δz_k‖ per token of one env, for objectSurprise. */
  private readonly tokenNormScratch: Float32Array;
  private readonly rngs: Rng[];
  private readonly prevTokens: Float32Array;
  private readonly prevActions: Float32Array;
  private readonly hasPrev: Uint8Array;
  private readonly integral: Float32Array;
  private readonly integralDecay: number;
  /** Per env [N, 3]: Δz summed since its chunk was planned (a plan-aware η and the anchor control read it). */
  private readonly drift: Float32Array;
  private readonly shuffleRng: Rng;
  private readonly recordTerms: boolean;

  constructor(
    readonly modules: LoopModules,
    readonly spec: TaskSpec,
    numEnvs: number,
    options: LoopOptions = {},
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new Error(`numEnvs: ${numEnvs} is not a positive integer`);
    this.numEnvs = numEnvs;
    if (modules.prior && options.horizon !== undefined) throw new Error('horizon: the prior sets the chunk length; give horizon only to a loop without one');
    this.horizon = modules.prior?.config.horizon ?? options.horizon ?? 0;
    if (!Number.isInteger(this.horizon) || this.horizon < 0) throw new Error(`horizon: ${this.horizon} is not a non-negative integer`);
    this.reflexSource = options.reflexSource ?? 'learned';
    if (this.reflexSource === 'shuffled' && numEnvs < 2) throw new Error('reflexSource: shuffled residuals need at least 2 envs');
    this.integralDecay = options.integralDecay ?? 0.5;
    if (!(this.integralDecay >= 0 && this.integralDecay < 1)) throw new Error(`integralDecay: ${this.integralDecay} is not in [0, 1)`);
    this.history = modules.reflex ? reflexHistory(modules.reflex.config) : 1;
    this.obsSize = spec.numTokens * TOKEN_DIM;
    this.actionDim = spec.actionDim;
    const B = numEnvs;
    this.deltaZ = new Float32Array(B * this.history * this.obsSize);
    this.predicted = new Float32Array(B * this.obsSize);
    this.hasPrediction = new Uint8Array(B);
    this.chunks = new Float32Array(B * this.horizon * this.actionDim);
    this.recordTerms = options.recordTerms ?? false;
    this.chunkTerms = new Float32Array(this.recordTerms ? B * 3 * this.horizon * this.actionDim : 0);
    this.chunkLeft = new Int32Array(B);
    this.chunkStep = new Int32Array(B);
    this.tokenNormScratch = new Float32Array(spec.numTokens);
    this.rngs = Array.from({ length: B }, (_, i) => new Rng(deriveSeed(0, 'policy/noise', i)));
    this.prevTokens = new Float32Array(B * this.obsSize);
    this.prevActions = new Float32Array(B * this.actionDim);
    this.hasPrev = new Uint8Array(B);
    this.integral = new Float32Array(B * this.actionDim);
    this.drift = new Float32Array(B * this.obsSize);
    this.shuffleRng = new Rng(deriveSeed(options.seed ?? 0, 'loop/shuffle'));
  }

  needsDecision(env: number): boolean {
    return this.chunkLeft[env] === 0;
  }

  /** Which action of its chunk env `env` executes next (its chunk's step count so far). */
  chunkPosition(env: number): number {
    return this.chunkStep[env];
  }

  /** Env `env` starts a new episode: its chunk, prediction, residuals and memory are forgotten, its noise reseeded. */
  resetEnv(env: number, episodeSeed: number): void {
    if (!Number.isInteger(env) || env < 0 || env >= this.numEnvs) throw new Error(`env index: ${env} is not in [0, ${this.numEnvs})`);
    this.chunkLeft[env] = 0;
    this.chunkStep[env] = 0;
    this.hasPrediction[env] = 0;
    this.hasPrev[env] = 0;
    const h = this.history * this.obsSize;
    this.deltaZ.fill(0, env * h, (env + 1) * h);
    this.integral.fill(0, env * this.actionDim, (env + 1) * this.actionDim);
    this.drift.fill(0, env * this.obsSize, (env + 1) * this.obsSize);
    this.rngs[env] = new Rng(deriveSeed(episodeSeed, 'policy/noise'));
  }

  /** Samples a new chunk for each env in `envs` from its tokens (B×N×3, all envs). */
  async decide(tokens: Float32Array, envs: Int32Array, p: LoopParams): Promise<Decision> {
    const { prior, strategy } = this.modules;
    if (!prior) throw new Error('closed loop: no prior to decide with');
    const m = envs.length;
    const [H, A, N] = [this.horizon, this.actionDim, this.spec.numTokens];
    if (!Number.isInteger(p.executeSteps) || p.executeSteps < 1 || p.executeSteps > H) throw new Error(`executeSteps: ${p.executeSteps} is not in [1, horizon ${H}]`);
    const rate = strategy !== null && p.strategyGain !== 0 ? strategyRate(strategy.config) : null;
    // A one-step (MeanFlow) prior: the sampler takes a single step with its average velocity over [0, 1].
    const oneStep = prior.config.meanFlow === true;
    const sde = oneStep ? { ...p, sdeSteps: 1 } : p;
    const out: Record<string, tf.Tensor> = tf.tidy(() => {
      const s = tf.tensor3d(gatherRows(tokens, this.obsSize, envs), [m, N, TOKEN_DIM]);
      const goal = goalTokensBatch(this.spec, m);
      const zeros = tf.zeros([m, A]) as tf.Tensor2D;
      const eta = rate === 'chunk' ? strategy!.apply(s, goal) : zeros;
      let noise = rowNoise(Array.from(envs, (i) => this.rngs[i]));
      const latent = rate === 'latent' ? strategy!.latent(s, goal) : null;
      if (latent) noise = latentNoise(noise, latent);
      const stepStd = rate === 'noise' && !isDeterministic(p) ? strategy!.noiseStd(s, goal) : undefined;
      const encoded = prior.encode(s, goal);
      const velocity = oneStep ? meanFlowVelocityFn(prior, encoded, 1) : prior.velocityFn(encoded, sde.sdeSteps);
      const sample = sampleSde({ prior: velocity, horizon: H, reflex: zeros, strategy: eta, stepStd }, sde, noise);
      const c = sample.contributions;
      return {
        chunk: sample.action,
        residuals: sample.residuals,
        stepLogProbs: stepStd ? reinflowStepLogProbs(sample.chain!, sample.means!, stepStd, p.executeSteps) : chainStepLogProbs(sample.residuals, zeros, eta, sde),
        ...(stepStd ? { chain: sample.chain! } : {}),
        eta,
        ...(latent ? { latent: c.initial, latentLogProbs: latentLogProb(c.initial, latent) } : {}),
        ...(this.recordTerms ? { terms: tf.concat([tf.add(c.initial, c.prior), c.strategy, c.noise].map((t) => tf.reshape(t, [m, 1, H, A])), 1) } : {}),
      };
    });
    const names = Object.keys(out);
    const read = (await Promise.all(names.map((k) => out[k].data()))) as Float32Array[];
    tf.dispose(Object.values(out));
    const values: Record<string, Float32Array | undefined> = Object.fromEntries(names.map((k, i) => [k, read[i]]));
    const [chunkValues, residuals, stepLogProbs, eta, terms] = [values.chunk!, values.residuals!, values.stepLogProbs!, values.eta!, values.terms];
    const chunkSize = H * A;
    for (let r = 0; r < m; r++) {
      const env = envs[r];
      this.chunks.set(chunkValues.subarray(r * chunkSize, (r + 1) * chunkSize), env * chunkSize);
      if (terms) this.chunkTerms.set(terms.subarray(r * 3 * chunkSize, (r + 1) * 3 * chunkSize), env * 3 * chunkSize);
      this.startChunk(env, p.executeSteps);
    }
    return { envs, chunks: chunkValues, residuals, stepLogProbs, strategy: eta, latent: values.latent ?? null, latentLogProbs: values.latentLogProbs ?? null, chain: values.chain ?? null };
  }

  /**
   * Env `env` executes `chunk` (its n×A actions, n ≤ horizon) from the next step on: a chunk planned outside the
   * loop, which then corrects it as it corrects the prior's (the expert's open-loop plans with Φ and the reflex).
   * With recordTerms the chunk is its own prior term.
   */
  setChunk(env: number, chunk: Float32Array): void {
    const A = this.actionDim;
    const n = chunk.length / A;
    if (!Number.isInteger(n) || n < 1 || n > this.horizon) throw new Error(`closed loop: a chunk of ${chunk.length} values is not 1 to ${this.horizon} actions of ${A}`);
    const HA = this.horizon * A;
    this.chunks.set(chunk, env * HA);
    if (this.recordTerms) {
      // The plan stands where the prior's point does; it has no strategy or noise increments.
      this.chunkTerms.fill(0, env * 3 * HA, (env + 1) * 3 * HA);
      this.chunkTerms.set(chunk, env * 3 * HA);
    }
    this.startChunk(env, n);
  }

  /** Every env with no chunk left gets `steps` actions planned from its state (`states[env]`); 1 where it did. */
  planChunks(planner: ChunkPlanner, states: readonly TaskState[], steps: number): Uint8Array {
    const planned = new Uint8Array(this.numEnvs);
    const chunk = new Float32Array(steps * this.actionDim);
    for (let env = 0; env < this.numEnvs; env++) {
      if (this.chunkLeft[env] > 0) continue;
      planner.plan(states[env], steps, chunk);
      this.setChunk(env, chunk);
      planned[env] = 1;
    }
    return planned;
  }

  /** Env `env` executes the first n actions of its stored chunk; the Δz summed over a chunk restarts. */
  private startChunk(env: number, n: number): void {
    this.chunkLeft[env] = n;
    this.chunkStep[env] = 0;
    this.drift.fill(0, env * this.obsSize, (env + 1) * this.obsSize);
  }

  /** Per env, ‖Δz_t‖ of the newest residual (Frobenius over the N×3 tokens): what the corrections react to now. */
  newestResidualNorms(): Float32Array {
    const n = this.obsSize;
    const h = this.history * n;
    return Float32Array.from({ length: this.numEnvs }, (_, i) => Math.hypot(...this.deltaZ.subarray(i * h, i * h + n)));
  }

  /**
   * One control step for every env: a_t = chunk[j] + g_b·b_t + g_η·η_t, then Φ predicts S_{t+1}. An env without a
   * chunk left executes its row of `callerActions` (no corrections) and must be given one.
   */
  async act(tokens: Float32Array, p: LoopParams, callerActions: Float32Array | null = null): Promise<StepOutput> {
    const [B, A, N, H] = [this.numEnvs, this.actionDim, this.spec.numTokens, this.horizon];
    const base = new Float32Array(B * A);
    const active = new Float32Array(B);
    const chunkStep = new Int32Array(B).fill(-1);
    for (let i = 0; i < B; i++) {
      if (this.chunkLeft[i] > 0) {
        chunkStep[i] = this.chunkStep[i];
        const from = (i * H + this.chunkStep[i]) * A;
        base.set(this.chunks.subarray(from, from + A), i * A);
        active[i] = 1;
        this.chunkStep[i]++;
        this.chunkLeft[i]--;
      } else {
        if (!callerActions) throw new Error(`closed loop: env ${i} has no chunk to execute (decide first)`);
        base.set(callerActions.subarray(i * A, (i + 1) * A), i * A);
      }
    }
    const { reflex, strategy, world } = this.modules;
    const learned = reflex !== null && p.reflexGain !== 0 && !networkFreeSource(this.reflexSource);
    const integral = this.reflexSource === 'integral' && p.reflexGain !== 0;
    const anchor = this.reflexSource === 'anchor' && p.reflexGain !== 0;
    const stepEta = strategy !== null && p.strategyGain !== 0 && strategyRate(strategy.config) === 'step';
    const planTokens = stepEta && strategy.config.readsPlan ? planInputTokens(strategy.config) : 0;
    const plan = planTokens ? this.planInput(base, chunkStep, planTokens) : new Float32Array(0);
    const reflexInput = this.reflexSource === 'shuffled' ? this.shuffledHistory() : this.deltaZ;
    // The non-learned controls' b (integral, anchor), or null.
    const controlB = integral ? this.integralCorrection() : anchor ? this.anchorCorrection(tokens, base) : null;
    this.fillPrevious(tokens);
    const out = tf.tidy(() => {
      const s = tf.tensor3d(tokens, [B, N, TOKEN_DIM]);
      const mask = tf.tensor2d(active, [B, 1]);
      let b: tf.Tensor2D = controlB ? tf.tensor2d(controlB, [B, A]) : (tf.zeros([B, A]) as tf.Tensor2D);
      let attention: tf.Tensor = tf.zeros([B, N]);
      if (learned) {
        const r = reflex.apply(tf.tensor3d(reflexInput, [B, N, this.history * TOKEN_DIM]), s);
        b = r.correction;
        attention = tf.mean(r.attention, [1, 2]);
      }
      b = tf.mul(b, mask) as tf.Tensor2D;
      const planInput = planTokens ? tf.tensor3d(plan, [B, planTokens, TOKEN_DIM]) : undefined;
      const eta = stepEta ? (tf.mul(strategy.apply(s, goalTokensBatch(this.spec, B), planInput), mask) as tf.Tensor2D) : (tf.zeros([B, A]) as tf.Tensor2D);
      const action = tf.add(tf.tensor2d(base, [B, A]), tf.add(tf.mul(b, p.reflexGain), tf.mul(eta, p.strategyGain))) as tf.Tensor2D;
      const outputs = [action, b, eta, attention];
      if (world) outputs.push(world.predict({ tokens: s, action, prevTokens: tf.tensor3d(this.prevTokens, [B, N, TOKEN_DIM]), prevAction: tf.tensor2d(this.prevActions, [B, A]) }));
      return outputs;
    });
    const [actions, b, eta, attention, next] = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
    tf.dispose(out);
    if (next) {
      this.predicted.set(next);
      this.hasPrediction.fill(1);
    }
    this.prevTokens.set(tokens);
    this.prevActions.set(actions);
    this.hasPrev.fill(1);
    return { actions, reflex: b, strategy: eta, strategyInput: plan, reflexInput: reflexInput === this.deltaZ ? this.deltaZ.slice() : reflexInput, attention, chunkStep };
  }

  /** act() after a decision for every env that needs one (evaluation and the playground: each env replans on its own). */
  async step(tokens: Float32Array, p: LoopParams, callerActions: Float32Array | null = null): Promise<{ decision: Decision | null; step: StepOutput }> {
    const envs: number[] = [];
    const threshold = p.replanThreshold ?? 0;
    if (this.modules.prior) for (let i = 0; i < this.numEnvs; i++) if (this.chunkLeft[i] === 0 || (threshold > 0 && this.objectSurprise(i) > threshold)) envs.push(i);
    const decision = envs.length ? await this.decide(tokens, Int32Array.from(envs), p) : null;
    return { decision, step: await this.act(tokens, p, callerActions) };
  }

  /**
   * After a physics step: Δz = S_actual − Ŝ per env, pushed into the residual history. S_actual is `tokens`, or
   * `finalTokens` for envs flagged in `dones` (their tokens already show the next episode; the caller resets
   * them). Returns ‖Δz‖² per env (0 where nothing was predicted).
   */
  observe(tokens: Float32Array, dones?: Uint8Array, finalTokens?: Float32Array): Float32Array {
    const sq = new Float32Array(this.numEnvs);
    const n = this.obsSize;
    const h = this.history * n;
    const A = this.actionDim;
    const agentRow = agentTokenIndex(this.spec) * TOKEN_DIM;
    for (let env = 0; env < this.numEnvs; env++) {
      const actual = dones && dones[env] && finalTokens ? finalTokens : tokens;
      const hist = this.deltaZ.subarray(env * h, (env + 1) * h);
      hist.copyWithin(n, 0, h - n); // older residuals move back one slot
      if (!this.hasPrediction[env]) {
        hist.fill(0, 0, n);
        continue;
      }
      let s = 0;
      for (let j = 0; j < n; j++) {
        const d = actual[env * n + j] - this.predicted[env * n + j];
        hist[j] = d;
        s += d * d;
        this.drift[env * n + j] += d;
      }
      sq[env] = s;
      this.hasPrediction[env] = 0;
      // The integral reflex's estimate of the actuator error from the agent token's residual.
      for (let d = 0; d < A; d++) {
        const k = env * A + d;
        this.integral[k] = this.integralDecay * this.integral[k] + (1 - this.integralDecay) * (hist[agentRow + d] / this.spec.agentStepGain);
      }
    }
    return sq;
  }

  /** The largest ‖Δz‖ over env `env`'s object tokens (all but the agent's) in its newest residual. */
  objectSurprise(env: number): number {
    const start = env * this.history * this.obsSize;
    const norms = tokenNorms(this.deltaZ.subarray(start, start + this.obsSize), this.tokenNormScratch);
    const agent = agentTokenIndex(this.spec);
    return norms.reduce((largest, norm, t) => (t === agent ? largest : Math.max(largest, norm)), 0);
  }

  /**
   * A plan-aware η's input per env [tokens = 2 + N, 3]: the chunk's action for this step (padded to 3), its age j/H,
   * then each token's Δz summed since the chunk was planned. Zero for an env running the caller's action (j = −1).
   */
  private planInput(base: Float32Array, chunkStep: Int32Array, tokens: number): Float32Array {
    const [n, A, H] = [this.obsSize, this.actionDim, this.horizon];
    const size = tokens * TOKEN_DIM;
    const out = new Float32Array(this.numEnvs * size);
    for (let i = 0; i < this.numEnvs; i++) {
      if (chunkStep[i] < 0) continue;
      const row = out.subarray(i * size, (i + 1) * size);
      row.set(base.subarray(i * A, (i + 1) * A));
      row[TOKEN_DIM] = chunkStep[i] / H;
      row.set(this.drift.subarray(i * n, (i + 1) * n), 2 * TOKEN_DIM);
    }
    return out;
  }

  /** b = −(estimated actuator error) for the integral control. */
  private integralCorrection(): Float32Array {
    return this.integral.map((x) => -x);
  }

  /** b = T(base) − base per env, T the rigid x–y motion taking the object's expected tokens onto its actual ones. */
  private anchorCorrection(tokens: Float32Array, base: Float32Array): Float32Array {
    const [n, A, N] = [this.obsSize, this.actionDim, this.spec.numTokens];
    const agent = agentTokenIndex(this.spec);
    const objects = Array.from({ length: N }, (_, k) => k).filter((k) => k !== agent);
    const out = new Float32Array(this.numEnvs * A);
    for (let i = 0; i < this.numEnvs; i++) {
      const actual = (k: number, d: number) => tokens[i * n + k * TOKEN_DIM + d];
      const expected = (k: number, d: number) => actual(k, d) - this.drift[i * n + k * TOKEN_DIM + d];
      const mean = (at: (k: number, d: number) => number, d: number) => objects.reduce((sum, k) => sum + at(k, d), 0) / objects.length;
      const [px, py, qx, qy] = [mean(expected, 0), mean(expected, 1), mean(actual, 0), mean(actual, 1)];
      // The 2-D Procrustes angle: atan2(Σ u×v, Σ u·v) over the centred expected (u) and actual (v) tokens.
      let [dot, cross] = [0, 0];
      for (const k of objects) {
        const [ux, uy, vx, vy] = [expected(k, 0) - px, expected(k, 1) - py, actual(k, 0) - qx, actual(k, 1) - qy];
        dot += ux * vx + uy * vy;
        cross += ux * vy - uy * vx;
      }
      const angle = Math.atan2(cross, dot);
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      // T(a) − a = (R − I)(a − p) + (q − p): exactly zero while nothing has drifted.
      const [ax, ay] = [base[i * A] - px, base[i * A + 1] - py];
      out[i * A] = (c - 1) * ax - s * ay + (qx - px);
      out[i * A + 1] = s * ax + (c - 1) * ay + (qy - py);
    }
    return out;
  }

  /** Φ's previous step (S_{t−1}, a_{t−1}) per env for observation `tokens`, as act() will use it (views: copy them). */
  previous(tokens: Float32Array): { tokens: Float32Array; actions: Float32Array } {
    this.fillPrevious(tokens);
    return { tokens: this.prevTokens, actions: this.prevActions };
  }

  /** S_{t−1} and a_{t−1} for envs that have none (episode start): S_t itself and the hold-still action. */
  private fillPrevious(tokens: Float32Array): void {
    const [n, A] = [this.obsSize, this.actionDim];
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.hasPrev[i]) continue;
      const obs = tokens.subarray(i * n, (i + 1) * n);
      this.prevTokens.set(obs, i * n);
      holdStillActions(this.spec, obs, 1, this.prevActions.subarray(i * A, (i + 1) * A));
    }
  }

  /** Every env's residual history moved to another env (a uniformly drawn derangement). */
  private shuffledHistory(): Float32Array {
    const B = this.numEnvs;
    const order = Int32Array.from({ length: B }, (_, i) => i);
    // Sattolo's algorithm: a uniformly random cyclic permutation, so no env keeps its own residuals.
    for (let i = B - 1; i > 0; i--) {
      const j = this.shuffleRng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return gatherRows(this.deltaZ, this.history * this.obsSize, order);
  }
}
