// η_φ: the strategy, a per-control-step action correction [B, A] from the state tokens (observation + goal),
// trained by PPO. Its output layer starts at ≈ 0 (orthogonal gain 0.01, as CleanRL's policy head), so at
// PPO step 0 the policy is the prior (+ reflex).
//
// Plan-aware step rate (`readsPlan`, residual RL as ResiP: the residual sees the action it corrects): η_φ also reads
// the chunk's action for this step, the chunk's age (steps executed / H) and each token's Δz summed since the chunk
// was planned (what the world did that Φ did not predict while the plan went stale), as 2 + N extra tokens of two
// types of their own.
//
// Latent rate (DSRL, Wagenmaker et al. 2025): η_φ instead chooses the prior's initial noise, a_0 ~ N(μ_φ(s), σ_φ²)
// over the whole [H, A] chunk, and the frozen prior maps it to a chunk; v_θ is never changed. μ = LATENT_BOUND·tanh(·)
// keeps a_0 where the prior was trained (its a_0 ~ N(0, I) rarely leaves ±2.5), and log σ_φ is a state-independent
// learned vector (CleanRL's Gaussian head) starting at 0: at PPO step 0, a_0 ~ N(≈0, I), the prior's own sampler.
//
// Noise rate (ReinFlow, Zhang et al. 2025): η_φ is ReinFlow's noise network, the chain's per-step noise scale
// σ_k(s) = σ_lo + (σ_hi − σ_lo)·sigmoid(net(s)) [K, A] (one per Euler step k and action dimension, shared by the H
// chunk steps), bounded in [σ_lo, σ_hi] = the config's [sigmaMin, sigmaMax] when it was built; it starts at the
// middle of the range. The velocity field v_θ is fine-tuned beside it (src/train/ppoSagr.ts).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { NUM_TOKEN_TYPES, TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { Checkpointable } from '../nn/checkpoint';
import { PooledTokenMlp } from '../nn/pooledTokenMlp';
import { Scope } from '../nn/scope';
import { zeros } from '../nn/init';
import { stateTypeIds } from './stateTokens';

const OUTPUT_GAIN = 0.01;
/** |μ_φ| < LATENT_BOUND per element of a_0 (latent rate). */
export const LATENT_BOUND = 2.5;
/** log σ_φ is clipped to this range in the likelihood, so a run cannot collapse σ to 0 or blow it up. */
const LOG_STD_RANGE = [Math.log(0.05), Math.log(2)] as const;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export type StrategyConfig = {
  numTokens: number;
  numGoalTokens: number;
  tokenTypes: number[];
  actionDim: number;
  width: number;
  /** When η is evaluated: once per chunk, in the sampler's drift, or at every control step on top of the chunk
   * (residual RL, as ResiP). Checkpoints from before this field hold 'chunk'. */
  rate?: StrategyRate;
  /** Step rate only: η also reads the plan (planInputTokens below). Checkpoints from before this field hold false. */
  readsPlan?: boolean;
  /** H, the prior's chunk length: the latent rate's output is a whole a_0 [H, A]. */
  horizon?: number;
  /** Noise rate: K, the chain's Euler steps, and [σ_lo, σ_hi], the bounds of σ_k(s). */
  sdeSteps?: number;
  noiseBounds?: [number, number];
};

export type StrategyRate = Config['strategyRate'];

/** Token types of the plan input, after the state's: the chunk's action and age, then the drift tokens. */
const PLAN_TYPE = NUM_TOKEN_TYPES;
const DRIFT_TYPE = NUM_TOKEN_TYPES + 1;

/** Tokens of a plan-aware strategy's extra input per env: the chunk's action, its age, and N drift tokens. */
export const planInputTokens = (c: Pick<StrategyConfig, 'numTokens'>): number => 2 + c.numTokens;

/** The rate of a strategy config. */
export const strategyRate = (c: StrategyConfig): StrategyRate => c.rate ?? 'chunk';

export function strategyConfig(c: Config, spec: TaskSpec): StrategyConfig {
  const noise = c.strategyRate === 'noise' ? { sdeSteps: c.sdeSteps, noiseBounds: [c.sigmaMin, c.sigmaMax] as [number, number] } : {};
  const plan = c.strategyRate === 'step' && c.strategyReadsPlan ? { readsPlan: true } : {};
  return { numTokens: spec.numTokens, numGoalTokens: spec.numGoalTokens, tokenTypes: Array.from(spec.tokenTypes), actionDim: spec.actionDim, width: c.strategyWidth, rate: c.strategyRate, horizon: c.horizon, ...noise, ...plan };
}

/** The noise rate's bounds, checked: 0 < σ_lo ≤ σ_hi (a zero σ would give the chain no likelihood). */
function noiseBounds(c: StrategyConfig): [number, number] {
  const [lo, hi] = c.noiseBounds ?? [NaN, NaN];
  if (!(lo > 0 && hi >= lo)) throw new Error(`strategy: the noise rate needs bounds 0 < σ_lo ≤ σ_hi (sigmaMin, sigmaMax), got [${c.noiseBounds?.join(', ')}]`);
  if (!(Number.isInteger(c.sdeSteps) && c.sdeSteps! >= 1)) throw new Error(`strategy: the noise rate needs the chain's step count K, got ${c.sdeSteps}`);
  return [lo, hi];
}

/** The latent rate's Gaussian over a_0: mean [B, H, A] and log σ [H, A] (clipped to LOG_STD_RANGE). */
export interface LatentGaussian {
  mean: tf.Tensor3D;
  logStd: tf.Tensor2D;
}

/** Σ over H and A of log N(a_0; μ, σ²) per row [B]: what the rollout stores and PPO recomputes, by the same ops. */
export function latentLogProb(latent: tf.Tensor3D, g: LatentGaussian): tf.Tensor1D {
  return tf.tidy(() => {
    const z = tf.mul(tf.sub(latent, g.mean), tf.exp(tf.neg(g.logStd)));
    const perElement = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(g.logStd, HALF_LOG_2PI));
    return tf.sum(perElement, [1, 2]) as tf.Tensor1D;
  });
}

/** Entropy of the latent Gaussian, the same for every state: Σ (log σ + ½ log 2πe). */
export function latentEntropy(g: LatentGaussian): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.add(g.logStd, HALF_LOG_2PI + 0.5)) as tf.Scalar);
}

export class Strategy implements Checkpointable {
  readonly name = 'strategy';
  private readonly scope: Scope;
  private readonly net: PooledTokenMlp;
  /** Latent rate only: log σ_φ [H, A]. */
  private readonly logStd: tf.Variable | null;

  constructor(
    readonly config: StrategyConfig,
    seed: number,
  ) {
    const c = config;
    this.scope = Scope.root(this.name, seed);
    if (c.readsPlan && strategyRate(c) !== 'step') throw new Error(`strategy: only a step-rate strategy reads the plan, this one acts per ${strategyRate(c)}`);
    if (c.readsPlan && c.actionDim > TOKEN_DIM) throw new Error(`strategy: an action of ${c.actionDim} dimensions does not fit a ${TOKEN_DIM}-wide plan token`);
    const planTypes = c.readsPlan ? [PLAN_TYPE, PLAN_TYPE, ...Array<number>(c.numTokens).fill(DRIFT_TYPE)] : [];
    const typeIds = [...stateTypeIds(c.tokenTypes, c.numGoalTokens), ...planTypes];
    const latent = strategyRate(c) === 'latent';
    if (latent && !(Number.isInteger(c.horizon) && c.horizon! >= 1)) throw new Error(`strategy: the latent rate needs the prior's horizon, got ${c.horizon}`);
    const noise = strategyRate(c) === 'noise';
    if (noise) noiseBounds(c);
    const outDim = latent ? c.horizon! * c.actionDim : noise ? c.sdeSteps! * c.actionDim : c.actionDim;
    this.net = new PooledTokenMlp(this.scope, { featureDim: TOKEN_DIM, width: c.width, typeIds, numTypes: c.readsPlan ? DRIFT_TYPE + 1 : NUM_TOKEN_TYPES, outDim, outGain: OUTPUT_GAIN });
    this.logStd = latent ? this.scope.variable('logStd', [c.horizon!, c.actionDim], zeros) : null;
  }

  get variables() {
    return this.scope.variables;
  }

  /**
   * η_φ(s): tokens [B, N, 3], goal [B, G, 3] → correction [B, A] (chunk and step rates); a plan-aware strategy also
   * takes its plan input [B, 2 + N, 3] (ClosedLoop writes it).
   */
  apply(tokens: tf.Tensor3D, goal: tf.Tensor3D, plan?: tf.Tensor3D): tf.Tensor2D {
    const rate = strategyRate(this.config);
    if (rate === 'latent' || rate === 'noise') throw new Error(`strategy: a ${rate}-rate strategy gives ${rate === 'latent' ? 'a Gaussian over a_0 (latent())' : 'the chain’s noise scale (noiseStd())'}, not a correction`);
    if (Boolean(this.config.readsPlan) !== (plan !== undefined)) throw new Error(`strategy: ${this.config.readsPlan ? 'this strategy reads the plan; give its input' : 'this strategy reads no plan'}`);
    return tf.tidy(() => this.net.apply(tf.concat(plan ? [tokens, goal, plan] : [tokens, goal], 1) as tf.Tensor3D));
  }

  /** The latent rate's Gaussian over the prior's initial noise a_0 for tokens [B, N, 3], goal [B, G, 3]. */
  latent(tokens: tf.Tensor3D, goal: tf.Tensor3D): LatentGaussian {
    const logStd = this.logStd;
    if (!logStd) throw new Error(`strategy: latent() needs the latent rate, this one acts per ${strategyRate(this.config)}`);
    const [H, A] = logStd.shape;
    return tf.tidy(() => ({
      mean: tf.reshape(tf.mul(tf.tanh(this.net.apply(tf.concat([tokens, goal], 1) as tf.Tensor3D)), LATENT_BOUND), [-1, H, A]) as tf.Tensor3D,
      logStd: tf.clipByValue(logStd, LOG_STD_RANGE[0], LOG_STD_RANGE[1]) as tf.Tensor2D,
    }));
  }

  /** The noise rate's σ_k(s) [B, K, A] in [σ_lo, σ_hi], for tokens [B, N, 3], goal [B, G, 3] (ReinFlow's noise net). */
  noiseStd(tokens: tf.Tensor3D, goal: tf.Tensor3D): tf.Tensor3D {
    if (strategyRate(this.config) !== 'noise') throw new Error(`strategy: noiseStd() needs the noise rate, this one acts per ${strategyRate(this.config)}`);
    const [lo, hi] = noiseBounds(this.config);
    const [K, A] = [this.config.sdeSteps!, this.config.actionDim];
    return tf.tidy(() => tf.reshape(tf.add(tf.mul(tf.sigmoid(this.net.apply(tf.concat([tokens, goal], 1) as tf.Tensor3D)), hi - lo), lo), [-1, K, A]) as tf.Tensor3D);
  }

  dispose(): void {
    this.scope.dispose();
  }
}
