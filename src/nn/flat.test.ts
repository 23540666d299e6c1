import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NODE_BACKENDS, useNodeBackend } from '../engine/nodeBackend';
import { flatten, unflatten } from './flat';

describe.each(NODE_BACKENDS)('flat buffers on %s', (backend) => {
  it('flattens tensors of any rank in one kernel, in order, and unflattens them back in one', async () => {
    await useNodeBackend(backend);
    const xs = [tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.scalar(7), tf.tensor1d([8, 9]), tf.tensor3d([10, 11, 12, 13], [1, 2, 2])];
    let flat: tf.Tensor1D | null = null;
    const forward = await tf.profile(() => void (flat = flatten(xs)));
    expect(forward.kernels.map((k) => k.name)).toEqual(['SagrFlatten']);
    expect(Array.from(await flat!.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    let back: tf.Tensor[] = [];
    const inverse = await tf.profile(() => void (back = unflatten(flat!, xs.map((x) => x.shape))));
    expect(inverse.kernels.map((k) => k.name)).toEqual(['SagrUnflatten']);
    expect(back.map((t) => t.shape)).toEqual(xs.map((x) => x.shape));
    for (let i = 0; i < xs.length; i++) expect(Array.from(await back[i].data())).toEqual(Array.from(await xs[i].data()));
    expect(() => unflatten(flat!, [[2, 2]])).toThrow(/13 values for shapes holding 4/);
    tf.dispose([...xs, flat!, ...back]);
  });

  it('leaves no tensor or buffer behind over many round trips', async () => {
    await useNodeBackend(backend);
    const xs = [tf.ones([4, 3]), tf.zeros([5])];
    const shapes = xs.map((x) => x.shape);
    const round = () => tf.tidy(() => unflatten(flatten(xs), shapes)).forEach((t) => t.dispose());
    round();
    const before = tf.memory();
    for (let i = 0; i < 50; i++) round();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect((tf.memory() as { numDataBuffers?: number }).numDataBuffers).toBe((before as { numDataBuffers?: number }).numDataBuffers);
    tf.dispose(xs);
  });
});
