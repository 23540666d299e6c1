// The project's matrix product for the tfjs wasm backend: wasmSimd.ts's 128-bit SIMD loop `bmm`, in place on the
// backend's memory, on the calling thread:
//
//   C[g,i,:] = Σ_p A[g,i,p] · B[g,p,:]   (two rows of C × 16 columns in registers at a time)
//
// First for the many small products of attention ([B·heads, L, D/heads] with L ≈ 4–19): tfjs-wasm 4.22 sends only
// batch-1 products to XNNPACK, and a batched one runs a scalar loop at ≈ 1.5 GFLOP/s. It also beats XNNPACK on the
// training step's 2-D products (wasmMatMul.ts uses it there on one thread): XNNPACK packs its right operand on every
// call, and in training every operand is a new tensor. Each output is summed in order of p, as XNNPACK's and tfjs's
// loops do, so the numbers are the same bit for bit. A transposed left operand is read in place (a weight
// gradient Xᵀ·dY needs no transpose); a transposed right one is transposed first with the backend's Transpose kernel
// (cheap: memory-bound). Registered by patchWasmMatMul (wasmMatMul.ts) under BATCH_MATMUL_KERNEL, which
// nn/batchMatMul.ts dispatches to.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_MATMUL_KERNEL, batchMatMul, DENSE_PRODUCT_KERNEL } from '../nn/batchMatMul';
import { backendSimdKernels, heapOffset } from './wasmSimd';

/** Terms per part of a long sum: 128 rows of a 64-wide X and of dY fill 2 × 32 KiB, an L1 data cache's size
 * (a weight gradient [1216, 64]ᵀ·[1216, 128] ran at 42 GFLOP/s in parts of 128, 39 of 256, 34 in one call). */
const SUM_PART = 128;

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Swaps the last two axes of `x` with the backend's own Transpose kernel; the caller frees the result. */
export function transposeLastTwo(x: tf.TensorInfo, backend: tf.KernelBackend, transpose: tf.KernelFunc): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/** A product a·b (either transposed) of rank ≥ 2, or null where the SIMD loop does not apply. */
export type SimdMatMul = (a: tf.TensorInfo, b: tf.TensorInfo, attrs: MatMulAttrs) => tf.TensorInfo | null;

/**
 * The SIMD product on the backend's memory, for float32 operands with the same batch axes (tfjs's output shape:
 * [...batch, m, n]); null where the module cannot run. Broadcast batches and integers are left to the caller.
 */
export function simdMatMul(backend: BackendWasm, transposeKernel: tf.KernelFunc): SimdMatMul | null {
  const bmm = backendSimdKernels(backend)?.bmm;
  if (!bmm) return null;
  const offset = (t: tf.TensorInfo) => heapOffset(backend, t);
  return (a, b0, { transposeA, transposeB }) => {
    const rank = a.shape.length;
    const batchAxes = a.shape.slice(0, -2);
    const sameBatch = b0.shape.length === rank && batchAxes.every((d, i) => d === b0.shape[i]);
    if (rank < 2 || !sameBatch || a.dtype !== 'float32' || b0.dtype !== 'float32') return null;
    const batch = batchAxes.reduce((x, d) => x * d, 1);
    const [rows, cols] = a.shape.slice(-2);
    const [m, k] = transposeA ? [cols, rows] : [rows, cols];
    // A transposed is read in place; B transposed is transposed first.
    const b = transposeB ? transposeLastTwo(b0, backend, transposeKernel) : b0;
    const n = b.shape[rank - 1];
    const out = backend.makeOutput([...batchAxes, m, n], 'float32');
    const [aPtr, bPtr, cPtr] = [offset(a), offset(b), offset(out)];
    const [aRowStep, aStep] = transposeA ? [4, 4 * m] : [4 * k, 4];
    // A long sum (a weight gradient Xᵀ·dY over a batch's rows) goes in parts of SUM_PART terms, each adding to the
    // sums so far: a part's rows of A and B stay in the L1 cache while the loop reuses them, and every output is still
    // summed in order of p, the same float32 additions as one call.
    // (A batch's matrices are addressed by their whole k, so a batched product runs in one call; so does k = 0, which
    // stores zeros.)
    const part = batch === 1 && k > SUM_PART ? SUM_PART : k;
    let p = 0;
    do {
      bmm(aPtr + p * aStep, bPtr + 4 * p * n, cPtr, batch, m, Math.min(part, k - p), n, aRowStep, aStep, 0, 0, p > 0 ? 1 : 0);
      p += part;
    } while (p < k);
    if (transposeB) backend.disposeData(b.dataId);
    return out;
  };
}

/**
 * Registers BATCH_MATMUL_KERNEL for the wasm backend (and its gradient) on the SIMD product; false where the module
 * cannot run, in which case nn/batchMatMul.ts keeps using tf.matMul.
 */
export function registerWasmBatchMatMul(product: SimdMatMul | null): boolean {
  if (tf.getKernel(BATCH_MATMUL_KERNEL, 'wasm')) return true;
  if (!product) return false;
  tf.registerKernel({
    kernelName: BATCH_MATMUL_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      return product(a, b, attrs as unknown as MatMulAttrs)!;
    },
  });
  // The usual matMul gradients (tfjs's BatchMatMul gradient, same cases), through the same kernel.
  tf.registerGradient({
    kernelName: BATCH_MATMUL_KERNEL,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as tf.Tensor3D[];
      const d = dy as tf.Tensor3D;
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      if (!transposeA && !transposeB) return { a: () => batchMatMul(d, b, false, true), b: () => batchMatMul(a, d, true, false) };
      if (!transposeA && transposeB) return { a: () => batchMatMul(d, b, false, false), b: () => batchMatMul(d, a, true, false) };
      if (transposeA && !transposeB) return { a: () => batchMatMul(b, d, false, true), b: () => batchMatMul(a, d, false, false) };
      return { a: () => batchMatMul(b, d, true, true), b: () => batchMatMul(d, a, true, true) };
    },
  });
  return true;
}

/**
 * Registers DENSE_PRODUCT_KERNEL for the wasm backend: y = x·W + b (+ r) in one call of the SIMD product, the bias
 * and residual added as its sums are stored (the same roundings as the product, then the adds). Dense layers' forward
 * passes (nn/dense.ts) then make one wasm call, not a product and two broadcast adds. Only on one thread, as
 * BatchMatMul (wasmMatMul.ts); false where the module cannot run.
 */
export function registerWasmDenseProduct(backend: BackendWasm): boolean {
  if (tf.getKernel(DENSE_PRODUCT_KERNEL, 'wasm')) return true;
  const bmm = backendSimdKernels(backend)?.bmm;
  if (!bmm) return false;
  const offset = (t: tf.TensorInfo) => heapOffset(backend, t);
  tf.registerKernel({
    kernelName: DENSE_PRODUCT_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const { x, w, b, r } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo; r?: tf.TensorInfo };
      const [rows, k] = x.shape;
      const n = w.shape[1];
      const out = backend.makeOutput([rows, n], 'float32');
      bmm(offset(x), offset(w), offset(out), 1, rows, k, n, 4 * k, 4, offset(b), r ? offset(r) : 0, 0);
      return out;
    },
  });
  return true;
}
