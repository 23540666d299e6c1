// Parameter groups and the clipped gradient step every trainer here shares: gradients of a loss with respect to
// the variables of one or more groups, one global gradient-norm clip over all of them (torch's
// clip_grad_norm_, as CleanRL), then each group's own Adam at its own (annealed) learning rate. The gradients
// travel as one flat buffer (nn/flat.ts), so the norm, the clip and the update cost a few kernels in all.
import * as tf from '@tensorflow/tfjs';
import { flatten } from '../nn/flat';
import type { VariableMap } from '../nn/scope';
import { Adam } from './adam';

/** Added to the gradient norm before dividing (torch's clip_grad_norm_). */
const GRAD_NORM_EPS = 1e-6;

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
  /** Clipped gradients, flattened in the order of the groups' parameters. */
  grads: tf.Tensor1D;
}

/** Gradients of `lossFn` for all of `groups`' parameters, scaled so their global norm is at most maxGradNorm. */
export function clippedGradients(lossFn: () => tf.Scalar, groups: readonly ParamGroup[], maxGradNorm: number): ClippedGradients {
  const variables = groups.flatMap((g) => [...g.params.values()]);
  return tf.tidy(() => {
    const { value: loss, grads } = tf.variableGrads(lossFn, variables);
    // A variable the loss does not reach (e.g. a group whose gain is 0) gets no gradient from tfjs.
    const flat = flatten(variables.map((v) => grads[v.name] ?? tf.zerosLike(v)));
    const gradNorm = tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
    const clipCoef = tf.minimum(1, tf.div(maxGradNorm, tf.add(gradNorm, GRAD_NORM_EPS)));
    return { loss, gradNorm, grads: tf.mul(flat, clipCoef) as tf.Tensor1D };
  });
}

/** Applies each group's slice of the flat `grads` with its own Adam at baseLr·lrFraction, then frees `grads`. */
export function applyGroupGradients(groups: readonly ParamGroup[], grads: tf.Tensor1D, lrFraction: number): void {
  let offset = 0;
  for (const g of groups) {
    const size = g.optimizer.size;
    tf.tidy(() => g.optimizer.applyFlat(groups.length === 1 ? grads : tf.slice(grads, offset, size), g.baseLr * lrFraction));
    offset += size;
  }
  grads.dispose();
}
