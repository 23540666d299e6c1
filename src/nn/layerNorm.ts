// Layer normalisation over the last axis with a learned gain and bias, as one fused kernel with its backward
// pass written out:
//   x̂ = (x − mean(x)) / √(var(x) + ε),   y = x̂·gain + bias,
//   dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / √(var + ε) with dx̂ = dy·gain,   dgain = Σ dy·x̂,   dbias = Σ dy.
// Taped op by op, its 9 forward ops save ~12 clones and backpropagate through ~35 kernels; here the tape holds
// one node saving x̂ and 1/√(var + ε) (extra outputs of the kernel), and the backward pass is one kernel.
import * as tf from '@tensorflow/tfjs';
import { fusedKernel, runFused } from './fusedKernel';
import { ones, zeros } from './init';
import type { Scope } from './scope';

const EPS = 1e-5;
const LAYER_NORM = 'SagrLayerNorm';
const LAYER_NORM_GRAD = 'SagrLayerNormGrad';

/** [y, x̂, 1/√(var + ε)]; on wasm one pass per row over the heap, the same float32 steps. */
fusedKernel(
  LAYER_NORM,
  (o, { x, gain, bias }) => {
    const centred = o.sub(x, o.mean(x, -1, true));
    const variance = o.mean(o.square(centred), -1, true);
    const invStd = o.rsqrt(o.add(variance, o.scalar(EPS)));
    const normalised = o.mul(centred, invStd);
    return [o.add(o.mul(normalised, gain), bias), normalised, invStd];
  },
  {
    elements: ({ x }) => x.shape.reduce((n, d) => n * d, 1),
    body: (backend, { x, gain, bias }) => {
      const width = gain.shape[0];
      const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput(x.shape, 'float32'), backend.makeOutput([...x.shape.slice(0, -1), 1], 'float32')];
      // Views after every allocation: an allocation can grow the heap and detach older views.
      const [xs, g, b, y, xHat, inv] = [x, gain, bias, ...outs].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
      const f = Math.fround;
      for (let r = 0, at = 0; at < xs.length; r++, at += width) {
        let sum = 0;
        for (let i = at; i < at + width; i++) sum += xs[i];
        const mean = f(sum / width);
        let squares = 0;
        for (let i = at; i < at + width; i++) squares += f(xs[i] - mean) ** 2;
        inv[r] = f(1 / Math.sqrt(f(f(squares / width) + EPS)));
        for (let i = at; i < at + width; i++) {
          xHat[i] = f(xs[i] - mean) * inv[r];
          y[i] = f(xHat[i] * g[i - at]) + b[i - at];
        }
      }
      return outs;
    },
  },
);

/** [dx, dgain, dbias]. */
fusedKernel(LAYER_NORM_GRAD, (o, { dy, xHat, invStd, gain }) => {
  const width = gain.shape[0];
  const dxHat = o.mul(dy, gain);
  const dx = o.mul(o.sub(o.sub(dxHat, o.mean(dxHat, -1, true)), o.mul(xHat, o.mean(o.mul(dxHat, xHat), -1, true))), invStd);
  const sumRows = (t: tf.TensorInfo) => o.sum(o.reshape(t, [-1, width]), 0);
  return [dx, sumRows(o.mul(dy, xHat)), sumRows(dy)];
});

tf.registerGradient({
  kernelName: LAYER_NORM,
  inputsToSave: ['gain'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, [gain, xHat, invStd]) => {
    const [dx, dGain, dBias] = runFused(LAYER_NORM_GRAD, { dy: (dys as tf.Tensor[])[0], xHat, invStd, gain });
    return { x: () => dx, gain: () => dGain, bias: () => dBias };
  },
});

export class LayerNorm {
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;

  constructor(scope: Scope, width: number) {
    this.gain = scope.variable('gain', [width], ones);
    this.bias = scope.variable('bias', [width], zeros);
  }

  apply<T extends tf.Tensor>(x: T): T {
    const [y, ...saved] = runFused(LAYER_NORM, { x, gain: this.gain, bias: this.bias });
    tf.dispose(saved); // the tape keeps its own clones of x̂ and 1/√(var + ε)
    return y as T;
  }
}
