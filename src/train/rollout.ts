// Stage-2 rollouts: B parallel envs of the task driven by the closed loop (src/policy/closedLoop.ts), recorded for
// PPO and Φ.
//
// Decision granularity: an SMDP. At a decision step every env samples an H-step chunk and executes its first
// n = executeSteps actions (each plus the per-step corrections); one PPO transition spans those n control steps.
// Its reward is the per-step reward (reward.ts) summed with per-step discounting, Σ_j γ^j R_{t+j}, and the next
// transition is discounted by γ^n (GAE gets γ^n as its discount). Its log-probability covers the chunk steps
// that ran (DPPO's act_steps), not all H.
// All envs decide together (one batched prior pass per decision, which is what makes rollouts fast). An env
// whose episode ends inside a chunk ends its transition there (done; a time-limit cut adds
// γ^{j+1}·V(final observation) as bootstrap), is reset at once by the vectorised env, and holds its agent still
// (action = its own position, no corrections) until the next decision step: those idle steps belong to no
// transition, cost the new episode at most n − 1 of its step budget, and still train Φ (they are real physics).
// This is DPPO's multi-step env wrapper with synchronous decisions. Env i's k-th episode draws its sampler noise
// from deriveSeed(noiseSeed, 'rollout/episode', i, k).
//
// Recorded per transition: the decision's state tokens, chain residuals, per-chunk-step log-probs, value, scaled
// reward, done; with a latent-rate strategy (DSRL) also a_0, whose log-probability is then the transition's (the
// chain from a_0 is the frozen prior's and carries none of η's likelihood); with a noise-rate strategy (ReinFlow) the
// whole chain a_0 … a_K, since PPO fine-tunes v_θ and recomputes the chain's likelihood. Per control step (row (t·n + j)·B + i): S, the residual history the reflex read, b and the
// per-step η (what PPO needs to recompute the corrections), whether the step belonged to the transition, and
// Φ's transition (S_{t−1}, a_{t−1}, S_t, a_t, S_{t+1}) for the dynamics loss.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed } from '../core/rng';
import type { Critic } from '../policy/critic';
import type { SdeParams } from '../policy/sde';
import { TOKEN_DIM } from '../sim/taskSpec';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import type { TaskState } from '../sim/simTask';
import type { VecEnv } from '../sim/vecEnv';
import { ClosedLoop, gatherRows, type LoopModules } from '../policy/closedLoop';
import { goalTokensBatch, holdStillActions } from '../policy/stateTokens';
import { emptyRewardTerms, sagrReward, type RewardTerms, type RewardWeights } from './reward';
import { RewardScaler } from './rewardScaler';

export type RolloutSettings = Pick<Config, 'rolloutSteps' | 'executeSteps' | 'discount'> & RewardWeights & { sde: SdeParams };

/** The stage-2 modules: those the loop runs (the prior frozen, the world trained on the side) and the critic. */
export type SagrModules = LoopModules & { prior: NonNullable<LoopModules['prior']>; world: NonNullable<LoopModules['world']> };

/** Decision steps per rollout: enough to cover rolloutSteps control steps. */
export const decisionsPerRollout = (s: Pick<Config, 'rolloutSteps' | 'executeSteps'>): number => Math.ceil(s.rolloutSteps / s.executeSteps);

/** One rollout, flat: transition i = decision t of env b is row t·B + b; control step j of it is step row (t·n + j)·B + b. */
export class RolloutBuffer {
  readonly size: number;
  readonly tokens: Float32Array;
  readonly residuals: Float32Array;
  /** log π of each transition: its executed chunk steps' (the sum of its stepLogProbs over the steps that ran), or a_0's under a latent-rate strategy. */
  readonly logProbs: Float32Array;
  /** Latent-rate strategy: a_0 [H, A] per transition (zero otherwise). */
  readonly latents: Float32Array;
  /** Noise-rate strategy (ReinFlow): the chain a_0 … a_K [K+1, H, A] per transition (zero otherwise). */
  readonly chains: Float32Array;
  /** (K+1)·H·A: one stored chain. */
  readonly chainSize: number;
  /** Per transition, log π of each chunk step [H]. */
  readonly stepLogProbs: Float32Array;
  readonly values: Float32Array;
  /** Scaled for the learner (see rewardScaler.ts), bootstraps of time-limit cuts included. */
  readonly rewards: Float32Array;
  readonly dones: Float32Array;
  /** V(S) after the last decision [B]. */
  readonly lastValues: Float32Array;
  readonly steps: number;
  /**
   * Per control step: Φ's transition (S_{t−1}, a_{t−1}, S_t, a_t, S_{t+1}), the residual history the reflex read
   * [k·N·3], b_t and the per-step η_t before their gains, and 1 if the step was part of its env's transition.
   */
  readonly stepPrevTokens: Float32Array;
  readonly stepPrevActions: Float32Array;
  readonly stepTokens: Float32Array;
  readonly stepActions: Float32Array;
  readonly stepNext: Float32Array;
  readonly stepReflexInput: Float32Array;
  /** What a plan-aware per-step η read besides the state [(2 + N)·3] (empty otherwise). */
  readonly stepStrategyInput: Float32Array;
  readonly stepReflex: Float32Array;
  readonly stepStrategy: Float32Array;
  readonly stepExecuted: Float32Array;

  constructor(
    readonly numDecisions: number,
    readonly numEnvs: number,
    readonly obsSize: number,
    readonly residualSize: number,
    readonly actionDim: number,
    readonly executeSteps: number,
    readonly horizon: number,
    /** k·N·3: the reflex's residual history per step. */
    readonly reflexInputSize: number,
    /** (2 + N)·3 for a plan-aware per-step η, else 0. */
    readonly strategyInputSize = 0,
  ) {
    const n = (this.size = numDecisions * numEnvs);
    this.tokens = new Float32Array(n * obsSize);
    this.residuals = new Float32Array(n * residualSize);
    this.logProbs = new Float32Array(n);
    this.stepLogProbs = new Float32Array(n * horizon);
    this.latents = new Float32Array(n * horizon * actionDim);
    this.chainSize = residualSize + horizon * actionDim;
    this.chains = new Float32Array(n * this.chainSize);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.dones = new Float32Array(n);
    this.lastValues = new Float32Array(numEnvs);
    const w = (this.steps = n * executeSteps);
    this.stepPrevTokens = new Float32Array(w * obsSize);
    this.stepPrevActions = new Float32Array(w * actionDim);
    this.stepTokens = new Float32Array(w * obsSize);
    this.stepActions = new Float32Array(w * actionDim);
    this.stepNext = new Float32Array(w * obsSize);
    this.stepReflexInput = new Float32Array(w * reflexInputSize);
    this.stepStrategyInput = new Float32Array(w * strategyInputSize);
    this.stepReflex = new Float32Array(w * actionDim);
    this.stepStrategy = new Float32Array(w * actionDim);
    this.stepExecuted = new Float32Array(w);
  }

  /** Step rows of transition rows `rows`, [rows.length × n] in (transition, j) order. */
  stepRows(rows: ArrayLike<number>): Int32Array {
    const B = this.numEnvs;
    const n = this.executeSteps;
    const out = new Int32Array(rows.length * n);
    for (let r = 0; r < rows.length; r++) {
      const t = Math.floor(rows[r] / B);
      const env = rows[r] % B;
      for (let j = 0; j < n; j++) out[r * n + j] = (t * n + j) * B + env;
    }
    return out;
  }
}

export interface RolloutStats {
  /** Episodes that ended during this rollout, with their undiscounted raw return and success. */
  episodes: number;
  meanReturn: number;
  successRate: number;
  meanLength: number;
  /** Per control step means of the weighted reward terms (task − surprise − effort = reward). */
  rewardTerms: { task: number; surprise: number; effort: number; reward: number };
  /** Means over the transitions' control steps of ‖Δz‖ and ‖b‖, and of ‖η‖ per decision or per step (before gains). */
  meanDeltaZ: number;
  meanReflex: number;
  meanStrategy: number;
  /** The reward scale the learner saw. */
  rewardStd: number;
  controlSteps: number;
  physicsMs: number;
  inferenceMs: number;
}

const meanOrNaN = (sum: number, count: number) => (count ? sum / count : NaN);
const rowNorm = (x: Float32Array, row: number, size: number) => {
  let s = 0;
  for (let j = row * size; j < (row + 1) * size; j++) s += x[j] * x[j];
  return Math.sqrt(s);
};

/**
 * log π of every transition's executed chunk steps: Σ_j executed_j · stepLogProbs_j over its first n steps,
 * reduced by the same tensor ops as executedLogProb, so PPO's first ratio is exactly 1.
 */
async function executedLogProbs(buf: RolloutBuffer): Promise<Float32Array> {
  const [M, H, n] = [buf.size, buf.horizon, buf.executeSteps];
  const executed = new Float32Array(M * n);
  for (let row = 0; row < M; row++) executed.set(gatherRows(buf.stepExecuted, 1, buf.stepRows([row])), row * n);
  const sum = tf.tidy(() => tf.sum(tf.mul(tf.slice(tf.tensor2d(buf.stepLogProbs, [M, H]), [0, 0], [M, n]), tf.tensor2d(executed, [M, n])), 1));
  const out = (await sum.data()) as Float32Array;
  sum.dispose();
  return out;
}

export class SagrRollout {
  readonly loop: ClosedLoop;
  readonly scaler: RewardScaler;
  readonly obsSize: number;
  private readonly episodeReturn: Float64Array;
  private readonly episodeLength: Int32Array;
  private readonly episodeCount: Int32Array;

  constructor(
    readonly env: VecEnv<unknown, TaskState, TaskPerturbation>,
    readonly modules: SagrModules,
    readonly critic: Critic,
    /** The default chunk length n: the reward scaler discounts returns per transition by γ^n. */
    executeSteps: number,
    discount: number,
    /** Root of the per-episode sampler noise seeds. */
    readonly noiseSeed: number,
  ) {
    const spec = env.spec;
    this.loop = new ClosedLoop(modules, spec, env.numEnvs);
    this.scaler = new RewardScaler(env.numEnvs, discount ** executeSteps);
    this.obsSize = spec.numTokens * TOKEN_DIM;
    this.episodeReturn = new Float64Array(env.numEnvs);
    this.episodeLength = new Int32Array(env.numEnvs);
    this.episodeCount = new Int32Array(env.numEnvs);
    for (let i = 0; i < env.numEnvs; i++) this.startNoise(i);
  }

  /** Env i starts its next episode's noise stream. */
  private startNoise(i: number): void {
    this.loop.resetEnv(i, deriveSeed(this.noiseSeed, 'rollout/episode', i, this.episodeCount[i]++));
  }

  /** V(S) for the rows `rows` of a B×N×3 token array. */
  async values(tokens: Float32Array, rows: ArrayLike<number>): Promise<Float32Array> {
    const m = rows.length;
    const v = tf.tidy(() => this.critic.apply(tf.tensor3d(gatherRows(tokens, this.obsSize, rows), [m, this.env.spec.numTokens, TOKEN_DIM]), goalTokensBatch(this.env.spec, m)));
    const out = (await v.data()) as Float32Array;
    v.dispose();
    return out;
  }

  /**
   * Fills `buf` with decisionsPerRollout(s) decisions of every env; the envs carry on from where they were.
   * `pace` is awaited before each decision (the browser's engine worker yields to its event loop there).
   */
  async collect(buf: RolloutBuffer, s: RolloutSettings, pace?: () => Promise<void>): Promise<RolloutStats> {
    const { env, loop, obsSize } = this;
    const B = env.numEnvs;
    const a = env.spec.actionDim;
    const n = s.executeSteps;
    if (buf.numEnvs !== B || buf.executeSteps !== n || buf.obsSize !== obsSize) throw new Error('rollout: buffer shape does not match the envs and the chunk length');
    const all = Int32Array.from({ length: B }, (_, i) => i);
    const terms: RewardTerms = emptyRewardTerms();
    const inTransition = new Uint8Array(B);
    const transitionReward = new Float32Array(B);
    const stepDiscount = new Float64Array(B);
    const bootstrapFactor = new Float64Array(B);
    const finalObs = new Float32Array(B * obsSize);
    const idleActions = new Float32Array(B * a);
    let episodes = 0;
    let returnSum = 0;
    let successes = 0;
    let lengthSum = 0;
    let deltaZSum = 0;
    let reflexSum = 0;
    let strategySum = 0;
    let stepStrategySum = 0;
    let physicsMs = 0;
    let inferenceMs = 0;
    let latentRate = false;

    for (let t = 0; t < buf.numDecisions; t++) {
      await pace?.();
      const row0 = t * B;
      let t0 = performance.now();
      // Every env decides at once (those that idled after a reset start their transition here).
      buf.dones.fill(0, row0, row0 + B);
      buf.tokens.set(env.tokens, row0 * obsSize);
      const decision = await loop.decide(env.tokens, all, { ...s.sde, executeSteps: n });
      buf.residuals.set(decision.residuals, row0 * buf.residualSize);
      buf.stepLogProbs.set(decision.stepLogProbs, row0 * buf.horizon);
      // A latent-rate strategy's transition log π is a_0's, known now; the chain's is summed over the executed steps at the end.
      latentRate = decision.latent !== null;
      if (decision.latent) buf.latents.set(decision.latent, row0 * buf.horizon * a);
      if (decision.chain) buf.chains.set(decision.chain, row0 * buf.chainSize);
      if (decision.latentLogProbs) buf.logProbs.set(decision.latentLogProbs, row0);
      buf.values.set(await this.values(env.tokens, all), row0);
      inferenceMs += performance.now() - t0;
      for (let i = 0; i < B; i++) strategySum += rowNorm(decision.strategy, i, a);
      inTransition.fill(1);
      transitionReward.fill(0);
      stepDiscount.fill(1);
      bootstrapFactor.fill(0);

      for (let j = 0; j < n; j++) {
        t0 = performance.now();
        const w = (t * n + j) * B;
        holdStillActions(env.spec, env.tokens, B, idleActions);
        const prev = loop.previous(env.tokens);
        buf.stepPrevTokens.set(prev.tokens, w * obsSize);
        buf.stepPrevActions.set(prev.actions, w * a);
        buf.stepTokens.set(env.tokens, w * obsSize);
        const step = await loop.act(env.tokens, { ...s.sde, executeSteps: n }, idleActions);
        buf.stepReflexInput.set(step.reflexInput, w * buf.reflexInputSize);
        buf.stepStrategyInput.set(step.strategyInput, w * buf.strategyInputSize);
        buf.stepActions.set(step.actions, w * a);
        buf.stepReflex.set(step.reflex, w * a);
        buf.stepStrategy.set(step.strategy, w * a);
        inferenceMs += performance.now() - t0;
        t0 = performance.now();
        env.step(step.actions);
        physicsMs += performance.now() - t0;
        const deltaZSq = loop.observe(env.tokens, env.dones, env.finalTokens);
        buf.stepNext.set(env.tokens, w * obsSize);
        for (let i = 0; i < B; i++) {
          if (env.dones[i]) buf.stepNext.set(env.finalTokens.subarray(i * obsSize, (i + 1) * obsSize), (w + i) * obsSize);
          buf.stepExecuted[w + i] = inTransition[i];
          if (!inTransition[i]) continue;
          const b = rowNorm(step.reflex, i, a);
          reflexSum += b;
          stepStrategySum += rowNorm(step.strategy, i, a);
          const reward = sagrReward(s, env.rewards[i], deltaZSq[i], b * b, terms);
          deltaZSum += Math.sqrt(deltaZSq[i]);
          transitionReward[i] += stepDiscount[i] * reward;
          stepDiscount[i] *= s.discount;
          this.episodeReturn[i] += reward;
          this.episodeLength[i]++;
          if (!env.dones[i]) continue;
          inTransition[i] = 0;
          buf.dones[row0 + i] = 1;
          if (env.truncated[i]) {
            bootstrapFactor[i] = stepDiscount[i];
            finalObs.set(env.finalTokens.subarray(i * obsSize, (i + 1) * obsSize), i * obsSize);
          }
          episodes++;
          returnSum += this.episodeReturn[i];
          lengthSum += this.episodeLength[i];
          successes += env.success[i]; // not terminated: push-3d episodes also end by failure (tipped, fallen)
          this.episodeReturn[i] = 0;
          this.episodeLength[i] = 0;
        }
        for (let i = 0; i < B; i++) if (env.dones[i]) this.startNoise(i);
      }

      // Scale the transition rewards, then add the bootstraps of time-limit cuts (the critic speaks scaled units).
      this.scaler.scale(transitionReward, buf.dones.subarray(row0, row0 + B));
      const truncated = all.filter((i) => bootstrapFactor[i] > 0);
      const finalValues = truncated.length ? await this.values(finalObs, truncated) : new Float32Array(0);
      truncated.forEach((i, r) => (transitionReward[i] += bootstrapFactor[i] * finalValues[r]));
      buf.rewards.set(transitionReward, row0);
    }
    buf.lastValues.set(await this.values(env.tokens, all));
    if (!latentRate) buf.logProbs.set(await executedLogProbs(buf));

    return {
      episodes,
      meanReturn: meanOrNaN(returnSum, episodes),
      successRate: meanOrNaN(successes, episodes),
      meanLength: meanOrNaN(lengthSum, episodes),
      rewardTerms: {
        task: meanOrNaN(terms.task, terms.steps),
        surprise: meanOrNaN(terms.surprise, terms.steps),
        effort: meanOrNaN(terms.effort, terms.steps),
        reward: meanOrNaN(terms.task - terms.surprise - terms.effort, terms.steps),
      },
      meanDeltaZ: meanOrNaN(deltaZSum, terms.steps),
      meanReflex: meanOrNaN(reflexSum, terms.steps),
      // η acts per chunk or per step (the other sum stays 0).
      meanStrategy: meanOrNaN(strategySum, buf.size) + meanOrNaN(stepStrategySum, terms.steps),
      rewardStd: this.scaler.std,
      controlSteps: buf.numDecisions * n * B,
      physicsMs,
      inferenceMs,
    };
  }
}
