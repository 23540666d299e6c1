// MeanFlow (Geng et al. 2025; MP1 uses it for a one-step robot policy): a network for the AVERAGE velocity
//
//   u(z_r, r, t) = (1 / (t − r)) ∫_r^t v(z_τ, τ) dτ        along the flow dz/dτ = v from z_r at τ = r,
//
// so that one evaluation jumps the whole interval: z_t = z_r + (t − r)·u(z_r, r, t). In this project's direction
// (flowPrior.ts: τ = 0 is noise, τ = 1 is data) the one-step chunk is
//
//   a = a_0 + u(a_0, 0, 1),        a_0 ~ N(0, I).
//
// (The paper runs time the other way, noise at t = 1, and writes z_r = z_t − (t − r)·u; the sign of the identity
// below flips with the direction.) Differentiating (t − r)·u(z_r, r, t) = ∫_r^t v with respect to the START r, with
// z_r moving along the flow and t held fixed, gives the MeanFlow identity
//
//   u(z_r, r, t) = v(z_r, r) + (t − r)·d/dr u(z_r, r, t),    d/dr u = v·∂_z u + ∂_r u,
//
// the total derivative being the directional derivative of u along (v, 1) in (z, r). The loss regresses u_θ on the
// right-hand side with a stop-gradient: ‖u_θ(z_r, r, t) − sg[v + (t − r)·(v·∂_z u_θ + ∂_r u_θ)]‖².
//
// tfjs has no forward-mode JVP, so the directional derivative is a FINITE DIFFERENCE, two extra forward passes
// with t fixed, central where it fits inside 0 ≤ r ≤ t (one-sided at r = 0 and r = t, see flowDerivative):
//
//   d/dr u ≈ [u(z + δ·v, r + δ, t) − u(z − δ·v, r − δ, t)] / (2δ)        (error O(δ²) plus float32 rounding / δ)
//
// which needs no gradient (the term is inside the stop-gradient anyway). As δ → 0 it converges to the JVP (tested
// against an analytic u). The stage uses δ = 0.02 on purpose (meanflowFdStep in src/core/config.ts): the K-step
// prior's velocity carries small fast wiggles in τ from its time embedding, which dominate the exact derivative
// (~9× the smooth one near τ = 0, measured) and made the bootstrapped target run away; δ = 0.02 differentiates the
// smooth part, which is what the average over an interval sees.
//
// MeanFlow's adaptive loss weighting: example i's squared error e_i gets the stop-gradient weight 1 / (e_i + c)^p
// (the paper's p = 1, c = 1e-3), so a few examples with a large target (near the data end the flow's acceleration
// is ~15× its velocity, measured) do not dominate the bootstrapped regression.
import * as tf from '@tensorflow/tfjs';
import { FlowPrior, sampleOde, type EncodedObs, type VelocityFn } from './flowPrior';

/** An average velocity with the interval's END t fixed: (z_r [B, H, A], r [B]) → u(z_r, r, t) [B, H, A]. */
export type AverageVelocityFromStart = (zR: tf.Tensor3D, r: tf.Tensor1D) => tf.Tensor3D;

/**
 * d/dr u(z_r, r, t) along the flow, the directional derivative of u along (v, 1) in (z, r), by a finite difference of
 * step δ that stays where u is defined, 0 ≤ r ≤ t: between r_lo = max(0, r − δ) and r_hi = min(t, r + δ) (central
 * inside, one-sided at the ends; an r − δ below 0 or an r + δ past t would ask u at an interval it was never trained
 * on, and (0, 1)'s target would drift with it), each point moved along the flow by (r_i − r)·v. Also u(z_r, r, t),
 * interpolated between the two. zR, v [B, H, A]; r, t [B] (numbers).
 */
export function flowDerivative(u: AverageVelocityFromStart, zR: tf.Tensor3D, r: Float32Array, t: Float32Array, v: tf.Tensor3D, delta: number): { derivative: tf.Tensor3D; value: tf.Tensor3D } {
  if (!(delta > 0 && Number.isFinite(delta))) throw new Error(`meanflowFdStep: ${delta} is not a positive finite number`);
  const lo = r.map((ri) => Math.max(0, ri - delta));
  // r = t = 0 has no room: a forward step (the target multiplies it by t − r = 0).
  const hi = r.map((ri, i) => (t[i] > lo[i] ? Math.min(t[i], ri + delta) : ri + delta));
  return tf.tidy(() => {
    const column = (x: Float32Array) => tf.tensor3d(x, [x.length, 1, 1]);
    const at = (ri: Float32Array) => u(tf.add(zR, tf.mul(column(ri.map((x, i) => x - r[i])), v)) as tf.Tensor3D, tf.tensor1d(ri));
    const [uLo, uHi] = [at(lo), at(hi)];
    const span = column(hi.map((x, i) => x - lo[i]));
    const derivative = tf.div(tf.sub(uHi, uLo), span) as tf.Tensor3D;
    const value = tf.add(uLo, tf.mul(column(r.map((x, i) => x - lo[i])), derivative)) as tf.Tensor3D;
    return { derivative, value };
  });
}

/** The MeanFlow regression target v + (t − r)·d/dr u (stop-gradient: the caller computes it outside any tape). h = t − r [B]. */
export function meanFlowTarget(v: tf.Tensor3D, h: tf.Tensor1D, dUdr: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => tf.add(v, tf.mul(tf.reshape(h, [-1, 1, 1]), dUdr)) as tf.Tensor3D);
}

/** u_θ(·, r, t) of a MeanFlow prior for one encoded batch, with t [B] fixed, as flowDerivative takes it. */
export function averageVelocityFromStart(prior: FlowPrior, encoded: EncodedObs, t: tf.Tensor1D): AverageVelocityFromStart {
  return (zR, r) => tf.tidy(() => prior.averageVelocity(encoded, zR, r, tf.sub(t, r) as tf.Tensor1D));
}

/**
 * The velocity the Euler sampler (sampleOde, sampleSde) takes for a MeanFlow prior over `steps` equal steps: at τ,
 * the average velocity over the step [τ, τ + 1/steps], so each Euler step is exact. steps = 1 is the one-step prior.
 */
export function meanFlowVelocityFn(prior: FlowPrior, encoded: EncodedObs, steps: number): VelocityFn {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`meanflow: steps must be a positive integer, got ${steps}`);
  return (aTau, tau) => prior.averageVelocity(encoded, aTau, tau, 1 / steps);
}

/** The one-step chunk a = a_0 + u(a_0, 0, 1): ONE network evaluation (after the observation encoding). */
export function meanFlowSample(prior: FlowPrior, encoded: EncodedObs, a0: tf.Tensor3D): tf.Tensor3D {
  return sampleOde(meanFlowVelocityFn(prior, encoded, 1), a0, 1);
}

/**
 * A MeanFlow prior that starts as `kStep` exactly: the same architecture and weights plus the interval embedding,
 * whose zero output layer makes u(z, r, t) = v(z, r) for every interval at initialisation.
 */
export function meanFlowFromPrior(kStep: FlowPrior, seed: number): FlowPrior {
  if (kStep.config.meanFlow) throw new Error('meanflow: the prior to start from is already a MeanFlow prior');
  const student = new FlowPrior({ ...kStep.config, meanFlow: true }, seed);
  for (const [name, weight] of kStep.variables) {
    const target = student.variables.get(name);
    if (!target) throw new Error(`meanflow: the MeanFlow prior has no weight ${name}`);
    target.assign(weight);
  }
  return student;
}

/** MeanFlow's adaptive weight of an example with squared error e (stop-gradient): 1 / (e + c)^p. */
export function adaptiveWeight(e: number, power: number, c = ADAPTIVE_WEIGHT_C): number {
  return 1 / Math.pow(e + c, power);
}
/** The paper's c in 1 / (e + c)^p. */
export const ADAPTIVE_WEIGHT_C = 1e-3;
