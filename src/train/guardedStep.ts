// One optimiser step that refuses to learn from NaN/Inf (DESIGN §5): the loss and the global gradient norm
// are read back first, in one transfer; if either is not finite the update is skipped with a logged message,
// and if the weights themselves are no longer finite they (and the optimiser's moments) are restored to the
// last values known to give a finite loss and gradient. Otherwise the snapshot moves to the current weights and
// Adam applies the gradient. The gradient, its norm, the snapshot and the update all work on flat buffers
// (nn/flat.ts): a handful of kernels per step, not a few per parameter. `apply` takes a loss and gradient computed
// elsewhere: the data-parallel step (dataParallel.ts) sums its workers' parts and hands the sum to the same guard.
import * as tf from '@tensorflow/tfjs';
import { flatten } from '../nn/flat';
import type { VariableMap } from '../nn/scope';
import { Adam } from './adam';
import { WeightSnapshot } from './weightSnapshot';

/** torch.optim.Adam's default eps: the supervised stages are not PPO (which uses 1e-5). */
export const SUPERVISED_ADAM_EPS = 1e-8;

export interface StepResult {
  loss: number;
  /** Global L2 norm of the gradient (before the update). */
  gradNorm: number;
  /** False when the step was skipped for a non-finite loss or gradient. */
  applied: boolean;
}

/** A step's loss and its gradient, flattened in parameter order (nn/flat.ts). */
export type LossAndGradient = {
  loss: tf.Scalar;
  grads: tf.Tensor1D;
};

/** The loss `lossFn` builds from `variables`, and its gradient (the caller frees both). */
export function lossAndGradient(lossFn: () => tf.Scalar, variables: readonly tf.Variable[]): LossAndGradient {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossFn, [...variables]);
    // A variable the loss does not reach gets no gradient from tfjs.
    return { loss: value, grads: flatten(variables.map((v) => grads[v.name] ?? tf.zerosLike(v))) };
  });
}

export class GuardedStep {
  readonly optimizer: Adam;
  /** Steps skipped so far. */
  skipped = 0;
  private readonly varList: tf.Variable[];
  private lastGood: WeightSnapshot;
  private steps = 0;

  constructor(
    readonly name: string,
    params: VariableMap,
    private readonly log: (msg: string) => void,
    eps = SUPERVISED_ADAM_EPS,
  ) {
    this.optimizer = new Adam(`adam-${name}`, params, eps);
    this.varList = [...params.values()];
    this.lastGood = this.snapshot();
  }

  private snapshot(): WeightSnapshot {
    return new WeightSnapshot([...this.varList, ...this.optimizer.variables.values()]);
  }

  private async weightsFinite(): Promise<boolean> {
    const sum = tf.tidy(() => tf.sum(tf.abs(flatten(this.varList))));
    const [x] = await sum.data();
    sum.dispose();
    return Number.isFinite(x);
  }

  /** Minimises `lossFn` (a scalar built from the module's variables) by one Adam step at learning rate `lr`. */
  step(lossFn: () => tf.Scalar, lr: number): Promise<StepResult> {
    return this.apply(lossAndGradient(lossFn, this.varList), lr);
  }

  /** One Adam step from a loss and gradient computed elsewhere (e.g. summed over data-parallel workers); frees both. */
  async apply({ loss: lossValue, grads }: LossAndGradient, lr: number): Promise<StepResult> {
    const stats = tf.tidy(() => tf.stack([lossValue, tf.sqrt(tf.sum(tf.square(grads)))]));
    lossValue.dispose();
    const [loss, gradNorm] = await stats.data();
    stats.dispose();
    this.steps++;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      grads.dispose();
      this.skipped++;
      const what = `non-finite ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} at step ${this.steps}`;
      // A bad batch leaves the weights as they were; weights that are themselves corrupt go back to the snapshot.
      if (await this.weightsFinite()) {
        this.log(`${this.name}: ${what}; update skipped`);
      } else {
        this.lastGood.restore();
        this.log(`${this.name}: ${what}; update skipped, last good weights restored`);
      }
      return { loss, gradNorm, applied: false };
    }
    this.lastGood.dispose();
    this.lastGood = this.snapshot();
    this.optimizer.applyFlat(grads, lr);
    grads.dispose();
    return { loss, gradNorm, applied: true };
  }

  dispose(): void {
    this.lastGood.dispose();
    this.optimizer.dispose();
  }
}

/** Learning rate at iteration `iter` of `iters`: linear warm-up over `warmup` iterations, then cosine decay to 0. */
export function warmupCosineLr(baseLr: number, iter: number, iters: number, warmup: number): number {
  if (iter < warmup) return (baseLr * (iter + 1)) / warmup;
  const progress = (iter - warmup) / Math.max(1, iters - warmup);
  return 0.5 * baseLr * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}
