// REFERENCE ONLY: the optimiser step as it was before issue 16, kept so that `sagr bench` can time the old path
// beside the new one in one process and the tests can check that the new path computes the same numbers.
// Nothing in training uses it. Per parameter: Adam's 14 kernels, and a guard that clones every parameter and
// moment (~300 Identity kernels) before each update.
import * as tf from '@tensorflow/tfjs';
import type { VariableMap } from '../nn/scope';

const BETA1 = 0.9;
const BETA2 = 0.999;

/** Σ xs as a left fold of adds (the old gradient-norm sum). */
const sumAll = (xs: readonly tf.Tensor[]) => xs.reduce((sum, x) => tf.add(sum, x));

/** The old Adam: moments in one variable per parameter, updated one parameter at a time. */
export class ReferenceAdam {
  readonly variables: VariableMap = new Map();
  private readonly m: tf.Variable[] = [];
  private readonly v: tf.Variable[] = [];
  private readonly step: tf.Variable;

  constructor(
    readonly name: string,
    readonly params: VariableMap,
    readonly eps: number,
  ) {
    for (const [paramName, p] of params) {
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

  apply(grads: readonly tf.Tensor[], lr: number): void {
    const params = [...this.params.values()];
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

/** The old guarded step: per-tensor gradient-norm sums, and a clone of every parameter and moment per update. */
export class ReferenceGuardedStep {
  readonly optimizer: ReferenceAdam;
  private readonly varList: tf.Variable[];
  private lastGood: tf.Tensor[];

  constructor(params: VariableMap, eps: number) {
    this.optimizer = new ReferenceAdam('adam-reference', params, eps);
    this.varList = [...params.values()];
    this.lastGood = this.snapshot();
  }

  private snapshot(): tf.Tensor[] {
    return [...this.varList, ...this.optimizer.variables.values()].map((v) => tf.clone(v));
  }

  /** One step; returns [loss, gradNorm]. (The old rollback path is not needed to time or compare a finite step.) */
  async step(lossFn: () => tf.Scalar, lr: number): Promise<[number, number]> {
    const { grads, stats } = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, this.varList);
      const gradList = this.varList.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const gradNorm = tf.sqrt(sumAll(gradList.map((g) => tf.sum(tf.square(g)))));
      return { grads: gradList, stats: tf.stack([value, gradNorm]) };
    });
    const [loss, gradNorm] = await stats.data();
    stats.dispose();
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error('reference step: non-finite loss or gradient');
    tf.dispose(this.lastGood);
    this.lastGood = this.snapshot();
    this.optimizer.apply(grads, lr);
    tf.dispose(grads);
    return [loss, gradNorm];
  }

  dispose(): void {
    tf.dispose(this.lastGood);
    this.optimizer.dispose();
  }
}
