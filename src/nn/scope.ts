// Named, seeded parameters. A Scope is a path like `prior/enc/block0/attn`; every variable created through it
// is registered under its full name (`prior/enc/block0/attn/wq/w`) in the module's VariableMap, which is what
// checkpoints store, and is initialised from a seed derived from the root seed and that name, so adding a
// layer never changes the initial values of the others.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../core/rng';
import { initValues, type Init } from './init';

/** Full name → variable, in creation order. */
export type VariableMap = Map<string, tf.Variable>;

export class Scope {
  private constructor(
    readonly path: string,
    private readonly rootSeed: number,
    readonly variables: VariableMap,
    private readonly constants: tf.Tensor[],
  ) {}

  /** A module's root scope, e.g. `Scope.root('prior', seed)`. */
  static root(name: string, seed: number): Scope {
    return new Scope(name, seed, new Map(), []);
  }

  child(name: string): Scope {
    return new Scope(`${this.path}/${name}`, this.rootSeed, this.variables, this.constants);
  }

  variable(name: string, shape: number[], init: Init): tf.Variable {
    const full = `${this.path}/${name}`;
    if (this.variables.has(full)) throw new Error(`variable "${full}" is created twice`);
    const initial = tf.tensor(initValues(shape, init, deriveSeed(this.rootSeed, full)), shape, 'float32');
    // No tfjs name: tfjs names are global, and two policies (or a test on two backends) must coexist.
    const v = tf.variable(initial, true);
    initial.dispose();
    this.variables.set(full, v);
    return v;
  }

  /** A non-trainable tensor the module owns (e.g. a one-hot table); kept out of any enclosing tidy. */
  constant(values: Float32Array, shape: number[]): tf.Tensor {
    const t = tf.keep(tf.tensor(values, shape, 'float32'));
    this.constants.push(t);
    return t;
  }

  /** Frees every variable and constant created through this scope tree. */
  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    for (const t of this.constants) t.dispose();
    this.variables.clear();
    this.constants.length = 0;
  }
}
