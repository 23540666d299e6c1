// Stage 2 of SA-GR: joint PPO fine-tuning. One iteration =
//   rollout (B envs, the closed loop of closedLoop.ts: chunks from the SDE sampler with η in the drift, the
//            reflex b_t added per control step, Δz from Φ; rollout.ts)
//   → GAE over the SMDP transitions (discount γ^n for an n-step chunk)
//   → epochs × minibatches of the clipped PPO loss for η_φ and b_ψ, the ratio from the stored chain residuals
//     of the executed chunk steps (executedLogProb: each executed action's per-step correction g_b·b + g_η·η
//     recomputed; the frozen prior needs no forward pass), and the value loss for the critic
//   → one pass of Φ's dynamics loss over the same fresh control steps (worldUpdate.ts).
// v_θ stays frozen, except under a noise-rate strategy (ReinFlow, `train --stage reinflow`): η_φ is then the
// noise net σ_k(s) and PPO fine-tunes v_θ beside it (lrPrior), the ratio from the stored chains' Gaussians under
// the new v_θ and σ_k (reinflowStepLogProbs), plus with bcCoef > 0 a behaviour-cloning term: λ × v_θ's
// flow-matching loss on a fresh batch of demonstrations per minibatch. The first criticWarmupIters iterations
// train only the critic (and Φ).
// Which corrections learn follows the gains: reflexGain = 0 trains the "strategy" ablation (prior + η, reflex
// off, b not trained); otherwise the full method trains both η and b.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import type { Critic } from '../policy/critic';
import { chainMeans, reinflowEntropy, reinflowSigma, reinflowStepLogProbs, type SdeParams } from '../policy/sde';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { simTask } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { executedLogProb, gatherRows, residualSteps } from '../policy/closedLoop';
import { reflexHistory } from '../policy/reflex';
import { goalTokensBatch } from '../policy/stateTokens';
import { latentEntropy, planInputTokens, latentLogProb, strategyRate } from '../policy/strategy';
import { repeat } from '../nn/repeat';
import type { DemoDataset } from '../sim/dataset';
import { gatherPriorBatch, sampleIndices, type StepIndex } from './demoData';
import { computeGae } from './gae';
import { paramGroup, groupState, type ParamGroup } from './paramGroup';
import { lrFraction, ppoUpdate, type EvaluateFn, type PpoUpdateStats } from './ppo';
import type { RunningMoments } from './rewardScaler';
import { PRIOR_LOSS, priorExamples } from './stageLosses';
import { RolloutBuffer, SagrRollout, decisionsPerRollout, type RolloutStats, type SagrModules } from './rollout';
import { updateWorld, type WorldUpdateStats } from './worldUpdate';
import { WeightSnapshot } from './weightSnapshot';

export interface SagrTrainerModules extends SagrModules {
  critic: Critic;
}

export interface SagrTrainerOptions {
  config: Config;
  modules: SagrTrainerModules;
  /** Iterations of the whole run (linear LR annealing reaches 0 there). */
  numIterations: number;
  /** Resume: the iteration to continue from (default 0) and the reward scaler's saved statistics. */
  startIteration?: number;
  rewardMoments?: RunningMoments;
  log: (msg: string) => void;
  /** Awaited before each rollout decision and each PPO and Φ minibatch (the browser's engine worker yields there). */
  pace?: () => Promise<void>;
  /** The demonstrations ReinFlow's behaviour-cloning term fits v_θ to (required when config.bcCoef > 0). */
  bc?: { demos: DemoDataset; index: StepIndex };
}

export interface IterationLog {
  iteration: number;
  /** False during critic warm-up. */
  trainPolicy: boolean;
  rollout: RolloutStats;
  ppo: PpoUpdateStats;
  world: WorldUpdateStats;
  /** σ_max of the sampler (fixed), or under ReinFlow the learned σ_k(s)'s geometric mean over the update's samples. */
  sigma: number;
  /** n, the actions executed per chunk in this iteration's rollout. */
  executeSteps: number;
  learningRateFraction: number;
  updateMs: number;
  wallMs: number;
  envStepsPerSec: number;
}

/** The sampler's parameters from the config. */
export function sdeParams(c: Config): SdeParams {
  const { sdeSteps, sdeMode, sigmaSchedule, sigmaMax, sigmaMin, sigmaFloor, reflexGain, strategyGain } = c;
  return { sdeSteps, sdeMode, sigmaSchedule, sigmaMax, sigmaMin, sigmaFloor, reflexGain, strategyGain };
}

/** Refuses modules built for another task than the config's: they would fail deep inside the first rollout. */
function checkModulesFit(m: SagrTrainerModules, spec: TaskSpec): void {
  for (const module of [m.prior, m.world, m.reflex, m.strategy, m.critic]) {
    if (!module) continue;
    const c: { numTokens: number; actionDim?: number } = module.config;
    if (c.numTokens !== spec.numTokens || (c.actionDim !== undefined && c.actionDim !== spec.actionDim)) {
      throw new Error(`task: the ${module.name} was built for ${c.numTokens} tokens${c.actionDim === undefined ? '' : ` and ${c.actionDim}-D actions`}, task ${spec.name} has ${spec.numTokens} and ${spec.actionDim}-D actions`);
    }
  }
}

/** The executed chunk length of iteration i: executeSteps, or with ppoChunkMix one of n, 2n, 4n (≤ H) drawn from (seed, i). */
export function chunkLengthAt(c: Pick<Config, 'ppoChunkMix' | 'executeSteps' | 'horizon' | 'seed'>, i: number): number {
  if (!c.ppoChunkMix) return c.executeSteps;
  const lengths = [1, 2, 4].map((f) => f * c.executeSteps).filter((n) => n <= c.horizon);
  return lengths[new Rng(deriveSeed(c.seed, 'ppo/chunk', i)).int(0, lengths.length)];
}

/** A state the trainer refuses to continue from (NaN/Inf in the rollout); the weights were rolled back. */
export class NonFiniteStateError extends Error {
  override name = 'NonFiniteStateError';
}

export class SagrTrainer {
  iteration: number;
  readonly trainReflex: boolean;
  readonly strategyGroup: ParamGroup;
  readonly reflexGroup: ParamGroup | null;
  readonly criticGroup: ParamGroup;
  readonly worldGroup: ParamGroup;
  /** ReinFlow only: v_θ, fine-tuned by PPO (null: the prior stays frozen). */
  readonly priorGroup: ParamGroup | null;
  /** One rollout buffer per chunk length n (its shape depends on n). */
  private readonly buffers = new Map<number, RolloutBuffer>();
  private lastGood: WeightSnapshot | null = null;

  private constructor(
    readonly options: SagrTrainerOptions,
    readonly rollout: SagrRollout,
  ) {
    const { config: c, modules: m } = options;
    if (!m.strategy) throw new Error('ppo: the strategy η_φ is required');
    this.iteration = options.startIteration ?? 0;
    this.trainReflex = c.reflexGain !== 0;
    if (this.trainReflex && !m.reflex) throw new Error('ppo: reflexGain is not 0 but there is no reflex b_ψ (set --reflex-gain 0 for the strategy ablation)');
    this.strategyGroup = paramGroup('strategy', m.strategy.variables, c.lrStrategy);
    this.reflexGroup = this.trainReflex && m.reflex ? paramGroup('reflex', m.reflex.variables, c.lrReflex) : null;
    this.criticGroup = paramGroup('critic', m.critic.variables, c.lrCritic);
    this.priorGroup = strategyRate(m.strategy.config) === 'noise' ? paramGroup('prior', m.prior.variables, c.lrPrior) : null;
    this.worldGroup = paramGroup('world', m.world.variables, c.lrWorld);
    if (options.rewardMoments) rollout.scaler.moments = { ...options.rewardMoments };
  }

  /** The executed chunk length of iteration i (chunkLengthAt). */
  chunkLength(i: number): number {
    return chunkLengthAt(this.options.config, i);
  }

  /** Floats per step of a plan-aware per-step η's extra input (0 for other strategies). */
  private get strategyInputSize(): number {
    const strategy = this.rollout.modules.strategy;
    return strategy?.config.readsPlan ? planInputTokens(strategy.config) * TOKEN_DIM : 0;
  }

  private buffer(n: number): RolloutBuffer {
    const c = this.options.config;
    const spec = this.rollout.env.spec;
    const obsSize = spec.numTokens * TOKEN_DIM;
    const made = this.buffers.get(n) ?? new RolloutBuffer(decisionsPerRollout({ ...c, executeSteps: n }), c.numEnvs, obsSize, residualSteps(sdeParams(c)) * c.horizon * spec.actionDim, spec.actionDim, n, c.horizon, this.rollout.loop.history * obsSize, this.strategyInputSize);
    this.buffers.set(n, made);
    return made;
  }

  /** Builds the envs of config.task (seeded from the config seed and the start iteration, so a resumed run gets fresh episodes). */
  static async create(options: SagrTrainerOptions): Promise<SagrTrainer> {
    const c = options.config;
    if (options.modules.prior.config.horizon !== c.horizon) throw new Error(`ppo: the prior was built with horizon ${options.modules.prior.config.horizon}, the config says ${c.horizon}`);
    const task = simTask(c.task);
    checkModulesFit(options.modules, task.spec);
    if (c.bcCoef > 0 && !(options.modules.strategy && strategyRate(options.modules.strategy.config) === 'noise')) throw new Error('bcCoef: the behaviour-cloning term regularises a fine-tuned v_θ, which only ReinFlow has (strategyRate noise); set it to 0');
    if (c.bcCoef > 0 && !options.bc) throw new Error('bcCoef: the behaviour-cloning term needs demonstrations (SagrTrainerOptions.bc)');
    const start = options.startIteration ?? 0;
    const env = await createVecEnv(task, { numEnvs: c.numEnvs, seed: deriveSeed(c.seed, 'ppo/env', start), maxSteps: c.episodeLength, trainingDisturbances: c.disturbanceMix });
    const m = options.modules;
    const modules: SagrModules = { prior: m.prior, world: m.world, reflex: c.reflexGain !== 0 ? m.reflex : null, strategy: m.strategy };
    return new SagrTrainer(options, new SagrRollout(env, modules, m.critic, c.executeSteps, c.discount, deriveSeed(c.seed, 'ppo/noise', start)));
  }

  /** Every group's parameters and optimizer state (what a checkpoint holds besides the frozen prior). */
  get groups(): ParamGroup[] {
    return [this.strategyGroup, ...(this.reflexGroup ? [this.reflexGroup] : []), ...(this.priorGroup ? [this.priorGroup] : []), this.criticGroup, this.worldGroup];
  }

  get rewardMoments(): RunningMoments {
    return this.rollout.scaler.moments;
  }

  async iterate(): Promise<IterationLog> {
    const { config: c, modules: m, numIterations, log } = this.options;
    const i = this.iteration;
    const sde = sdeParams(c);
    const n = this.chunkLength(i);
    const buf = this.buffer(n);
    const t0 = performance.now();
    // Each iteration's randomness derives from (seed, iteration), so a resumed run replays the same draws.
    const shuffleRng = new Rng(deriveSeed(c.seed, 'ppo/shuffle', i));
    const bcRng = new Rng(deriveSeed(c.seed, 'ppo/bc', i));

    let rollout: RolloutStats;
    try {
      rollout = await this.rollout.collect(buf, { ...c, executeSteps: n, sde }, this.options.pace);
    } catch (e) {
      if (!/not finite/.test((e as Error).message)) throw e;
      this.lastGood?.restore();
      throw new NonFiniteStateError(
        `iteration ${i}: the rollout produced non-finite values (${(e as Error).message.slice(0, 120)}); ` +
          (this.lastGood ? 'weights rolled back to those of the last finite rollout' : 'the starting weights are bad'),
      );
    }
    // These weights produced a finite rollout: the state to return to if the coming update spoils them.
    this.lastGood?.dispose();
    this.lastGood = new WeightSnapshot(groupState(this.groups));

    const tUpdate = performance.now();
    const { advantages, returns } = computeGae({
      numSteps: buf.numDecisions,
      numEnvs: buf.numEnvs,
      rewards: buf.rewards,
      values: buf.values,
      dones: buf.dones,
      lastValues: buf.lastValues,
      discount: c.discount ** n,
      gaeLambda: c.gaeLambda,
    });

    // log π of the stored decisions' executed steps under the current η and per-step corrections (executedLogProb).
    const spec = this.rollout.env.spec;
    const [N, A, H] = [spec.numTokens, spec.actionDim, c.horizon];
    const residualRows = residualSteps(sde);
    const strategy = m.strategy!;
    const rate = sde.strategyGain !== 0 ? strategyRate(strategy.config) : null;
    const etaPerChunk = rate === 'chunk';
    const etaPerStep = rate === 'step';
    const k = m.reflex ? reflexHistory(m.reflex.config) : 1;
    // DSRL: the action is a_0 itself, log N(a_0; μ_φ(s), σ_φ²); the frozen prior's chain adds no likelihood.
    const evaluateLatent: EvaluateFn = (rows) => {
      const M = rows.length;
      const tokens = tf.tensor3d(gatherRows(buf.tokens, buf.obsSize, rows), [M, N, TOKEN_DIM]);
      const goal = goalTokensBatch(spec, M);
      const latent = strategy.latent(tokens, goal);
      const stored = tf.tensor3d(gatherRows(buf.latents, H * A, rows), [M, H, A]);
      return { newLogProb: latentLogProb(stored, latent), newValue: m.critic.apply(tokens, goal), entropy: repeat<tf.Rank.R1>(latentEntropy(latent), [M]) };
    };
    // λ's term: v_θ's flow-matching loss on M demonstrated (observation, chunk) pairs, τ and ε drawn from bcRng.
    const behaviourCloningLoss = (M: number): tf.Scalar => {
      const { demos, index } = this.options.bc!;
      const batch = gatherPriorBatch(demos, index, sampleIndices(bcRng, index.count, M), c.horizon);
      return PRIOR_LOSS.loss(m.prior, priorExamples(spec, batch, c.horizon, bcRng));
    };
    // ReinFlow: the stored chains' per-step Gaussians under the current v_θ and σ_k(s), over the executed chunk steps.
    const evaluateReinflow: EvaluateFn = (rows) => {
      const M = rows.length;
      const tokens = tf.tensor3d(gatherRows(buf.tokens, buf.obsSize, rows), [M, N, TOKEN_DIM]);
      const goal = goalTokensBatch(spec, M);
      const chain = tf.tensor4d(gatherRows(buf.chains, buf.chainSize, rows), [M, residualRows + 1, H, A]);
      const stepStd = strategy.noiseStd(tokens, goal);
      const perStep = reinflowStepLogProbs(chain, chainMeans(m.prior.velocityFn(m.prior.encode(tokens, goal)), chain), stepStd, n);
      const executed = tf.tensor2d(gatherRows(buf.stepExecuted, 1, buf.stepRows(rows)), [M, n]);
      const newLogProb = tf.sum(tf.mul(tf.slice(perStep, [0, 0], [M, n]), executed), 1) as tf.Tensor1D;
      return { newLogProb, newValue: m.critic.apply(tokens, goal), entropy: reinflowEntropy(stepStd), regulariser: c.bcCoef > 0 ? (tf.mul(c.bcCoef, behaviourCloningLoss(M)) as tf.Scalar) : undefined };
    };
    const evaluateChain: EvaluateFn = (rows) => {
      const M = rows.length;
      const tokens = tf.tensor3d(gatherRows(buf.tokens, buf.obsSize, rows), [M, N, TOKEN_DIM]);
      const goal = goalTokensBatch(spec, M);
      const chunkStrategy = (etaPerChunk ? strategy.apply(tokens, goal) : tf.zeros([M, A])) as tf.Tensor2D;
      const residuals = tf.tensor4d(gatherRows(buf.residuals, buf.residualSize, rows), [M, residualRows, H, A]);
      const steps = buf.stepRows(rows);
      const stepTokens = tf.tensor3d(gatherRows(buf.stepTokens, buf.obsSize, steps), [M * n, N, TOKEN_DIM]);
      const bOld = tf.tensor2d(gatherRows(buf.stepReflex, A, steps), [M * n, A]);
      const etaOld = tf.tensor2d(gatherRows(buf.stepStrategy, A, steps), [M * n, A]);
      const bNew = this.trainReflex && m.reflex ? m.reflex.apply(tf.tensor3d(gatherRows(buf.stepReflexInput, buf.reflexInputSize, steps), [M * n, N, k * TOKEN_DIM]), stepTokens).correction : bOld;
      const plan = buf.strategyInputSize ? tf.tensor3d(gatherRows(buf.stepStrategyInput, buf.strategyInputSize, steps), [M * n, buf.strategyInputSize / TOKEN_DIM, TOKEN_DIM]) : undefined;
      const etaNew = etaPerStep ? strategy.apply(stepTokens, goalTokensBatch(spec, M * n), plan) : etaOld;
      const correction = (b: tf.Tensor2D, eta: tf.Tensor2D) => tf.add(tf.mul(b, sde.reflexGain), tf.mul(eta, sde.strategyGain)) as tf.Tensor2D;
      const executed = tf.tensor1d(gatherRows(buf.stepExecuted, 1, steps));
      return { newLogProb: executedLogProb(residuals, chunkStrategy, correction(bOld, etaOld), correction(bNew, etaNew), executed, sde), newValue: m.critic.apply(tokens, goal) };
    };
    const trainPolicy = i >= c.criticWarmupIters;
    const fraction = lrFraction(i, numIterations, c.annealLr);
    const policyGroups = [this.strategyGroup, ...(this.reflexGroup ? [this.reflexGroup] : []), ...(this.priorGroup ? [this.priorGroup] : [])];
    const evaluate = rate === 'latent' ? evaluateLatent : rate === 'noise' ? evaluateReinflow : evaluateChain;
    const ppo = await ppoUpdate(evaluate, { oldLogProbs: buf.logProbs, oldValues: buf.values, advantages, returns }, c, {
      policyGroups,
      criticGroup: this.criticGroup,
      trainPolicy,
      lrFraction: fraction,
      rng: shuffleRng,
      log,
      pace: this.options.pace,
    });
    const world = await updateWorld(m.world, this.worldGroup, buf, c, fraction, shuffleRng, log, this.options.pace);
    const end = performance.now();
    this.iteration++;
    return {
      iteration: i,
      trainPolicy,
      rollout,
      ppo,
      world,
      sigma: rate === 'noise' && ppo.entropy !== null ? reinflowSigma(ppo.entropy, c.sdeSteps) : c.sigmaMax,
      executeSteps: n,
      learningRateFraction: fraction,
      updateMs: end - tUpdate,
      wallMs: end - t0,
      envStepsPerSec: rollout.controlSteps / ((end - t0) / 1000),
    };
  }

  dispose(): void {
    this.rollout.env.free();
    for (const g of this.groups) g.optimizer.dispose();
    this.lastGood?.dispose();
  }
}

/** One line per iteration for progress logs. */
export function formatIteration(l: IterationLog): string {
  const r = l.rollout;
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  return (
    `ppo ${l.iteration}${l.trainPolicy ? '' : ' (critic warm-up)'}: return ${f(r.meanReturn, 2)} success ${f(100 * r.successRate, 0)}% (${r.episodes} ep), ` +
    `R/step task ${f(r.rewardTerms.task)} −surprise ${f(r.rewardTerms.surprise, 4)} −effort ${f(r.rewardTerms.effort, 4)}, ` +
    `pg ${f(l.ppo.pgLoss, 4)}${l.ppo.regulariser === null ? '' : ` bc ${f(l.ppo.regulariser, 4)}`} v ${f(l.ppo.vLoss)} dyn ${f(l.world.dynamicsLoss, 6)} kl ${f(l.ppo.approxKl, 4)} clip ${f(l.ppo.clipFrac)} ev ${f(l.ppo.explainedVariance, 2)}, ` +
    `‖Δz‖ ${f(r.meanDeltaZ, 4)} ‖b‖ ${f(r.meanReflex, 4)} ‖η‖ ${f(r.meanStrategy, 4)} σ ${+l.sigma.toFixed(4)} n ${l.executeSteps}, ` +
    `${(l.wallMs / 1000).toFixed(1)} s, ${l.envStepsPerSec.toFixed(0)} env steps/s`
  );
}
