import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { useNodeBackend } from './nodeBackend';
import { patchWasmMatMul } from './wasmMatMul';

/** Every transpose combination of plain, batched and fused products, and a gradient through them. */
function products(values: Float32Array[]): number[][] {
  return tf.tidy(() => {
    const a = tf.tensor3d(values[0], [2, 5, 3]);
    const b = tf.tensor3d(values[1], [2, 3, 4]);
    const w = tf.tensor2d(values[2], [3, 4]);
    const bias = tf.tensor1d(values[3]);
    const out: tf.Tensor[] = [
      tf.matMul(a, b),
      tf.matMul(tf.transpose(a, [0, 2, 1]), b, true, false),
      tf.matMul(a, tf.transpose(b, [0, 2, 1]), false, true),
      tf.matMul(tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1]), true, true),
      tf.fused.matMul({ a: tf.transpose(tf.reshape(a, [10, 3])), b: tf.transpose(w), transposeA: true, transposeB: true, bias, activation: 'relu' }),
    ];
    const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias }))))([tf.reshape(a, [10, 3]), w]);
    return [...out, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe('wasm matMul patch', () => {
  it('gives the cpu backend’s numbers for every transpose flag, fused or not, and for gradients', async () => {
    const rng = new Rng(1);
    const values = [30, 24, 12, 4].map((n) => {
      const v = new Float32Array(n);
      rng.fillNormal(v);
      return v;
    });
    await useNodeBackend('cpu');
    const reference = products(values);
    await useNodeBackend('wasm');
    patchWasmMatMul();
    patchWasmMatMul(); // idempotent
    const before = tf.memory().numTensors;
    const patched = products(values);
    expect(tf.memory().numTensors).toBe(before); // the explicit transposes are freed
    patched.forEach((p, i) => p.forEach((x, j) => expect(x).toBeCloseTo(reference[i][j], 4)));
  });
});
