import { describe, expect, it } from 'vitest';
import { emptyRewardTerms, sagrReward } from './reward';
import { RewardScaler } from './rewardScaler';

describe('RewardScaler', () => {
  it('divides by the running std of the discounted returns, which restart after a done', () => {
    const scaler = new RewardScaler(2, 0.5);
    const batches = [[1, 2], [3, -1], [0, 4]];
    const dones = [[0, 1], [0, 0], [0, 0]];
    // Discounted returns per env: env 0: 1, 3.5, 1.75; env 1: 2 (done → restart), −1, 3.5.
    const seen = [1, 2, 3.5, -1, 1.75, 3.5];
    let last = new Float32Array(0);
    for (let t = 0; t < 3; t++) {
      last = Float32Array.from(batches[t]);
      scaler.scale(last, Float32Array.from(dones[t]));
    }
    const mean = seen.reduce((a, b) => a + b) / seen.length;
    const variance = seen.reduce((a, b) => a + (b - mean) ** 2, 0) / seen.length;
    expect(scaler.moments.mean).toBeCloseTo(mean, 6);
    expect(scaler.moments.var).toBeCloseTo(variance, 6);
    expect(last[1]).toBeCloseTo(4 / Math.sqrt(variance), 5);
  });
});

describe('sagrReward', () => {
  it('is α·r_task − β‖Δz‖² − γ‖b‖² and accumulates each weighted term', () => {
    const terms = emptyRewardTerms();
    const w = { alpha: 2, beta: 0.5, gamma: 0.1 };
    expect(sagrReward(w, 0.75, 0.2, 3, terms)).toBeCloseTo(1.5 - 0.1 - 0.3, 12);
    sagrReward(w, 1, 0, 0, terms);
    expect(terms).toEqual({ task: 3.5, surprise: 0.1, effort: expect.closeTo(0.3, 12), steps: 2 });
  });
});
