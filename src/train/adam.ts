// Adam (Kingma & Ba 2015) written out, with its whole state (moments and step count) in tf.Variables named
// after the parameters, so that it can be checkpointed with the modules (resume continues the same moments),
// snapshotted and rolled back with them after a NaN, and run at a new learning rate on every call (PPO's
// linear annealing). Same update as torch.optim.Adam: m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t),
// p ← p − lr · m̂ / (√v̂ + eps).
import * as tf from '@tensorflow/tfjs';
import type { Checkpointable, ModuleConfig } from '../nn/checkpoint';
import type { VariableMap } from '../nn/scope';

/** CleanRL's PPO uses eps 1e-5 instead of torch's 1e-8. */
export const PPO_ADAM_EPS = 1e-5;
const BETA1 = 0.9;
const BETA2 = 0.999;

export class Adam implements Checkpointable {
  readonly config: ModuleConfig;
  /** `${name}/m/<param>`, `${name}/v/<param>` and `${name}/step`: what a checkpoint stores. */
  readonly variables: VariableMap = new Map();
  private readonly m: tf.Variable[] = [];
  private readonly v: tf.Variable[] = [];
  private readonly step: tf.Variable;

  constructor(
    readonly name: string,
    readonly params: VariableMap,
    readonly eps = PPO_ADAM_EPS,
  ) {
    this.config = { eps, beta1: BETA1, beta2: BETA2 };
    for (const [paramName, p] of params) {
      // tidy frees the initial zeros (a variable shares their data but does not own them).
      const m = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      const v = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.m.push(m);
      this.v.push(v);
      this.variables.set(`${name}/m/${paramName}`, m);
      this.variables.set(`${name}/v/${paramName}`, v);
    }
    this.step = tf.tidy(() => tf.variable(tf.scalar(0), false));
    this.variables.set(`${name}/step`, this.step);
  }

  /** One step; `grads` is aligned with `params` (in its iteration order). */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    const params = [...this.params.values()];
    if (grads.length !== params.length) throw new Error(`adam ${this.name}: ${grads.length} gradients for ${params.length} parameters`);
    tf.tidy(() => {
      this.step.assign(tf.add(this.step, 1));
      const biasCorrection1 = tf.sub(1, tf.pow(BETA1, this.step));
      const biasCorrection2 = tf.sub(1, tf.pow(BETA2, this.step));
      params.forEach((p, i) => {
        const g = grads[i];
        this.m[i].assign(tf.add(tf.mul(this.m[i], BETA1), tf.mul(g, 1 - BETA1)));
        this.v[i].assign(tf.add(tf.mul(this.v[i], BETA2), tf.mul(tf.square(g), 1 - BETA2)));
        const mHat = tf.div(this.m[i], biasCorrection1);
        const vHat = tf.div(this.v[i], biasCorrection2);
        p.assign(tf.sub(p, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.eps)), lr)));
      });
    });
  }

  dispose(): void {
    for (const t of this.variables.values()) t.dispose();
    this.variables.clear();
  }
}
