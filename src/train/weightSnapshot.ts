// A copy of some variables' values, to roll back to when an update produces NaN/Inf (DESIGN §5). The copy is
// one flat buffer (nn/flat.ts): taking it and restoring it are one kernel each, whatever the number of variables.
import * as tf from '@tensorflow/tfjs';
import { assignFlat, flatten } from '../nn/flat';

export class WeightSnapshot {
  private readonly variables: tf.Variable[];
  private readonly saved: tf.Tensor1D;

  constructor(variables: Iterable<tf.Variable>) {
    this.variables = [...variables];
    this.saved = tf.keep(flatten(this.variables));
  }

  /** Writes the saved values back (the snapshot stays valid for another restore). */
  restore(): void {
    assignFlat(this.variables, this.saved);
  }

  dispose(): void {
    this.saved.dispose();
  }
}
