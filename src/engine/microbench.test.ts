import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchAdamStep, benchMatMul, median, microbench } from './microbench';
import { useNodeBackend } from './nodeBackend';

const TINY = { matMulSize: 8, batch: 4, hidden: 4, runs: 2, warmup: 1 };

describe('microbench', () => {
  beforeAll(() => useNodeBackend('cpu'));

  it('takes the middle of odd and even samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('leaves no tensor behind (the browser engine runs it at every start)', async () => {
    const before = tf.memory().numTensors;
    await benchMatMul(TINY);
    await benchAdamStep(TINY);
    const r = await microbench(TINY);
    expect(tf.memory().numTensors).toBe(before);
    expect(r).toMatchObject({ backend: 'cpu', matMulSize: 8, adamBatch: 4, runs: 2 });
    expect(r.matMulMs).toBeGreaterThanOrEqual(0);
    expect(r.adamStepMs).toBeGreaterThan(0);
  });
});
