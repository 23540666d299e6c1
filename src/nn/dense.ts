// y = x·W + b (+ r, a residual stream) on the last axis, as one fused kernel with its backward pass written out:
//   dx = dy·Wᵀ,  dW = xᵀ·dy,  db = Σ_rows dy,  dr = dy.
// Inputs of any rank are flattened to 2-D rows inside: a differentiated matMul with broadcast batch dimensions
// has wrong gradients in tfjs (tensorflow/tfjs#8721), a 2-D one does not. On the tape this is one node saving x
// and W, instead of reshapes, a matMul and broadcast adds (and their saved clones and reshape-and-sum gradients).
import * as tf from '@tensorflow/tfjs';
import { DENSE_PRODUCT_KERNEL } from './batchMatMul';
import { fusedKernel, runFused } from './fusedKernel';
import { orthogonal, zeros, type Init } from './init';
import type { Scope } from './scope';

const DENSE = 'SagrDense';
const DENSE_GRAD = 'SagrDenseGrad';

fusedKernel(
  DENSE,
  (o, { x, w, b, r }) => {
    const [inDim, outDim] = w.shape;
    // One kernel on wasm (the product with b and r added as its sums are stored), else matMul + add (+ add); the
    // same roundings either way.
    const y = o.denseProduct(o.reshape(x, [-1, inDim]), w, b, r && o.reshape(r, [-1, outDim]));
    return [o.reshape(y, [...x.shape.slice(0, -1), outDim])];
  },
  // wasm, small tensors: the same kernels called directly on reshaped views (the general body's bookkeeping is most
  // of a small layer's time); without the one-call product, the backend's product and the adds in place.
  {
    elements: ({ x, w }) => (x.shape.reduce((n, d) => n * d, 1) / w.shape[0]) * w.shape[1],
    body: (backend, { x, w, b, r }) => {
      const [inDim, outDim] = w.shape;
      const count = x.shape.reduce((n, d) => n * d, 1) / inDim;
      const [rows, residualRows] = [{ ...x, shape: [count, inDim] }, r && { ...r, shape: [count, outDim] }];
      const oneCall = tf.getKernel(DENSE_PRODUCT_KERNEL, 'wasm');
      const y = (oneCall
        ? oneCall.kernelFunc({ inputs: residualRows ? { x: rows, w, b, r: residualRows } : { x: rows, w, b }, backend, attrs: {} })
        : tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc({ inputs: { a: rows, b: w }, backend, attrs: { transposeA: false, transposeB: false } })) as tf.TensorInfo;
      if (!oneCall) {
        const [out, bias, residual] = [y, b, r].map((t) => t && (backend.typedArrayFromHeap(t) as Float32Array));
        for (let i = 0; i < out.length; i++) out[i] += bias[i % outDim]; // each store rounds to float32, as the kernels do
        if (residual) for (let i = 0; i < out.length; i++) out[i] += residual[i];
      }
      return [{ ...y, shape: [...x.shape.slice(0, -1), outDim] }];
    },
  },
);

fusedKernel(DENSE_GRAD, (o, { dy, x, w }) => {
  const [inDim, outDim] = w.shape;
  const rows = o.reshape(x, [-1, inDim]);
  const dyRows = o.reshape(dy, [-1, outDim]);
  return [o.reshape(o.matMul(dyRows, w, false, true), x.shape), o.matMul(rows, dyRows, true, false), o.sum(dyRows, 0)];
});

tf.registerGradient({
  kernelName: DENSE,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, [x, w]) => {
    // One backward kernel gives all three gradients, computed here: the tape calls each input's thunk in a
    // tidy of its own, which would free the others' if the first thunk computed them.
    const [dx, dw, db] = runFused(DENSE_GRAD, { dy: dy as tf.Tensor, x, w });
    return { x: () => dx, w: () => dw, b: () => db, r: () => dy as tf.Tensor };
  },
});

/** x [..., in] · w [in, out] + b [out] (+ residual [..., out]), differentiable in all of them. */
export function dense<T extends tf.Tensor>(x: T, w: tf.Tensor, b: tf.Tensor, residual?: T): T {
  return runFused(DENSE, residual ? { x, w, b, r: residual } : { x, w, b })[0] as T;
}

export class Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable;

  constructor(
    scope: Scope,
    readonly inDim: number,
    readonly outDim: number,
    init: Init = orthogonal(1),
  ) {
    this.w = scope.variable('w', [inDim, outDim], init);
    this.b = scope.variable('b', [outDim], zeros);
  }

  /** x·W + b, plus `residual` when given (a pre-LN block's skip connection, in the same kernel). */
  apply<T extends tf.Tensor>(x: T, residual?: T): T {
    const shape = x.shape;
    if (shape[shape.length - 1] !== this.inDim) throw new Error(`Dense: expected last dimension ${this.inDim}, got [${shape.join(', ')}]`);
    return dense(x, this.w, this.b, residual);
  }
}
