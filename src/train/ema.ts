// Exponential moving average of a module's weights, as Diffusion Policy keeps for its denoiser (diffusers'
// EMAModel): decay = min(MAX_DECAY, 1 − (1 + step / INV_GAMMA)^(−POWER)), so the average follows the weights
// closely early on and smooths over more and more steps later. The averaged weights are the ones evaluated and
// shipped: a flow/diffusion policy's samples are sensitive to the step-to-step noise of the last few updates.
import * as tf from '@tensorflow/tfjs';

const INV_GAMMA = 1;
const POWER = 0.75;
const MAX_DECAY = 0.9999;

export function emaDecay(step: number): number {
  return Math.max(0, Math.min(MAX_DECAY, 1 - Math.pow(1 + step / INV_GAMMA, -POWER)));
}

export class EmaWeights {
  private readonly pairs: [tf.Variable, tf.Variable][];
  private steps = 0;
  private swapped = false;

  constructor(variables: Iterable<tf.Variable>) {
    this.pairs = [...variables].map((v) => [v, tf.variable(v, false)]);
  }

  /** Folds the current weights into the average (call after each optimiser step). */
  update(): void {
    if (this.swapped) throw new Error('ema: update while the averaged weights are swapped in');
    const decay = emaDecay(this.steps++);
    tf.tidy(() => {
      for (const [v, avg] of this.pairs) avg.assign(tf.add(tf.mul(avg, decay), tf.mul(v, 1 - decay)));
    });
  }

  /** Exchanges the live and averaged weights (call again to exchange them back). */
  swap(): void {
    tf.tidy(() => {
      for (const [v, avg] of this.pairs) {
        const live = tf.clone(v);
        v.assign(avg);
        avg.assign(live);
      }
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
    for (const [, avg] of this.pairs) avg.dispose();
    this.pairs.length = 0;
  }
}
