import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../engine/nodeBackend';
import { sumAll } from './paramGroup';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('sumAll', () => {
  it('sums many tensors (more than a WebGPU shader may bind) bit for bit as tf.addN does on wasm', async () => {
    const xs = Array.from({ length: 52 }, (_, i) => tf.scalar(Math.sin(i + 1) * 10 ** ((i % 7) - 3)));
    const [ours, theirs] = [sumAll(xs), tf.addN(xs)];
    expect(Array.from(await ours.data())).toEqual(Array.from(await theirs.data()));
    const rows = Array.from({ length: 12 }, (_, i) => tf.tensor1d([i * 0.1, -i * 1e-3, 1 / (i + 1)]));
    const [rowsOurs, rowsTheirs] = [sumAll(rows), tf.addN(rows)];
    expect(Array.from(await rowsOurs.data())).toEqual(Array.from(await rowsTheirs.data()));
    tf.dispose([...xs, ...rows, ours, theirs, rowsOurs, rowsTheirs]);
  });
});
