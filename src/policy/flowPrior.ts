// v_θ: the imitation prior, a conditional flow-matching velocity field over action chunks (π0-style).
//
// Convention (π0 / rectified flow): a_τ = τ·a + (1 − τ)·ε, τ = 0 is noise, τ = 1 is data, and the target
// velocity is u = a − ε. Training τ follows π0: τ = s·(1 − u), u ~ Beta(1.5, 1), s = 0.999 (favours noisy τ).
//
// Architecture. An observation encoder (token embedding with type + slot embeddings over the N observation
// tokens and G goal tokens, then pre-LN transformer blocks) runs ONCE per control step (`encode`). The action
// expert cuts the noisy chunk a_τ [B, H, A] into T tokens of H/T consecutive actions, adds a learned slot
// embedding and the embedded flow time, and runs blocks of self-attention over the chunk tokens followed by
// CROSS-attention to the encoded observation, then maps back to a velocity [B, H, A].
// Cross-attention rather than joint attention: the observation never attends to the actions, so its keys and
// values for every expert block are computed in `encode` and reused by all K `velocity` calls (π0's cached
// prefix, where the blockwise-causal mask has the same effect); each velocity call touches only T tokens.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import type { Rng } from '../core/rng';
import { NUM_TOKEN_TYPES, TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { KeyValues } from '../nn/attention';
import type { Checkpointable } from '../nn/checkpoint';
import { Dense } from '../nn/dense';
import { unflatten } from '../nn/flat';
import { normal, orthogonal, zeros } from '../nn/init';
import { LayerNorm } from '../nn/layerNorm';
import { Mlp } from '../nn/mlp';
import { Scope } from '../nn/scope';
import { sinusoidalEmbedding } from '../nn/timeEmbedding';
import { TokenEmbedding } from '../nn/tokenEmbedding';
import { TransformerBlock } from '../nn/transformerBlock';
import { stateTypeIds } from './stateTokens';

/** π0's flow-time schedule: τ = s·(1 − u), u ~ Beta(1.5, 1). */
export const FLOW_TIME_CUTOFF = 0.999;
const FLOW_TIME_BETA_ALPHA = 1.5;
const FLOW_TIME_BETA_BETA = 1;
/** MLP width / token width inside transformer blocks (2, not the usual 4: CPU backends pay for every FLOP). */
const MLP_RATIO = 2;
/** Velocity output gain: ≈ 0 at initialisation, like every output head here. */
const OUTPUT_GAIN = 0.01;
const SLOT_STD = 0.02;
/**
 * MeanFlow's interval h = t − r enters the sinusoidal embedding scaled by this, so its fastest period is 1 (not the
 * flow time's 4e-3): the MeanFlow target differentiates u in r (and so in h). With the fast scale (and no adaptive
 * loss weights yet) the bootstrapped target blew up within 125 steps (train loss 20, measured).
 */
const INTERVAL_EMBEDDING_SCALE = 4e-3;

export type FlowPriorConfig = {
  numTokens: number;
  numGoalTokens: number;
  /** Type ids of the N observation tokens (goal tokens are TOKEN_TYPE.goalKeypoint). */
  tokenTypes: number[];
  actionDim: number;
  horizon: number;
  width: number;
  depth: number;
  expertDepth: number;
  heads: number;
  actionTokens: number;
  /**
   * The architecture flag of a one-step prior (MeanFlow, `train --stage meanflow`): the expert also embeds the
   * interval h = t − r, so the network is an average velocity u(z_r, r, t) (src/policy/meanFlow.ts). Absent in a
   * K-step prior's checkpoint.
   */
  meanFlow?: boolean;
};

export function flowPriorConfig(c: Config, spec: TaskSpec): FlowPriorConfig {
  return {
    numTokens: spec.numTokens,
    numGoalTokens: spec.numGoalTokens,
    tokenTypes: Array.from(spec.tokenTypes),
    actionDim: spec.actionDim,
    horizon: c.horizon,
    width: c.priorWidth,
    depth: c.priorDepth,
    expertDepth: c.priorExpertDepth,
    heads: c.priorHeads,
    actionTokens: c.priorActionTokens,
  };
}

/** The observation as the expert sees it: encoder output and, per expert block, its cached keys/values. */
export type EncodedObs = {
  context: tf.Tensor3D;
  crossKeysValues: KeyValues[];
};

/** A velocity field over one batch's encoded observation: (a_τ [B, H, A], τ) → v [B, H, A]. */
export type VelocityFn = (aTau: tf.Tensor3D, tau: number) => tf.Tensor3D;

export class FlowPrior implements Checkpointable {
  readonly name = 'prior';
  private readonly scope: Scope;
  private readonly obsEmbed: TokenEmbedding;
  private readonly encoderBlocks: TransformerBlock[];
  private readonly encoderNorm: LayerNorm;
  private readonly chunkIn: Dense;
  private readonly chunkSlots: tf.Variable;
  private readonly timeMlp: Mlp;
  /** MeanFlow only: the embedding of the interval h = t − r, added to the time embedding; zero at initialisation. */
  private readonly intervalMlp: Mlp | null;
  private readonly expertBlocks: TransformerBlock[];
  private readonly expertNorm: LayerNorm;
  private readonly velocityOut: Dense;
  /** Actions per expert token, H / T. */
  private readonly stepsPerToken: number;

  constructor(
    readonly config: FlowPriorConfig,
    seed: number,
  ) {
    const c = config;
    if (c.tokenTypes.length !== c.numTokens) throw new Error(`prior: tokenTypes has ${c.tokenTypes.length} entries, numTokens is ${c.numTokens}`);
    if (c.horizon % c.actionTokens !== 0) throw new Error(`prior: actionTokens ${c.actionTokens} does not divide horizon ${c.horizon}`);
    this.stepsPerToken = c.horizon / c.actionTokens;
    this.scope = Scope.root(this.name, seed);
    const enc = this.scope.child('enc');
    this.obsEmbed = new TokenEmbedding(enc.child('embed'), TOKEN_DIM, c.width, stateTypeIds(c.tokenTypes, c.numGoalTokens), NUM_TOKEN_TYPES);
    const block = { width: c.width, heads: c.heads, mlpRatio: MLP_RATIO };
    this.encoderBlocks = Array.from({ length: c.depth }, (_, i) => new TransformerBlock(enc.child(`block${i}`), block));
    this.encoderNorm = new LayerNorm(enc.child('norm'), c.width);
    const exp = this.scope.child('expert');
    this.chunkIn = new Dense(exp.child('chunkIn'), this.stepsPerToken * c.actionDim, c.width, orthogonal(1));
    this.chunkSlots = exp.variable('chunkSlots', [c.actionTokens, c.width], normal(SLOT_STD));
    this.timeMlp = new Mlp(exp.child('time'), [c.width, c.width, c.width], 'silu', orthogonal(1), orthogonal(1));
    this.intervalMlp = c.meanFlow ? new Mlp(exp.child('interval'), [c.width, c.width, c.width], 'silu', orthogonal(1), zeros) : null;
    this.expertBlocks = Array.from({ length: c.expertDepth }, (_, i) => new TransformerBlock(exp.child(`block${i}`), { ...block, crossWidth: c.width }));
    this.expertNorm = new LayerNorm(exp.child('norm'), c.width);
    this.velocityOut = new Dense(exp.child('out'), c.width, this.stepsPerToken * c.actionDim, orthogonal(OUTPUT_GAIN));
  }

  get variables() {
    return this.scope.variables;
  }

  /** tokens [B, N, 3], goal [B, G, 3] → the encoded observation (free it with tf.dispose). */
  encode(tokens: tf.Tensor3D, goal: tf.Tensor3D): EncodedObs {
    return tf.tidy(() => {
      let x = this.obsEmbed.apply(tf.concat([tokens, goal], 1));
      for (const block of this.encoderBlocks) x = block.apply(x);
      const context = this.encoderNorm.apply(x);
      return { context, crossKeysValues: this.expertBlocks.map((b) => b.contextKeysValues(context)) };
    });
  }

  /**
   * v_θ(a_τ, s, τ): aTau [B, H, A]; tau a number shared by the batch or [B] → velocity [B, H, A]. For a MeanFlow
   * prior this is u(a_τ, τ, τ), its average velocity over an empty interval: the instantaneous velocity.
   */
  velocity(encoded: EncodedObs, aTau: tf.Tensor3D, tau: number | tf.Tensor1D): tf.Tensor3D {
    return this.expert(encoded, aTau, tau, this.intervalMlp ? 0 : null);
  }

  /**
   * MeanFlow's average velocity u(z_r, r, t) = (1 / (t − r)) ∫_r^t v(z_τ, τ) dτ along the flow from z_r at τ = r
   * (this project's direction: τ = 0 noise, τ = 1 data, so t ≥ r and z_t = z_r + (t − r)·u). r and h = t − r: numbers
   * shared by the batch or [B]. Only a prior built with `meanFlow` has it.
   */
  averageVelocity(encoded: EncodedObs, zR: tf.Tensor3D, r: number | tf.Tensor1D, h: number | tf.Tensor1D): tf.Tensor3D {
    if (!this.intervalMlp) throw new Error('prior: averageVelocity needs a MeanFlow prior (config.meanFlow)');
    return this.expert(encoded, zR, r, h);
  }

  /** The embedded flow time (and interval h, MeanFlow) as the expert adds it to its tokens: [B or 1, 1, width]. */
  private timeEmbedding(tau: number | tf.Tensor1D, h: number | tf.Tensor1D | null): tf.Tensor3D {
    const { width } = this.config;
    return tf.tidy(() => {
      let embedding = this.timeMlp.apply(sinusoidalEmbedding(tau, width));
      if (h !== null && this.intervalMlp) embedding = tf.add(embedding, this.intervalMlp.apply(sinusoidalEmbedding(typeof h === 'number' ? h * INTERVAL_EMBEDDING_SCALE : (tf.mul(h, INTERVAL_EMBEDDING_SCALE) as tf.Tensor1D), width)));
      return tf.reshape(embedding, [-1, 1, width]) as tf.Tensor3D;
    });
  }

  /**
   * The action expert at flow time τ, with the interval h embedded too when given (MeanFlow); `time`: τ's embedding
   * computed beforehand (velocityFn's table), else it is computed here.
   */
  private expert(encoded: EncodedObs, aTau: tf.Tensor3D, tau: number | tf.Tensor1D, h: number | tf.Tensor1D | null, time?: tf.Tensor3D): tf.Tensor3D {
    const { horizon, actionDim, actionTokens } = this.config;
    const [b, hSteps, a] = aTau.shape;
    if (hSteps !== horizon || a !== actionDim) throw new Error(`prior: expected a chunk [B, ${horizon}, ${actionDim}], got [${aTau.shape.join(', ')}]`);
    return tf.tidy(() => {
      time ??= this.timeEmbedding(tau, h);
      const chunk = this.chunkIn.apply(tf.reshape(aTau, [b, actionTokens, this.stepsPerToken * actionDim]) as tf.Tensor3D);
      let x = tf.add(tf.add(chunk, this.chunkSlots), time) as tf.Tensor3D;
      this.expertBlocks.forEach((block, i) => (x = block.apply(x, encoded.crossKeysValues[i])));
      return tf.reshape(this.velocityOut.apply(this.expertNorm.apply(x)), [b, horizon, actionDim]) as tf.Tensor3D;
    });
  }

  /**
   * The velocity field for one encoded observation, as the samplers take it. Given the sampler's number of Euler
   * `steps`, the embeddings of its flow times (eulerTimes) are computed here at once, batched, and looked up by τ: a
   * K = 10 sample launches 8 fewer kernels per step (issue 16), with the same values. Gradients do not flow through
   * the table (training leaves `steps` out).
   */
  velocityFn(encoded: EncodedObs, steps?: number): VelocityFn {
    const taus = steps === undefined || this.intervalMlp ? null : eulerTimes(steps);
    let table: Map<number, tf.Tensor3D> | null = null;
    return (aTau, tau) => {
      // Made at the first call, inside the sampler's tidy, so it is freed with the sample (and made again if reused).
      if (taus && (!table || table.get(taus[0])!.isDisposed)) table = this.timeTable(taus);
      return this.expert(encoded, aTau, tau, this.intervalMlp ? 0 : null, table?.get(tau));
    };
  }

  /** τ → its embedding [1, 1, width], for each of `taus`, from one batched pass (no gradient: for sampling). */
  private timeTable(taus: readonly number[]): Map<number, tf.Tensor3D> {
    const { width } = this.config;
    const rows = tf.tidy(() => unflatten(tf.reshape(this.timeEmbedding(tf.tensor1d([...taus]), null), [-1]), taus.map(() => [1, 1, width])) as tf.Tensor3D[]);
    return new Map(taus.map((tau, k) => [tau, rows[k]]));
  }

  dispose(): void {
    this.scope.dispose();
  }
}

/** Draws a training flow time from π0's schedule. */
export function sampleFlowTime(rng: Rng): number {
  return FLOW_TIME_CUTOFF * (1 - rng.beta(FLOW_TIME_BETA_ALPHA, FLOW_TIME_BETA_BETA));
}

export interface FlowBatch {
  /** Observation tokens [B, N, 3]. */
  tokens: tf.Tensor3D;
  /** Goal tokens [B, G, 3]. */
  goal: tf.Tensor3D;
  /** Demonstrated action chunks [B, H, A], normalised. */
  actions: tf.Tensor3D;
}

/** A batch's draws for the flow-matching loss: flow times τ [B] and noise ε [B, H, A] (row-major). */
export interface FlowDraws {
  tau: Float32Array;
  noise: Float32Array;
}

/** Draws τ and ε for `b` chunks of [h, a] from `rng`: B flow times, then B·H·A normals. */
export function drawFlow(rng: Rng, b: number, h: number, a: number): FlowDraws {
  const tau = Float32Array.from({ length: b }, () => sampleFlowTime(rng));
  const noise = new Float32Array(b * h * a);
  rng.fillNormal(noise);
  return { tau, noise };
}

/**
 * Conditional flow-matching loss E‖v_θ(a_τ, s, τ) − (a − ε)‖², mean over batch, steps and action dims.
 * τ and ε are drawn from `rng` (drawFlow). Use inside optimizer.minimize.
 */
export function flowMatchingLoss(prior: FlowPrior, batch: FlowBatch, rng: Rng): tf.Scalar {
  const [b, h, a] = batch.actions.shape;
  return flowMatchingLossAt(prior, batch, drawFlow(rng, b, h, a));
}

/**
 * The flow-matching loss at given draws (the data-parallel step draws them once for the whole batch, then splits).
 * With `weights` [B] (reward-weighted flow matching, src/train/rwfm.ts) it is the weighted mean
 * (1/B)·Σ_i w_i·mean_{h,a}(v_θ − u)²_i: the caller normalises the weights (w = 1 for all is the plain loss).
 */
export function flowMatchingLossAt(prior: FlowPrior, batch: FlowBatch, draws: FlowDraws, weights?: Float32Array): tf.Scalar {
  const [b, h, a] = batch.actions.shape;
  if (weights && weights.length !== b) throw new Error(`flow matching: ${weights.length} weights for a batch of ${b}`);
  return tf.tidy(() => {
    const noise = tf.tensor3d(draws.noise, [b, h, a]);
    const tauB = tf.tensor1d(draws.tau);
    const t = tf.reshape(tauB, [b, 1, 1]);
    const aTau = tf.add(tf.mul(t, batch.actions), tf.mul(tf.sub(1, t), noise)) as tf.Tensor3D;
    const target = tf.sub(batch.actions, noise);
    const v = prior.velocity(prior.encode(batch.tokens, batch.goal), aTau, tauB);
    const perExample = tf.mean(tf.square(tf.sub(v, target)), [1, 2]);
    return tf.mean(weights ? tf.mul(perExample, tf.tensor1d(weights)) : perExample) as tf.Scalar;
  });
}

/** The flow times τ_k = k·Δτ, Δτ = 1/K, at which a K-step Euler sampler (sampleOde, sampleSde's chain) calls v. */
export function eulerTimes(steps: number): number[] {
  const dt = 1 / steps;
  return Array.from({ length: steps }, (_, k) => k * dt);
}

/** Deterministic Euler integration of da/dτ = v(a, τ) from a_0 (noise) at τ = 0 to τ = 1 in `steps` steps. */
export function sampleOde(velocity: VelocityFn, a0: tf.Tensor3D, steps: number): tf.Tensor3D {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`sampleOde: steps must be a positive integer, got ${steps}`);
  const dt = 1 / steps;
  const taus = eulerTimes(steps);
  return tf.tidy(() => {
    let a = a0;
    for (let k = 0; k < steps; k++) a = tf.add(a, tf.mul(velocity(a, taus[k]), dt));
    return a;
  });
}
