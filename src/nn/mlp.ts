// A small multilayer perceptron: Dense → activation → … → Dense (no activation on the output).
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp';
import { Dense } from './dense';
import { orthogonal, type Init } from './init';
import type { Scope } from './scope';

export type Activation = 'silu' | 'tanh' | 'relu';

/**
 * SiLU y = x·σ(x) as one custom-gradient op: dy/dx = σ + x·σ·(1 − σ) = σ + y·(1 − σ), from the saved σ and y
 * (4 backward kernels, against the product rule through a taped mul and sigmoid).
 */
const silu = customOp(([x]: [tf.Tensor], save) => {
  const s = tf.sigmoid(x);
  const y = tf.mul(x, s);
  save([s, y]);
  return { value: y, gradFunc: (dy, [sig, out]) => [tf.mul(dy, tf.add(sig, tf.mul(out, tf.sub(1, sig))))] };
});

export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case 'silu':
      return silu(x) as T;
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
  }
}

export class Mlp {
  readonly layers: Dense[];

  /** `sizes` = [in, hidden…, out]; layers are named layer0, layer1, …; the last one gets `outInit`. */
  constructor(
    scope: Scope,
    sizes: readonly number[],
    readonly activation: Activation,
    hiddenInit: Init,
    outInit: Init = orthogonal(1),
  ) {
    if (sizes.length < 2) throw new Error('Mlp: needs at least an input and an output size');
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const last = i + 2 === sizes.length;
      this.layers.push(new Dense(scope.child(`layer${i}`), sizes[i], sizes[i + 1], last ? outInit : hiddenInit));
    }
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((layer, i) => {
        h = layer.apply(h);
        if (i + 1 < this.layers.length) h = activate(h, this.activation);
      });
      return h;
    });
  }
}
