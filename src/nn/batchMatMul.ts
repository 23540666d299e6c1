// The batched product of attention, C[g] = op(A[g]) · op(B[g]) for rank-3 tensors with the same batch size.
// On the wasm backend, once src/engine/wasmMatMul.ts has registered its SIMD kernel, it runs there (≈ 5× the
// backend's own scalar loop for these small matrices); elsewhere it is tf.matMul. Both have gradients.
import * as tf from '@tensorflow/tfjs';

export const BATCH_MATMUL_KERNEL = 'SagrBatchMatMul';
/**
 * y = x·W + b (+ r) for 2-D x as one kernel, [rows, in]·[in, out] + [out] (+ [rows, out]), where a backend registers
 * it (wasm on one thread: src/engine/wasmBatchMatMul.ts); nn/fusedKernel.ts's BackendOps.denseProduct runs it, or else
 * the product and the adds as separate kernels, with the same roundings. It has no gradient of its own: the fused
 * Dense kernel (nn/dense.ts) that calls it has.
 */
export const DENSE_PRODUCT_KERNEL = 'SagrDenseProduct';

export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  if (a.shape[0] !== b.shape[0]) throw new Error(`batchMatMul: batch sizes ${a.shape[0]} and ${b.shape[0]} differ`);
  if (!tf.getKernel(BATCH_MATMUL_KERNEL, tf.getBackend())) return tf.matMul(a, b, transposeA, transposeB);
  const inner = [transposeA ? a.shape[1] : a.shape[2], transposeB ? b.shape[2] : b.shape[1]];
  if (inner[0] !== inner[1]) throw new Error(`batchMatMul: inner sizes ${inner[0]} and ${inner[1]} differ ([${a.shape}] · [${b.shape}])`);
  return tf.engine().runKernel(BATCH_MATMUL_KERNEL, { a, b }, { transposeA, transposeB }) as tf.Tensor3D;
}
