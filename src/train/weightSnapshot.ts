// A copy of some variables' values, to roll back to when an update produces NaN/Inf (DESIGN §5).
import * as tf from '@tensorflow/tfjs';

export class WeightSnapshot {
  private readonly saved: [tf.Variable, tf.Tensor][];

  constructor(variables: Iterable<tf.Variable>) {
    this.saved = [...variables].map((v) => [v, tf.clone(v)]);
  }

  /** Writes the saved values back (the snapshot stays valid for another restore). */
  restore(): void {
    for (const [v, value] of this.saved) v.assign(value);
  }

  dispose(): void {
    for (const [, value] of this.saved) value.dispose();
    this.saved.length = 0;
  }
}
