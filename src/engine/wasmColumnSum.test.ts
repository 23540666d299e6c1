import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { gaussianTensor } from '../nn/noise';
import { useNodeBackend } from './nodeBackend';
import { leadingAxes } from './wasmColumnSum';
import { patchWasmMatMul } from './wasmMatMul';

beforeAll(async () => {
  await useNodeBackend('wasm');
  expect(patchWasmMatMul().simdLoops).toBe(true);
});

/** Σ over the first `leading` axes of x, in float32 and in row order, as tfjs-wasm's own loop sums. */
function rowOrderSum(x: Float32Array, rows: number): Float32Array {
  const cols = x.length / rows;
  const out = new Float32Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j] = Math.fround(out[j] + x[r * cols + j]);
  return out;
}

describe('SIMD column sum in front of the wasm Sum', () => {
  it('reads which leading axes a Sum reduces', () => {
    expect(leadingAxes([256, 64], 0)).toBe(1);
    expect(leadingAxes([3, 4, 5], [1, 0])).toBe(2);
    expect(leadingAxes([3, 4, 5], [-3])).toBe(1);
    expect(leadingAxes([3, 4, 5], [0, 2])).toBe(0); // not leading: tfjs's kernel
    expect(leadingAxes([3, 4, 5], -1)).toBe(0);
    expect(leadingAxes([3, 4], [0, 1])).toBe(0); // every axis: tfjs's kernel
    expect(leadingAxes([3, 4], null)).toBe(0);
  });

  it('gives the row-order float32 sums bit for bit, with tfjs\'s shapes, for every column tail', () => {
    const rng = new Rng(4);
    // [shape, axis, keepDims]: a bias gradient's shapes, column counts with tails of 4s and of 1–3, rank 3 and 4
    const cases: [number[], number | number[], boolean][] = [[[256, 64], 0, false], [[1216, 192], 0, false], [[7, 37], 0, true], [[5, 3, 19], [0, 1], false], [[2, 3, 4, 5], [-4], true], [[1, 1], 0, false], [[0, 6], 0, false]];
    for (const [shape, axis, keepDims] of cases) {
      tf.tidy(() => {
        const x = gaussianTensor(rng, shape);
        const ours = tf.sum(x, axis, keepDims);
        const leading = leadingAxes(shape, axis);
        expect(ours.shape).toEqual(keepDims ? shape.map((d, i) => (i < leading ? 1 : d)) : shape.slice(leading));
        const rows = shape.slice(0, leading).reduce((n, d) => n * d, 1);
        expect(Array.from(ours.dataSync()), JSON.stringify(shape)).toEqual(Array.from(rows === 0 ? new Float32Array(ours.size) : rowOrderSum(x.dataSync() as Float32Array, rows)));
      });
    }
  });

  it('leaves other sums to tfjs: trailing axes, all axes and integers', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      expect(Array.from(tf.sum(x, -1).dataSync())).toEqual([6, 15]);
      expect(Array.from(tf.sum(x).dataSync())).toEqual([21]);
      const ints = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
      const s = tf.sum(ints, 0);
      expect(s.dtype).toBe('int32');
      expect(Array.from(s.dataSync())).toEqual([4, 6]);
    });
  });

  it('sums a broadcast bias\'s gradient, and leaves no tensor behind', () => {
    const bias = tf.tidy(() => tf.variable(tf.zeros([64])));
    const x = tf.ones([256, 64]);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const g = tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.add(x, b))))(bias);
      expect(g.dataSync()[0]).toBe(512); // Σ over 256 rows of 2·(1 + 0)
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([bias, x]);
  });
});
