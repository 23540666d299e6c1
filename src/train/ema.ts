// Exponential moving average of a module's weights, as Diffusion Policy keeps for its denoiser (diffusers'
// EMAModel): decay = min(MAX_DECAY, 1 − (1 + step / INV_GAMMA)^(−POWER)), so the average follows the weights
// closely early on and smooths over more and more steps later. The averaged weights are the ones evaluated and
// shipped: a flow/diffusion policy's samples are sensitive to the step-to-step noise of the last few updates.
// The average is one flat buffer (nn/flat.ts), so an update or a swap is a few kernels for all the weights.
import * as tf from '@tensorflow/tfjs';
import { flatten, unflatten } from '../nn/flat';

const INV_GAMMA = 1;
const POWER = 0.75;
const MAX_DECAY = 0.9999;

export function emaDecay(step: number): number {
  return Math.max(0, Math.min(MAX_DECAY, 1 - Math.pow(1 + step / INV_GAMMA, -POWER)));
}

export class EmaWeights {
  private readonly weights: tf.Variable[];
  private readonly shapes: number[][];
  /** The averaged weights, flattened in the order of `weights`. */
  private readonly average: tf.Variable<tf.Rank.R1>;
  private steps = 0;
  private swapped = false;

  constructor(variables: Iterable<tf.Variable>) {
    this.weights = [...variables];
    this.shapes = this.weights.map((v) => v.shape);
    this.average = tf.tidy(() => tf.variable(flatten(this.weights), false));
  }

  /** Folds the current weights into the average (call after each optimiser step). */
  update(): void {
    if (this.swapped) throw new Error('ema: update while the averaged weights are swapped in');
    const decay = emaDecay(this.steps++);
    tf.tidy(() => this.average.assign(tf.add(tf.mul(this.average, decay), tf.mul(flatten(this.weights), 1 - decay))));
  }

  /** Exchanges the live and averaged weights (call again to exchange them back). */
  swap(): void {
    tf.tidy(() => {
      const live = flatten(this.weights);
      unflatten(this.average, this.shapes).forEach((avg, i) => this.weights[i].assign(avg));
      this.average.assign(live);
    });
    this.swapped = !this.swapped;
  }

  /** Runs `f` with the averaged weights in the module, then puts the live ones back. */
  async withAverage<T>(f: () => Promise<T>): Promise<T> {
    this.swap();
    try {
      return await f();
    } finally {
      this.swap();
    }
  }

  dispose(): void {
    this.average.dispose();
  }
}
