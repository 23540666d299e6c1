import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { Dense } from '../nn/dense';
import { Scope } from '../nn/scope';
import { measureProducts, productFlops } from './productShare';

describe('measureProducts', () => {
  it('counts 2·M·K·N per product, with transposes and batches', () => {
    expect(productFlops([3, 4], [4, 5], { transposeA: false, transposeB: false })).toBe(120);
    expect(productFlops([4, 3], [5, 4], { transposeA: true, transposeB: true })).toBe(120);
    expect(productFlops([7, 3, 4], [7, 4, 5], { transposeA: false, transposeB: false })).toBe(7 * 120);
  });

  it('sees the products inside the fused kernels, and only during the call', async () => {
    await useNodeBackend('wasm');
    patchWasmMatMul();
    const dense = new Dense(Scope.root('share', 1), 8, 16);
    const x = tf.ones([2, 5, 8]);
    const forward = async () => void (await dense.apply(x).data());
    const kernelBefore = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const share = await measureProducts(forward);
    expect(share.products).toBe(1);
    expect(share.gflop).toBeCloseTo((2 * 10 * 8 * 16) / 1e9, 15);
    expect(share.ms).toBeGreaterThan(0);
    // The gradient adds dx = dy·Wᵀ and dW = xᵀ·dy: two more products of the same size.
    const grads = await measureProducts(async () => {
      const g = tf.variableGrads(() => tf.sum(dense.apply(x)) as tf.Scalar, [dense.w]);
      await g.grads[dense.w.name].data();
      tf.dispose(g);
    });
    expect(grads.products).toBe(3);
    expect(grads.gflop).toBeCloseTo((3 * 2 * 10 * 8 * 16) / 1e9, 15);
    // Restored: the backend's own kernel is registered again.
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(kernelBefore);
    tf.dispose(x);
    dense.w.dispose();
    dense.b.dispose();
  });
});
