// A small multilayer perceptron: Dense → activation → … → Dense (no activation on the output).
import * as tf from '@tensorflow/tfjs';
import { Dense } from './dense';
import { fusedKernel, runFused } from './fusedKernel';
import { orthogonal, type Init } from './init';
import type { Scope } from './scope';

export type Activation = 'silu' | 'tanh' | 'relu';

const SILU = 'SagrSilu';
const SILU_GRAD = 'SagrSiluGrad';

/** SiLU y = x·σ(x) as one fused kernel, [y, σ(x)]; dy/dx = σ + x·σ·(1 − σ) = σ + y − y·σ, from the saved y and σ. */
fusedKernel(SILU, (o, { x }) => {
  const s = o.sigmoid(x);
  return [o.mul(x, s), s];
});
fusedKernel(SILU_GRAD, (o, { dy, y, s }) => [o.mul(dy, o.sub(o.add(s, y), o.mul(y, s)))]);
tf.registerGradient({
  kernelName: SILU,
  outputsToSave: [true, true],
  gradFunc: (dys, [y, s]) => {
    const [dx] = runFused(SILU_GRAD, { dy: (dys as tf.Tensor[])[0], y, s });
    return { x: () => dx };
  },
});

function silu<T extends tf.Tensor>(x: T): T {
  const [y, s] = runFused(SILU, { x });
  s.dispose(); // the tape keeps its own clone
  return y as T;
}

export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case 'silu':
      return silu(x);
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

  /** The MLP of x, plus `residual` when given (added in the output layer's kernel). */
  apply<T extends tf.Tensor>(x: T, residual?: T): T {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((layer, i) => {
        const last = i + 1 === this.layers.length;
        h = layer.apply(h, last ? residual : undefined);
        if (!last) h = activate(h, this.activation);
      });
      return h;
    });
  }
}
