import { describe, expect, it } from 'vitest';
import { continueTo, etaSeconds, type TrainingProgress } from './trainingProgress';

describe('training ETA', () => {
  it('is the remaining iterations at the pace so far, and unknown before the first record', () => {
    expect(etaSeconds({ iter: 0, iters: 10, records: [] })).toBeNull();
    expect(etaSeconds({ iter: 4, iters: 10, records: [{ stage: 'ppo-sagr', iter: 4, seconds: 20 }] })).toBe(30);
    expect(etaSeconds({ iter: 10, iters: 10, records: [{ stage: 'world', iter: 10, seconds: 7 }] })).toBe(0);
    expect(etaSeconds({ iter: 3, iters: 10, records: [{ stage: 'prior', iter: 3, seconds: null }] })).toBeNull();
  });
});

describe('continuing a PPO run', () => {
  const ended = (p: Partial<TrainingProgress>) => ({ stage: 'ppo-sagr' as const, iter: 4, iters: 10, running: false, outcome: 'stopped', ...p });
  it('goes on to a stopped run\'s own total, or a finished run\'s more iterations further', () => {
    expect(continueTo(ended({}), 5)).toBe(10);
    expect(continueTo(ended({ iter: 10, outcome: 'done' }), 5)).toBe(15);
  });
  it('has nothing to continue while running, after an error or an empty run, for stage 0/1, or before any run', () => {
    expect(continueTo(ended({ running: true, outcome: null }), 5)).toBeNull();
    expect(continueTo(ended({ outcome: 'error: NaN' }), 5)).toBeNull();
    expect(continueTo(ended({ iter: 0 }), 5)).toBeNull();
    expect(continueTo(ended({ stage: 'prior' as never }), 5)).toBeNull();
    expect(continueTo(null, 5)).toBeNull();
  });
});
