// Reward-weighted flow matching (RWFM, Pfrommer et al. 2025) and its GRPO variant: baselines from the field
// (issue 19.3) that fine-tune the prior v_θ ITSELF on its own rollouts, weighted by how well each chunk did.
//
//   for round i in 0..R−1:
//     n = chunkLengthAt(config, i)                  4, 8 or 16 with ppoChunkMix, drawn per round as PPO does
//     E = numEnvs envs in E/G groups of G (G = rwfmGroupSize; G = 1 is plain RWFM)
//     for each of ⌈rolloutSteps/n⌉ decisions:
//       a group whose member 0 ended its episode starts a new one: all G members reseeded from ONE seed (the same
//         start and the same training disturbance, disturbanceMix of the episodes)
//       members 1..G−1 take member 0's state (VecEnv.copyEnv): the G samples start from the same simulator state
//       every env samples a chunk a [H, A] from the current prior and executes its first n actions. Exploration: the
//         prior's own a_0 ~ N(0, I), plus the chain's σ(τ) noise where sigmaMax > 0 (the stages set σ = 0: the
//         rollouts are then drawn from the flow's marginals, which plain noise on the chain does not keep)
//       r = Σ_j γ^j r_j / Σ_j γ^j over the steps j < n that ran before the episode ended (the chunk's discounted
//         MEAN task reward, in [0, 1] on Push-T, so α means the same at n = 4 and 16)
//     weights (chunkWeights):  RWFM  w = min(exp(α·r), cap)
//                              GRPO  A = (r − mean_group)/std_group, w = min(exp(α·A), cap)  (std 0: A = 0, w = 1)
//     epochs × shuffled minibatches: loss = mean_i ŵ_i·mean_{h,a}(v_θ(a_τ, s, τ) − (a − ε))², ŵ = w / mean_batch(w),
//       the prior's own flow-matching loss (flowMatchingLossAt via PRIOR_LOSS) on (observation, sampled chunk),
//       one GuardedStep (Adam, NaN/Inf refused) at rwfmLr, annealed linearly over the rounds
//   Member 0 carries each group's episode on; members 1..G−1 are branches, overwritten at the next decision.
//
// The regression target is the whole sampled H-step chunk, its tail too: it is the prior's own plan from that
// state, and the weight says how its executed part did. Env steps: every env steps every control step, so a round
// costs numEnvs·n·⌈rolloutSteps/n⌉ env steps, branches included (GRPO's trunk advances G times slower).
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { ClosedLoop, gatherRows } from '../policy/closedLoop';
import type { FlowPrior } from '../policy/flowPrior';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import type { TaskState } from '../sim/simTask';
import { simTask } from '../sim/tasks';
import { createVecEnv, type VecEnv } from '../sim/vecEnv';
import { GuardedStep } from './guardedStep';
import { lrFraction } from './ppo';
import { chunkLengthAt, sdeParams } from './ppoSagr';
import { PRIOR_LOSS, priorExamples } from './stageLosses';

export type RwfmSettings = Pick<Config, 'rwfmGroupSize' | 'rwfmAlpha' | 'rwfmWeightCap'>;

/** RWFM's weight of one chunk: min(exp(α·r), cap). */
export function rewardWeight(r: number, alpha: number, cap: number): number {
  return Math.min(Math.exp(alpha * r), cap);
}

/** GRPO's advantages: (r − mean)/std within each consecutive group of G (population std); a group with std 0 gets A = 0. */
export function groupAdvantages(returns: ArrayLike<number>, groupSize: number): Float32Array {
  if (returns.length % groupSize !== 0) throw new Error(`groupAdvantages: ${returns.length} returns do not split into groups of ${groupSize}`);
  const out = new Float32Array(returns.length);
  for (let start = 0; start < returns.length; start += groupSize) {
    let mean = 0;
    for (let g = 0; g < groupSize; g++) mean += returns[start + g] / groupSize;
    let variance = 0;
    for (let g = 0; g < groupSize; g++) variance += (returns[start + g] - mean) ** 2 / groupSize;
    const std = Math.sqrt(variance);
    // Equal returns say nothing about which sample was better: every weight is exp(0) = 1.
    for (let g = 0; g < groupSize; g++) out[start + g] = std > 0 ? (returns[start + g] - mean) / std : 0;
  }
  return out;
}

/** Each chunk's weight: RWFM's exp(α·r) for G = 1, GRPO's exp(α·A) otherwise, capped. Rows in groups of G. */
export function chunkWeights(returns: ArrayLike<number>, s: RwfmSettings): Float32Array {
  const scores = s.rwfmGroupSize === 1 ? Float32Array.from(returns) : groupAdvantages(returns, s.rwfmGroupSize);
  return scores.map((x) => rewardWeight(x, s.rwfmAlpha, s.rwfmWeightCap));
}

/** Weights scaled to mean 1 over a minibatch (so the loss's scale, and Adam's step, do not depend on α). */
export function normaliseWeights(w: Float32Array): Float32Array {
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  return w.map((x) => x / mean);
}

/** One round's rolled-out pairs: row m = decision t of env e is m = t·E + e. */
export interface RwfmRound {
  size: number;
  /** [M, N·3] observation tokens at the decision. */
  tokens: Float32Array;
  /** [M, H·A] the sampled chunks. */
  chunks: Float32Array;
  /** [M] r of each chunk. */
  returns: Float32Array;
  /** Env steps taken. */
  envSteps: number;
  /** Member 0's episodes that ended in the round, their successes and summed task reward. */
  episodes: number;
  successes: number;
  returnSum: number;
}

export interface RwfmRoundLog {
  round: number;
  executeSteps: number;
  pairs: number;
  envSteps: number;
  /** Env steps so far in the run. */
  totalEnvSteps: number;
  episodes: number;
  successRate: number;
  meanEpisodeReturn: number;
  meanChunkReturn: number;
  meanWeight: number;
  maxWeight: number;
  /** Fraction of the chunks whose weight hit the cap. */
  capped: number;
  loss: number;
  skippedSteps: number;
  lr: number;
  seconds: number;
}

/** The envs of a run in groups of G and the prior sampling their chunks (the same closed loop eval runs, prior only). */
export class RwfmRollout {
  readonly loop: ClosedLoop;
  readonly groups: number;
  private readonly groupEpisodes: Int32Array;
  private readonly needsStart: Uint8Array;
  private readonly noiseCount: Int32Array;
  /** Member 0's task reward summed over its episode so far (episodes run across rounds). */
  private readonly episodeReturn: Float64Array;

  constructor(
    readonly env: VecEnv<unknown, TaskState, TaskPerturbation>,
    prior: FlowPrior,
    readonly groupSize: number,
    /** Root of the episode and noise seeds. */
    readonly seed: number,
  ) {
    if (!Number.isInteger(groupSize) || groupSize < 1 || env.numEnvs % groupSize !== 0) throw new Error(`rwfmGroupSize: ${groupSize} does not divide the ${env.numEnvs} envs`);
    this.loop = new ClosedLoop({ prior, world: null, reflex: null, strategy: null }, env.spec, env.numEnvs);
    this.groups = env.numEnvs / groupSize;
    this.groupEpisodes = new Int32Array(this.groups);
    this.needsStart = new Uint8Array(this.groups).fill(1);
    this.noiseCount = new Int32Array(env.numEnvs);
    this.episodeReturn = new Float64Array(this.groups);
  }

  /** Group q's members are envs q·G … q·G + G − 1; member 0 carries the episode. */
  member(q: number, g: number): number {
    return q * this.groupSize + g;
  }

  /** Starts a new episode in every member of group q, all from one seed: the same start and disturbance. */
  private startGroup(q: number): void {
    const episodeSeed = deriveSeed(this.seed, 'rwfm/episode', q, this.groupEpisodes[q]++);
    for (let g = 0; g < this.groupSize; g++) this.env.reseed(this.member(q, g), episodeSeed);
    this.needsStart[q] = 0;
  }

  /** Every member of every group continues from its member 0's state, then samples its own noise. */
  private branch(): void {
    for (let q = 0; q < this.groups; q++) {
      if (this.needsStart[q]) this.startGroup(q);
      for (let g = 1; g < this.groupSize; g++) this.env.copyEnv(this.member(q, 0), this.member(q, g));
    }
    // Each env's chain noise is its own stream, fresh per decision (members must not share it).
    for (let e = 0; e < this.env.numEnvs; e++) this.loop.resetEnv(e, deriveSeed(this.seed, 'rwfm/noise', e, this.noiseCount[e]++));
  }

  /** One round: ⌈rolloutSteps/n⌉ decisions of every env, with chunks of n executed actions. */
  async collect(c: Config, n: number): Promise<RwfmRound> {
    const { env, loop } = this;
    const [E, A, H] = [env.numEnvs, env.spec.actionDim, loop.horizon];
    const obsSize = env.spec.numTokens * TOKEN_DIM;
    const decisions = Math.ceil(c.rolloutSteps / n);
    const M = decisions * E;
    const round: RwfmRound = { size: M, tokens: new Float32Array(M * obsSize), chunks: new Float32Array(M * H * A), returns: new Float32Array(M), envSteps: 0, episodes: 0, successes: 0, returnSum: 0 };
    const all = Int32Array.from({ length: E }, (_, e) => e);
    const sde = { ...sdeParams(c), executeSteps: n };
    const running = new Uint8Array(E);
    const discounted = new Float64Array(E);
    const discountMass = new Float64Array(E);
    const actions = new Float32Array(E * A);
    const episodeReturn = this.episodeReturn;
    for (let t = 0; t < decisions; t++) {
      this.branch();
      round.tokens.set(env.tokens, t * E * obsSize);
      const { chunks } = await loop.decide(env.tokens, all, sde);
      round.chunks.set(chunks, t * E * H * A);
      running.fill(1);
      discounted.fill(0);
      discountMass.fill(0);
      for (let j = 0; j < n; j++) {
        for (let e = 0; e < E; e++) actions.set(chunks.subarray((e * H + j) * A, (e * H + j + 1) * A), e * A);
        env.step(actions);
        round.envSteps += E;
        for (let e = 0; e < E; e++) {
          if (!running[e]) continue; // its episode ended inside the chunk: the rest is not its
          discounted[e] += c.discount ** j * env.rewards[e];
          discountMass[e] += c.discount ** j;
          if (e % this.groupSize === 0) episodeReturn[e / this.groupSize] += env.rewards[e];
          if (!env.dones[e]) continue;
          running[e] = 0;
          if (e % this.groupSize !== 0) continue;
          const q = e / this.groupSize;
          this.needsStart[q] = 1;
          round.episodes++;
          round.successes += env.success[e];
          round.returnSum += episodeReturn[q];
          episodeReturn[q] = 0;
        }
      }
      for (let e = 0; e < E; e++) round.returns[t * E + e] = discounted[e] / discountMass[e];
    }
    return round;
  }
}

/** The fine-tuning: epochs of shuffled minibatches of the weighted flow-matching loss. */
export async function weightedFlowMatching(prior: FlowPrior, spec: TaskSpec, guard: GuardedStep, round: RwfmRound, weights: Float32Array, c: Pick<Config, 'rwfmEpochs' | 'rwfmBatch'>, lr: number, rng: Rng): Promise<{ loss: number; steps: number }> {
  const [H, A] = [prior.config.horizon, prior.config.actionDim];
  const obsSize = prior.config.numTokens * TOKEN_DIM;
  const order = Int32Array.from({ length: round.size }, (_, m) => m);
  let lossSum = 0;
  let steps = 0;
  for (let epoch = 0; epoch < c.rwfmEpochs; epoch++) {
    rng.shuffle(order);
    for (let start = 0; start < round.size; start += c.rwfmBatch) {
      const rows = order.subarray(start, Math.min(round.size, start + c.rwfmBatch));
      const batch = { tokens: gatherRows(round.tokens, obsSize, rows), chunks: gatherRows(round.chunks, H * A, rows), size: rows.length };
      const examples = priorExamples(spec, batch, H, rng);
      examples.fields.weights = normaliseWeights(Float32Array.from(rows, (m) => weights[m]));
      const step = await guard.step(() => PRIOR_LOSS.loss(prior, examples), lr);
      if (step.applied) {
        lossSum += step.loss;
        steps++;
      }
    }
  }
  return { loss: steps ? lossSum / steps : NaN, steps };
}

export interface RwfmTrainerOptions {
  config: Config;
  prior: FlowPrior;
  numRounds: number;
  log: (msg: string) => void;
}

/** A run: the envs, the rollout and the prior's optimiser; iterate() is one round. */
export class RwfmTrainer {
  round = 0;
  totalEnvSteps = 0;
  readonly guard: GuardedStep;

  private constructor(
    readonly options: RwfmTrainerOptions,
    readonly rollout: RwfmRollout,
  ) {
    this.guard = new GuardedStep('rwfm', options.prior.variables, options.log);
  }

  static async create(o: RwfmTrainerOptions): Promise<RwfmTrainer> {
    const c = o.config;
    if (o.prior.config.horizon !== c.horizon) throw new Error(`rwfm: the prior was built with horizon ${o.prior.config.horizon}, the config says ${c.horizon}`);
    const task = simTask(c.task);
    const env = await createVecEnv(task, { numEnvs: c.numEnvs, seed: deriveSeed(c.seed, 'rwfm/env'), maxSteps: c.episodeLength, trainingDisturbances: c.disturbanceMix });
    return new RwfmTrainer(o, new RwfmRollout(env, o.prior, c.rwfmGroupSize, deriveSeed(c.seed, 'rwfm/rollout')));
  }

  async iterate(): Promise<RwfmRoundLog> {
    const { config: c, prior, numRounds } = this.options;
    const i = this.round;
    const t0 = performance.now();
    const n = chunkLengthAt(c, i);
    const round = await this.rollout.collect(c, n);
    const weights = chunkWeights(round.returns, c);
    const lr = c.rwfmLr * lrFraction(i, numRounds, c.annealLr);
    const skippedBefore = this.guard.skipped;
    const fit = await weightedFlowMatching(prior, this.rollout.env.spec, this.guard, round, weights, c, lr, new Rng(deriveSeed(c.seed, 'rwfm/update', i)));
    this.round++;
    this.totalEnvSteps += round.envSteps;
    const mean = (x: Float32Array) => x.reduce((a, b) => a + b, 0) / x.length;
    return {
      round: i,
      executeSteps: n,
      pairs: round.size,
      envSteps: round.envSteps,
      totalEnvSteps: this.totalEnvSteps,
      episodes: round.episodes,
      successRate: round.episodes ? round.successes / round.episodes : NaN,
      meanEpisodeReturn: round.episodes ? round.returnSum / round.episodes : NaN,
      meanChunkReturn: mean(round.returns),
      meanWeight: mean(weights),
      maxWeight: weights.reduce((a, b) => Math.max(a, b), 0),
      capped: weights.filter((w) => w >= c.rwfmWeightCap).length / weights.length,
      loss: fit.loss,
      skippedSteps: this.guard.skipped - skippedBefore,
      lr,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  dispose(): void {
    this.guard.dispose();
    this.rollout.env.free();
  }
}

export const formatRound = (name: string, l: RwfmRoundLog): string =>
  `${name} ${l.round + 1}: n ${l.executeSteps}, ${l.pairs} pairs, ${l.totalEnvSteps} env steps, ${l.episodes} episodes, success ${(100 * l.successRate).toFixed(0)}%, ` +
  `chunk r ${l.meanChunkReturn.toFixed(3)}, w mean ${l.meanWeight.toFixed(2)} max ${l.maxWeight.toFixed(2)} capped ${(100 * l.capped).toFixed(0)}%, loss ${l.loss.toFixed(4)}, lr ${l.lr.toExponential(2)} (${l.seconds.toFixed(1)} s)`;
