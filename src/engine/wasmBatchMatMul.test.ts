import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { batchMatMul, DENSE_PRODUCT_KERNEL } from '../nn/batchMatMul';
import { dense } from '../nn/dense';
import { gaussianTensor } from '../nn/noise';
import { useNodeBackend } from './nodeBackend';
import { patchWasmMatMul } from './wasmMatMul';
import { simdKernels, withoutSimdLoops } from './wasmSimd';

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

// [batch, m, k, n]: vector-width multiples, tails of 1–3 columns, single rows/columns, attention's shapes.
const SHAPES = [[1, 1, 1, 1], [3, 5, 7, 9], [2, 4, 4, 4], [5, 3, 8, 1], [4, 16, 3, 17], [256, 19, 16, 19], [256, 4, 19, 16]];
const FLAGS = [[false, false], [true, false], [false, true], [true, true]] as const;

describe('SIMD batched matMul on wasm', () => {
  it('runs as its own kernel and gives tf.matMul’s numbers for every shape and transpose flag', async () => {
    const rng = new Rng(1);
    for (const [g, m, k, n] of SHAPES) {
      for (const [ta, tb] of FLAGS) {
        tf.tidy(() => {
          const a = gaussianTensor<tf.Rank.R3>(rng, ta ? [g, k, m] : [g, m, k]);
          const b = gaussianTensor<tf.Rank.R3>(rng, tb ? [g, n, k] : [g, k, n]);
          const ours = batchMatMul(a, b, ta, tb);
          expect(ours.shape).toEqual([g, m, n]);
          const expected = tf.matMul(a, b, ta, tb).dataSync();
          ours.dataSync().forEach((x, i) => expect(Math.abs(x - expected[i]), `[${g},${m},${k},${n}] ${ta} ${tb} @${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected[i]))));
        });
      }
    }
    const [a, b] = [tf.ones([2, 3, 4]) as tf.Tensor3D, tf.ones([2, 4, 5]) as tf.Tensor3D];
    const profile = await tf.profile(() => tf.tidy(() => void batchMatMul(a, b)));
    expect(profile.kernels.map((x) => x.name)).toEqual(['SagrBatchMatMul']);
    tf.dispose([a, b]);
  });

  it('has tf.matMul’s gradients for every transpose flag, and leaves no tensor behind', () => {
    const rng = new Rng(2);
    const start = tf.memory().numTensors;
    for (const [ta, tb] of FLAGS) {
      tf.tidy(() => {
        const a = gaussianTensor<tf.Rank.R3>(rng, ta ? [3, 6, 5] : [3, 5, 6]);
        const b = gaussianTensor<tf.Rank.R3>(rng, tb ? [3, 7, 6] : [3, 6, 7]);
        const probe = gaussianTensor<tf.Rank.R3>(rng, [3, 5, 7]);
        const loss = (f: typeof batchMatMul) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor3D, y as tf.Tensor3D, ta, tb), probe));
        const ours = tf.grads(loss(batchMatMul))([a, b]);
        const expected = tf.grads(loss((x, y, p, q) => tf.matMul(x, y, p, q)))([a, b]);
        ours.forEach((t, j) => {
          const e = expected[j].dataSync();
          t.dataSync().forEach((x, i) => expect(Math.abs(x - e[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(e[i]))));
        });
      });
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('gives BatchMatMul XNNPACK\'s numbers bit for bit on one thread, for the training step\'s 2-D products', async () => {
    const rng = new Rng(5);
    // [rows, k, n, transposeA, transposeB]: a weight gradient, a forward product, an input gradient, a rank-3 batch
    for (const [r, k, n, ta, tb] of [[1216, 64, 128, true, false], [1216, 64, 64, false, false], [1216, 128, 64, false, true], [37, 19, 21, false, false]] as const) {
      const a = gaussianTensor<tf.Rank.R2>(rng, ta ? [r, k] : [r, k]);
      const b = gaussianTensor<tf.Rank.R2>(rng, ta ? [r, n] : tb ? [n, k] : [k, n]);
      const [ours, theirs] = [tf.matMul(a, b, ta, tb), await withoutSimdLoops(() => tf.matMul(a, b, ta, tb))];
      expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
      tf.dispose([a, b, ours, theirs]);
    }
    const [a3, b3] = [gaussianTensor<tf.Rank.R3>(rng, [3, 5, 7]), gaussianTensor<tf.Rank.R3>(rng, [3, 7, 9])];
    const [ours, theirs] = [tf.matMul(a3, b3), await withoutSimdLoops(() => tf.matMul(a3, b3))];
    expect(ours.shape).toEqual([3, 5, 9]);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
    tf.dispose([a3, b3, ours, theirs]);
  });

  it('gives zeros for an empty sum (k = 0), whatever the output memory held before', () => {
    for (let i = 0; i < 3; i++) {
      tf.dispose(tf.fill([3, 4], 7)); // leaves non-zero bytes where the product's output may be placed
      const c = tf.tidy(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])));
      expect(Array.from(c.dataSync())).toEqual(new Array(12).fill(0));
      c.dispose();
    }
  });

  it('runs a Dense layer as one call with its bias and residual, with the numbers of the product and two adds', async () => {
    expect(tf.getKernel(DENSE_PRODUCT_KERNEL, 'wasm')).toBeDefined(); // Node's wasm runs one thread
    const rng = new Rng(6);
    // [rows, in, out]: a training batch's tokens (64 × 19), one env's at B = 1, a width with a tail of 1–3 columns
    for (const [rows, inDim, outDim] of [[1216, 64, 128], [19, 64, 64], [5, 3, 7]]) {
      const [x, w, b, r] = [gaussianTensor(rng, [rows, inDim]), gaussianTensor(rng, [inDim, outDim]), gaussianTensor(rng, [outDim]), gaussianTensor(rng, [rows, outDim])];
      const profile = await tf.profile(() => tf.tidy(() => void dense(x, w, b, r)));
      expect(profile.kernels.map((k) => k.name)).toEqual(['SagrDense']);
      const ours = [dense(x, w, b), dense(x, w, b, r)];
      const theirs = await withoutSimdLoops(() => tf.tidy(() => {
        const y = tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
        return [y, tf.add(r, y)];
      }));
      ours.forEach((t, i) => expect(Array.from(t.dataSync()), `[${rows}, ${inDim}, ${outDim}] residual ${i === 1}`).toEqual(Array.from(theirs[i].dataSync())));
      tf.dispose([x, w, b, r, ...ours, ...theirs]);
    }
  });

  it('runs on a shared memory (the threaded build\'s) as on a plain one, with the same numbers', () => {
    const [g, m, k, n] = [3, 5, 7, 37]; // a block of 16 columns, two of 4, one single column
    const rng = new Rng(3);
    const a = Float32Array.from({ length: g * m * k }, () => rng.normal());
    const b = Float32Array.from({ length: g * k * n }, () => rng.normal());
    const WASM_PAGE = 65536;
    const product = (memory: WebAssembly.Memory) => {
      const bmm = simdKernels(memory)!.bmm;
      const heap = new Float32Array(memory.buffer);
      heap.set(a, 0);
      heap.set(b, a.length);
      const c = a.length + b.length;
      bmm(0, 4 * a.length, 4 * c, g, m, k, n, 4 * k, 4, 0, 0, 0);
      // The same sum in two parts (p < 3, then p ≥ 3, the second adding to the first's sums) is the same, bit for bit.
      const parts = c + g * m * n;
      for (let gi = 0; gi < g; gi++) {
        const [a0, b0, c0] = [4 * gi * m * k, 4 * (a.length + gi * k * n), 4 * (parts + gi * m * n)];
        bmm(a0, b0, c0, 1, m, 3, n, 4 * k, 4, 0, 0, 0);
        bmm(a0 + 4 * 3, b0 + 4 * 3 * n, c0, 1, m, k - 3, n, 4 * k, 4, 0, 0, 1);
      }
      expect(heap.slice(parts, parts + g * m * n)).toEqual(heap.slice(c, c + g * m * n));
      return heap.slice(c, c + g * m * n);
    };
    const shared = new WebAssembly.Memory({ initial: 1, maximum: WASM_PAGE, shared: true });
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    const plain = product(new WebAssembly.Memory({ initial: 1 }));
    expect(product(shared)).toEqual(plain);
    // And they are the product, C[g,i,j] = Σ_p A[g,i,p] B[g,p,j], summed in float32 in order of p, bit for bit.
    const reference = Array.from({ length: g * m * n }, (_, x) => {
      const [gi, i, j] = [Math.floor(x / (m * n)), Math.floor(x / n) % m, x % n];
      let sum = 0;
      for (let p = 0; p < k; p++) sum = Math.fround(sum + Math.fround(a[(gi * m + i) * k + p] * b[(gi * k + p) * n + j]));
      return sum;
    });
    expect(Array.from(plain)).toEqual(reference);
  });
});
