// Adam (Kingma & Ba 2015) written out over ONE flat buffer per moment: the gradients of all parameters are
// flattened into one vector (one kernel), the moments and the step are updated on whole vectors, and the new
// parameters are cut back to their shapes (one kernel), so a step launches about twenty kernels whatever the
// number of parameters (per-parameter updates cost 14 per parameter, ~1,400 for the prior).
// The whole state (moments and step count) is in tf.Variables named after the optimiser, so that it can be
// checkpointed with the modules (resume continues the same moments), snapshotted and rolled back with them
// after a NaN, and run at a new learning rate on every call (PPO's linear annealing). Same update as
// torch.optim.Adam, op for op as the per-parameter form did, so the numbers are the same:
// m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t), p ← p − lr · m̂ / (√v̂ + eps).
import * as tf from '@tensorflow/tfjs';
import type { Checkpointable, ModuleConfig } from '../nn/checkpoint';
import { flatten, unflatten } from '../nn/flat';
import type { VariableMap } from '../nn/scope';

/** CleanRL's PPO uses eps 1e-5 instead of torch's 1e-8. */
export const PPO_ADAM_EPS = 1e-5;
const BETA1 = 0.9;
const BETA2 = 0.999;

export class Adam implements Checkpointable {
  readonly config: ModuleConfig;
  /** `${name}/m`, `${name}/v` (flat, in the order of `params`) and `${name}/step`: what a checkpoint stores. */
  readonly variables: VariableMap = new Map();
  /** Number of parameter values, the length of the flat buffers. */
  readonly size: number;
  private readonly paramList: tf.Variable[];
  private readonly shapes: number[][];
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly step: tf.Variable;

  constructor(
    readonly name: string,
    readonly params: VariableMap,
    readonly eps = PPO_ADAM_EPS,
  ) {
    this.config = { eps, beta1: BETA1, beta2: BETA2 };
    this.paramList = [...params.values()];
    this.shapes = this.paramList.map((p) => p.shape);
    this.size = this.paramList.reduce((n, p) => n + p.size, 0);
    // tidy frees the initial zeros (a variable shares their data but does not own them).
    this.m = tf.tidy(() => tf.variable(tf.zeros([this.size]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([this.size]), false));
    this.step = tf.tidy(() => tf.variable(tf.scalar(0), false));
    this.variables.set(`${name}/m`, this.m);
    this.variables.set(`${name}/v`, this.v);
    this.variables.set(`${name}/step`, this.step);
  }

  /** One step; `grads` is aligned with `params` (in its iteration order). */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    if (grads.length !== this.paramList.length) throw new Error(`adam ${this.name}: ${grads.length} gradients for ${this.paramList.length} parameters`);
    tf.tidy(() => this.applyFlat(flatten(grads), lr));
  }

  /** One step from the gradient already flattened in parameter order (see nn/flat.ts). */
  applyFlat(g: tf.Tensor1D, lr: number): void {
    if (g.size !== this.size) throw new Error(`adam ${this.name}: a flat gradient of ${g.size} values for ${this.size} parameter values`);
    tf.tidy(() => {
      this.step.assign(tf.add(this.step, 1));
      const biasCorrection1 = tf.sub(1, tf.pow(BETA1, this.step));
      const biasCorrection2 = tf.sub(1, tf.pow(BETA2, this.step));
      this.m.assign(tf.add(tf.mul(this.m, BETA1), tf.mul(g, 1 - BETA1)));
      this.v.assign(tf.add(tf.mul(this.v, BETA2), tf.mul(tf.square(g), 1 - BETA2)));
      const mHat = tf.div(this.m, biasCorrection1);
      const vHat = tf.div(this.v, biasCorrection2);
      const updated = tf.sub(flatten(this.paramList), tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.eps)), lr)) as tf.Tensor1D;
      unflatten(updated, this.shapes).forEach((value, i) => this.paramList[i].assign(value));
    });
  }

  /**
   * Checkpoints written before the moments were flat hold one moment per parameter (`${name}/m/<param>`,
   * `${name}/v/<param>`): this returns the weights with those concatenated into the flat layout (new tensors,
   * which the caller frees), or `weights` itself when there is nothing to convert.
   */
  upgradeWeights(weights: tf.NamedTensorMap): tf.NamedTensorMap {
    const perParam = (moment: 'm' | 'v') => [...this.params.keys()].map((p) => weights[`${this.name}/${moment}/${p}`]);
    const [m, v] = [perParam('m'), perParam('v')];
    const fits = (t: tf.Tensor | undefined, i: number) => t !== undefined && t.size === this.paramList[i].size;
    if (weights[`${this.name}/m`] || !m.every(fits) || !v.every(fits)) return weights;
    const legacy = new Set([...this.params.keys()].flatMap((p) => [`${this.name}/m/${p}`, `${this.name}/v/${p}`]));
    const kept = Object.fromEntries(Object.entries(weights).filter(([name]) => !legacy.has(name)));
    return { ...kept, [`${this.name}/m`]: flatten(m), [`${this.name}/v`]: flatten(v) };
  }

  dispose(): void {
    for (const t of this.variables.values()) t.dispose();
    this.variables.clear();
  }
}
