import { describe, expect, it } from 'vitest';
import { etaSeconds } from './trainingProgress';

describe('training ETA', () => {
  it('is the remaining iterations at the pace so far, and unknown before the first record', () => {
    expect(etaSeconds({ iter: 0, iters: 10, records: [] })).toBeNull();
    expect(etaSeconds({ iter: 4, iters: 10, records: [{ stage: 'ppo-sagr', iter: 4, seconds: 20 }] })).toBe(30);
    expect(etaSeconds({ iter: 10, iters: 10, records: [{ stage: 'world', iter: 10, seconds: 7 }] })).toBe(0);
    expect(etaSeconds({ iter: 3, iters: 10, records: [{ stage: 'prior', iter: 3, seconds: null }] })).toBeNull();
  });
});
