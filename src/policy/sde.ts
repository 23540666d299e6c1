// The SA-GR action sampler: Euler–Maruyama over flow time τ ∈ [0, 1] for
//
//     da = [ v_θ(a, s, τ) + g_b·b_ψ(Δz, s) + g_η·η_φ(s) ] dτ + σ(τ) dW.
//
// b and η are per-control-step corrections [B, A], broadcast over the H chunk steps and constant in τ, so over
// K steps of Δτ = 1/K they contribute exactly g_b·b + g_η·η to every element of the final chunk.
// Step k (τ_k = k/K):  a_{k+1} = a_k + [v(a_k, τ_k) + m]·Δτ + σ(τ_k)·√Δτ·ε_k,  m = g_b·b + g_η·η.
// The noise is added plainly (ReinFlow/DPPO), not with Flow-GRPO's marginal-preserving drift correction: for
// σ > 0 the chain's final distribution is a widened version of the prior's, not the prior's own marginal.
// Every step is Gaussian given a_k, so the chain has an exact log-probability: Σ_k Σ_{H,A} log N(a_{k+1};
// a_k + [v + m]·Δτ, s_k²) with s_k = max(σ(τ_k), σ_floor)·√Δτ (the floor keeps PPO's ratios finite at σ = 0).
//
// The prior is frozen during PPO, so each chain is stored as its residuals r_k = a_{k+1} − a_k − v(a_k, τ_k)·Δτ
// [B, K, H, A]; the log-probability under NEW reflex/strategy outputs is then Σ log N(r_k; m·Δτ, s_k²)
// (`chainLogProb`), differentiable and with no prior forward pass.
//
// ReinFlow (a baseline, `train --stage reinflow`): a learned, state-dependent noise scale σ_k(s) [B, K, A]
// (`stepStd`, from a noise-rate strategy) replaces σ(τ_k) in every chain step, a_{k+1} = a_k + v(a_k, τ_k)·Δτ +
// σ_k(s)·√Δτ·ε_k (the √Δτ keeps σ's meaning at any K, as σ(τ) here). Since PPO then fine-tunes v_θ, the chain is
// stored whole (`chain`, a_0 … a_K) and its likelihood recomputed from new v_θ and σ_k (reinflowStepLogProbs).
//
// Terminal mode (the simplified method and an ablation): a = ODE prior sample (σ = 0, same K) + m + σ_max·ε,
// one Gaussian with std max(σ_max, σ_floor); residual r = a − prior sample [B, 1, H, A].
//
// Random draws come from a NoiseSource, in order: a_0 (B·H·A normals), then ε_k for each chain step whose σ(τ_k)
// is not 0 (chain) or the single ε when σ_max is not 0 (terminal), each B·H·A normals. A shared source
// (`sharedNoise`, or a plain Rng) fills them row-major from one stream: same Rng state → same a_0 as the ODE sample
// in flowPrior.ts. A per-row source (`rowNoise`) gives row b its own stream, so an env's actions do not depend on
// which other envs share the batch (the closed loop gives each env one stream per episode). A σ = 0 step draws
// nothing, so the deterministic sample is exactly the prior's ODE from a_0.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { Rng } from '../core/rng';
import { gaussianTensor } from '../nn/noise';
import { eulerTimes, sampleOde, type VelocityFn } from './flowPrior';

export type SdeParams = Pick<Config, 'sdeSteps' | 'sdeMode' | 'sigmaSchedule' | 'sigmaMax' | 'sigmaMin' | 'sigmaFloor' | 'reflexGain' | 'strategyGain'>;

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** σ(τ): constant σ_max; linear σ_max → σ_min; cosine σ_min + (σ_max − σ_min)·(1 + cos πτ)/2. */
export function sigmaAt(tau: number, p: SdeParams): number {
  switch (p.sigmaSchedule) {
    case 'constant':
      return p.sigmaMax;
    case 'linear':
      return p.sigmaMax + (p.sigmaMin - p.sigmaMax) * tau;
    case 'cosine':
      return p.sigmaMin + (p.sigmaMax - p.sigmaMin) * 0.5 * (1 + Math.cos(Math.PI * tau));
    default:
      throw new Error(`sigmaSchedule: "${p.sigmaSchedule}" is not one of constant, linear, cosine`);
  }
}

/** True when σ(τ) is 0 at every step the sampler takes, i.e. the sample is the prior's ODE. */
export function isDeterministic(p: SdeParams): boolean {
  if (p.sdeMode === 'terminal') return p.sigmaMax === 0;
  return Array.from({ length: p.sdeSteps }, (_, k) => sigmaAt(k / p.sdeSteps, p)).every((s) => s === 0);
}

/**
 * The Gaussians of the stored steps: residual r_k ~ N(meanScale·m, std_k²). Chain: one per Euler step,
 * meanScale = Δτ, std_k = max(σ(τ_k), σ_floor)·√Δτ. Terminal: one step, meanScale = 1, std = max(σ_max, σ_floor).
 */
export function stepGaussians(p: SdeParams): { meanScale: number; stds: number[] } {
  const k = p.sdeSteps;
  if (!Number.isInteger(k) || k < 1) throw new Error(`sdeSteps: must be a positive integer, got ${k}`);
  if (p.sdeMode !== 'chain' && p.sdeMode !== 'terminal') throw new Error(`sdeMode: "${p.sdeMode}" is not one of chain, terminal`);
  if (p.sdeMode === 'terminal') return { meanScale: 1, stds: [Math.max(p.sigmaMax, p.sigmaFloor)] };
  const dt = 1 / k;
  return { meanScale: dt, stds: eulerTimes(k).map((tau) => Math.max(sigmaAt(tau, p), p.sigmaFloor) * Math.sqrt(dt)) };
}

export type SdeSample = {
  /** The final action chunk a_K [B, H, A]. */
  action: tf.Tensor3D;
  /**
   * How the final chunk was built: action = initial + prior + reflex + strategy + noise, each [B, H, A]
   * (initial = a_0; the others are each term's increments summed over the K steps).
   */
  contributions: { initial: tf.Tensor3D; prior: tf.Tensor3D; reflex: tf.Tensor3D; strategy: tf.Tensor3D; noise: tf.Tensor3D };
  /** Stored for PPO: [B, K, H, A] (chain) or [B, 1, H, A] (terminal). */
  residuals: tf.Tensor4D;
  /** log π(chain) [B], summed over steps, H and A. */
  logProb: tf.Tensor1D;
  /** With a learned noise scale (ReinFlow) only: the chain a_0 … a_K [B, K+1, H, A] and each step's mean [B, K, H, A]. */
  chain?: tf.Tensor4D;
  means?: tf.Tensor4D;
};

/** log N(x; mean, std²) per element; std a number or a tensor that broadcasts. */
function gaussianLogDensityElements(x: tf.Tensor, mean: tf.Tensor, std: number | tf.Tensor): tf.Tensor {
  const z = tf.div(tf.sub(x, mean), std);
  return tf.sub(tf.mul(tf.square(z), -0.5), typeof std === 'number' ? Math.log(std) + HALF_LOG_2PI : tf.add(tf.log(std), HALF_LOG_2PI));
}

/** Σ over H and A of log N(x; mean, std²) for chunks [B, H, A]. */
function gaussianLogDensity(x: tf.Tensor3D, mean: tf.Tensor3D, std: number | tf.Tensor): tf.Tensor1D {
  return tf.sum(gaussianLogDensityElements(x, mean, std), [1, 2]) as tf.Tensor1D;
}

export interface SdeInputs {
  /** The frozen prior's velocity field for this control step's encoded observation (FlowPrior.velocityFn). */
  prior: VelocityFn;
  /** H, the chunk length. */
  horizon: number;
  /** b_ψ(Δz, s) [B, A]. */
  reflex: tf.Tensor2D;
  /** η_φ(s) [B, A]. */
  strategy: tf.Tensor2D;
  /** ReinFlow: the learned noise scale σ_k(s) [B, K, A], used in place of σ(τ_k) (chain mode only). */
  stepStd?: tf.Tensor3D;
}

/** Standard normals of shape [B, H, A] for the sampler. */
export type NoiseSource = (shape: [number, number, number]) => tf.Tensor3D;

/** Row-major draws from one stream. */
export function sharedNoise(rng: Rng): NoiseSource {
  return (shape) => gaussianTensor<tf.Rank.R3>(rng, shape);
}

/** Row b drawn from rngs[b]: each row's numbers depend on its own stream only. */
export function rowNoise(rngs: readonly Rng[]): NoiseSource {
  return ([b, h, a]) => {
    if (rngs.length !== b) throw new Error(`rowNoise: ${rngs.length} streams for ${b} rows`);
    const values = new Float32Array(b * h * a);
    rngs.forEach((rng, i) => rng.fillNormal(values.subarray(i * h * a, (i + 1) * h * a)));
    return tf.tensor3d(values, [b, h, a]);
  };
}

/** Samples an action chunk (chain or terminal mode per `p.sdeMode`). Free the result with tf.dispose. */
export function sampleSde({ prior, horizon, reflex, strategy, stepStd }: SdeInputs, p: SdeParams, noiseOrRng: NoiseSource | Rng): SdeSample {
  const normals = noiseOrRng instanceof Rng ? sharedNoise(noiseOrRng) : noiseOrRng;
  const { meanScale, stds } = stepGaussians(p);
  const [b, a] = reflex.shape;
  if (strategy.shape[0] !== b || strategy.shape[1] !== a) throw new Error(`sde: strategy shape [${strategy.shape.join(', ')}] differs from reflex [${b}, ${a}]`);
  if (stepStd && (p.sdeMode !== 'chain' || stepStd.shape.join() !== [b, p.sdeSteps, a].join())) {
    throw new Error(`sde: a learned noise scale needs chain mode and shape [${b}, ${p.sdeSteps}, ${a}], got ${p.sdeMode} and [${stepStd.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const reflexDrift = tf.reshape(tf.mul(reflex, p.reflexGain), [b, 1, a]);
    const strategyDrift = tf.reshape(tf.mul(strategy, p.strategyGain), [b, 1, a]);
    const correction = tf.add(reflexDrift, strategyDrift);
    const shape: [number, number, number] = [b, horizon, a];
    const initial = normals(shape);

    if (p.sdeMode === 'terminal') {
      const std = stds[0];
      const priorSample = sampleOde(prior, initial, p.sdeSteps);
      const noise = p.sigmaMax === 0 ? tf.zeros(shape) : tf.mul(normals(shape), p.sigmaMax);
      const mean = tf.add(priorSample, correction) as tf.Tensor3D;
      const action = tf.add(mean, noise) as tf.Tensor3D;
      const contributions = {
        initial,
        prior: tf.sub(priorSample, initial) as tf.Tensor3D,
        reflex: tf.broadcastTo(reflexDrift, shape) as tf.Tensor3D,
        strategy: tf.broadcastTo(strategyDrift, shape) as tf.Tensor3D,
        noise: noise as tf.Tensor3D,
      };
      const residuals = tf.reshape(tf.sub(action, priorSample), [b, 1, horizon, a]) as tf.Tensor4D;
      return { action, contributions, residuals, logProb: gaussianLogDensity(action, mean, std) };
    }

    const dt = meanScale;
    const taus = eulerTimes(p.sdeSteps);
    let action: tf.Tensor3D = initial;
    let priorSum: tf.Tensor = tf.zeros(shape);
    let noiseSum: tf.Tensor = tf.zeros(shape);
    let logProb: tf.Tensor = tf.zeros([b]);
    const residuals: tf.Tensor[] = [];
    const [chain, means]: tf.Tensor[][] = [[initial], []];
    for (let k = 0; k < p.sdeSteps; k++) {
      const priorStep = tf.mul(prior(action, taus[k]), dt);
      const mean = tf.add(tf.add(action, priorStep), tf.mul(correction, dt)) as tf.Tensor3D;
      const sigma = sigmaAt(taus[k], p);
      // ReinFlow's learned σ_k(s) [B, 1, A] over the H chunk steps, else the schedule's σ(τ_k).
      const std = stepStd ? tf.mul(tf.slice(stepStd, [0, k, 0], [b, 1, a]), Math.sqrt(dt)) : stds[k];
      const noiseStep = stepStd ? tf.mul(normals(shape), std) : sigma === 0 ? tf.zeros(shape) : tf.mul(normals(shape), sigma * Math.sqrt(dt));
      const next = (!stepStd && sigma === 0 ? mean : tf.add(mean, noiseStep)) as tf.Tensor3D;
      logProb = tf.add(logProb, gaussianLogDensity(next, mean, std));
      residuals.push(tf.sub(tf.sub(next, action), priorStep));
      chain.push(next);
      means.push(mean);
      priorSum = tf.add(priorSum, priorStep);
      noiseSum = tf.add(noiseSum, noiseStep);
      action = next;
    }
    const contributions = {
      initial,
      prior: priorSum as tf.Tensor3D,
      // Σ_k c·Δτ = c, since K·Δτ = 1.
      reflex: tf.broadcastTo(reflexDrift, shape) as tf.Tensor3D,
      strategy: tf.broadcastTo(strategyDrift, shape) as tf.Tensor3D,
      noise: noiseSum as tf.Tensor3D,
    };
    const learned = stepStd ? { chain: tf.stack(chain, 1) as tf.Tensor4D, means: tf.stack(means, 1) as tf.Tensor4D } : {};
    return { action, contributions, residuals: tf.stack(residuals, 1) as tf.Tensor4D, logProb: logProb as tf.Tensor1D, ...learned };
  });
}

/**
 * ReinFlow: the step means of stored chains [B, K+1, H, A] under a (possibly fine-tuned) velocity field,
 * μ_k = a_k + v(a_k, τ_k)·Δτ [B, K, H, A], by the sampler's own ops.
 */
export function chainMeans(velocity: VelocityFn, chain: tf.Tensor4D): tf.Tensor4D {
  const [b, k1, h, a] = chain.shape;
  const dt = 1 / (k1 - 1);
  const taus = eulerTimes(k1 - 1);
  return tf.tidy(() => {
    const states = tf.unstack(chain, 1) as tf.Tensor3D[];
    const means = states.slice(0, -1).map((ak, k) => tf.add(ak, tf.mul(velocity(tf.reshape(ak, [b, h, a]) as tf.Tensor3D, taus[k]), dt)));
    return tf.stack(means, 1) as tf.Tensor4D;
  });
}

/**
 * ReinFlow's log π per chunk step [B, H]: Σ_k Σ_A log N(a_{k+1}; μ_k, (σ_k·√Δτ)²), divided by K·A·n (the paper's
 * normalisation per denoising step and action dimension, n the executed chunk steps that the caller sums over),
 * so a transition's log π is a mean per element and PPO's tight clip reads the same at any K, A or n.
 * chain [B, K+1, H, A], means [B, K, H, A] (chainMeans, or the sampler's), stepStd σ_k(s) [B, K, A].
 */
export function reinflowStepLogProbs(chain: tf.Tensor4D, means: tf.Tensor4D, stepStd: tf.Tensor3D, n: number): tf.Tensor2D {
  const [b, k1, , a] = chain.shape;
  const k = k1 - 1;
  if (means.shape[1] !== k || stepStd.shape[1] !== k) throw new Error(`reinflowStepLogProbs: a chain of ${k} steps, ${means.shape[1]} means and ${stepStd.shape[1]} noise scales`);
  return tf.tidy(() => {
    const std = tf.mul(tf.reshape(stepStd, [b, k, 1, a]), Math.sqrt(1 / k));
    const perElement = gaussianLogDensityElements(tf.slice(chain, [0, 1, 0, 0], [b, k, -1, a]), means, std);
    return tf.div(tf.sum(perElement, [1, 3]), k * a * n) as tf.Tensor2D;
  });
}

/** The geometric mean of σ_k(s) behind a mean reinflowEntropy (its inverse): exp(H − ½ log 2πe)/√Δτ. */
export function reinflowSigma(entropy: number, sdeSteps: number): number {
  return Math.exp(entropy - HALF_LOG_2PI - 0.5) * Math.sqrt(sdeSteps);
}

/** ReinFlow's entropy per row [B]: the per-step Gaussians' mean over steps and dimensions, log(σ_k·√Δτ) + ½ log 2πe. */
export function reinflowEntropy(stepStd: tf.Tensor3D): tf.Tensor1D {
  const k = stepStd.shape[1];
  return tf.tidy(() => tf.add(tf.mean(tf.log(tf.mul(stepStd, Math.sqrt(1 / k))), [1, 2]), HALF_LOG_2PI + 0.5) as tf.Tensor1D);
}

/**
 * log π of stored chains under (possibly new) reflex b and strategy η [B, A], per chunk step: Σ_k Σ_A
 * log N(r_k; m·meanScale, std_k²) with m = g_b·b + g_η·η (see stepGaussians). residuals: SdeSample.residuals
 * [B, K', H, A]. Differentiable in b and η; `p` must be the sampling-time parameters. Returns [B, H], so a caller
 * can count only the chunk steps that were executed (DPPO's act_steps).
 */
export function chainStepLogProbs(residuals: tf.Tensor4D, reflex: tf.Tensor2D, strategy: tf.Tensor2D, p: SdeParams): tf.Tensor2D {
  const { meanScale, stds } = stepGaussians(p);
  const [b, k, , a] = residuals.shape;
  if (k !== stds.length) throw new Error(`chainLogProb: residuals have ${k} steps, ${p.sdeMode} mode with sdeSteps=${p.sdeSteps} expects ${stds.length}`);
  return tf.tidy(() => {
    const mean = tf.reshape(tf.mul(tf.add(tf.mul(reflex, p.reflexGain), tf.mul(strategy, p.strategyGain)), meanScale), [b, 1, 1, a]);
    const std = tf.tensor4d(stds, [1, k, 1, 1]);
    const z = tf.div(tf.sub(residuals, mean), std);
    const perElement = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(tf.log(std), HALF_LOG_2PI));
    return tf.sum(perElement, [1, 3]) as tf.Tensor2D;
  });
}

/** log π of whole stored chains (every chunk step): chainStepLogProbs summed over H. Returns [B]. */
export function chainLogProb(residuals: tf.Tensor4D, reflex: tf.Tensor2D, strategy: tf.Tensor2D, p: SdeParams): tf.Tensor1D {
  return tf.tidy(() => tf.sum(chainStepLogProbs(residuals, reflex, strategy, p), 1) as tf.Tensor1D);
}
