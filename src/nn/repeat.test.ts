import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { gaussianTensor } from './noise';
import { repeat } from './repeat';

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

describe('repeat', () => {
  it('gives tf.broadcastTo\'s values and gradients bit for bit, with one sum where Tile takes a slice and an add per row', async () => {
    const rng = new Rng(9);
    // the reflex's queries over a batch, and DSRL's entropy (a scalar) over a minibatch
    for (const [xShape, shape] of [[[2, 64], [256, 2, 64]], [[], [300]]] as number[][][]) {
      const x = gaussianTensor(rng, xShape);
      const probe = gaussianTensor(rng, shape);
      const loss = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(f(t), probe));
      const ours = loss((t) => repeat(t, shape));
      const theirs = loss((t) => tf.broadcastTo(t, shape));
      tf.tidy(() => {
        expect(Array.from(repeat(x, shape).dataSync())).toEqual(Array.from(tf.broadcastTo(x, shape).dataSync()));
        expect(Array.from(tf.grad(ours)(x).dataSync())).toEqual(Array.from(tf.grad(theirs)(x).dataSync()));
      });
      const kernels = async (f: (t: tf.Tensor) => tf.Scalar) => (await tf.profile(() => tf.tidy(() => void tf.grad(f)(x)))).kernels.length;
      expect(await kernels(ours as (t: tf.Tensor) => tf.Scalar)).toBeLessThan(20);
      expect(await kernels(theirs as (t: tf.Tensor) => tf.Scalar)).toBeGreaterThan(2 * shape[0]);
      tf.dispose([x, probe]);
    }
  });
});
