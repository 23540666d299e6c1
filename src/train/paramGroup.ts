// Parameter groups and the clipped gradient step every trainer here shares: gradients of a loss with respect to
// the variables of one or more groups, one global gradient-norm clip over all of them (torch's
// clip_grad_norm_, as CleanRL), then each group's own Adam at its own (annealed) learning rate.
import * as tf from '@tensorflow/tfjs';
import type { VariableMap } from '../nn/scope';
import { Adam } from './adam';

/** Added to the gradient norm before dividing (torch's clip_grad_norm_). */
const GRAD_NORM_EPS = 1e-6;

/**
 * Σ xs as a left fold of adds. Not tf.addN: the WebGPU backend runs addN as one shader with a storage buffer per
 * input and fails past the device's limit (8 on many adapters); on wasm and cpu this sums in addN's order.
 */
export function sumAll<T extends tf.Tensor>(xs: readonly T[]): T {
  return xs.reduce((sum, x) => tf.add(sum, x) as T);
}

/** Parameters trained together by one Adam at one learning rate. */
export interface ParamGroup {
  readonly name: string;
  readonly params: VariableMap;
  readonly optimizer: Adam;
  readonly baseLr: number;
}

export function paramGroup(name: string, params: VariableMap, baseLr: number): ParamGroup {
  if (!(baseLr > 0)) throw new Error(`${name}: learning rate must be positive, got ${baseLr}`);
  return { name, params, optimizer: new Adam(`adam-${name}`, params), baseLr };
}

/** Every parameter and optimizer-state variable of `groups`: what a rollback must restore. */
export function groupState(groups: readonly ParamGroup[]): tf.Variable[] {
  return groups.flatMap((g) => [...g.params.values(), ...g.optimizer.variables.values()]);
}

export interface ClippedGradients {
  loss: tf.Scalar;
  /** The global norm before clipping (read it to detect NaN/Inf before applying). */
  gradNorm: tf.Scalar;
  /** Clipped gradients, aligned with the groups' parameters in order. */
  grads: tf.Tensor[];
}

/** Gradients of `lossFn` for all of `groups`' parameters, scaled so their global norm is at most maxGradNorm. */
export function clippedGradients(lossFn: () => tf.Scalar, groups: readonly ParamGroup[], maxGradNorm: number): ClippedGradients {
  const variables = groups.flatMap((g) => [...g.params.values()]);
  return tf.tidy(() => {
    const { value: loss, grads } = tf.variableGrads(lossFn, variables);
    // A variable the loss does not reach (e.g. a group whose gain is 0) gets no gradient from tfjs.
    const gradList = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
    const gradNorm = tf.sqrt(sumAll(gradList.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    const clipCoef = tf.minimum(1, tf.div(maxGradNorm, tf.add(gradNorm, GRAD_NORM_EPS)));
    return { loss, gradNorm, grads: gradList.map((g) => tf.mul(g, clipCoef)) };
  });
}

/** Applies each group's slice of `grads` with its own Adam at baseLr·lrFraction, then frees `grads`. */
export function applyGroupGradients(groups: readonly ParamGroup[], grads: tf.Tensor[], lrFraction: number): void {
  let offset = 0;
  for (const g of groups) {
    const count = g.params.size;
    g.optimizer.apply(grads.slice(offset, offset + count), g.baseLr * lrFraction);
    offset += count;
  }
  tf.dispose(grads);
}
