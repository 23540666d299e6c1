import { describe, expect, it } from 'vitest';
import type { WorldErrorSums } from '../policy/worldError';
import { meanWithInterval, summarizeEpisodes, wilsonInterval, type EpisodeResult } from './metrics';

// Reference values computed with mpmath at 40 digits from the Wilson formula with z = √2·erfinv(0.95).
describe('wilsonInterval', () => {
  it.each([
    [7, 10, 0.3967781474611453, 0.892208732593699],
    [0, 10, 0, 0.2775327998628893],
    [10, 10, 0.7224672001371107, 1],
    [85, 100, 0.7671644040916763, 0.9069401471634337],
  ])('%i/%i', (k, n, lo, hi) => {
    const ci = wilsonInterval(k, n);
    expect(Math.abs(ci.lo - lo)).toBeLessThan(1e-9);
    expect(Math.abs(ci.hi - hi)).toBeLessThan(1e-9);
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/successes/);
    expect(() => wilsonInterval(0, 0)).toThrow(/trials/);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/successes/);
  });
});

describe('meanWithInterval', () => {
  it('matches the hand-computed normal interval', () => {
    // Python statistics: mean 0.65, stdev 0.3696845502136472, half-width z·s/√4.
    const r = meanWithInterval([0.2, 0.5, 0.9, 1.0]);
    expect(r.mean).toBeCloseTo(0.65, 12);
    expect(r.ci.lo).toBeCloseTo(0.2877157979701812, 12);
    expect(r.ci.hi).toBeCloseTo(1.0122842020298188, 12);
  });
  it('has zero width for one value', () => {
    expect(meanWithInterval([3])).toEqual({ mean: 3, ci: { lo: 3, hi: 3 }, n: 1 });
  });
});

describe('summarizeEpisodes', () => {
  const ep = (success: boolean, steps: number, finalCoverage: number, maxCoverage: number, dz: number | null, priorCalls: number | null = null, worldError: WorldErrorSums | null = null): EpisodeResult => ({
    seed: 0,
    success,
    steps,
    stepsToSuccess: success ? steps : null,
    finalCoverage,
    maxCoverage,
    meanDeltaZ: dz,
    meanReflex: dz === null ? null : dz / 2,
    priorCalls,
    worldError,
  });

  it('aggregates success, coverage and steps to success', () => {
    const s = summarizeEpisodes([ep(true, 100, 0.96, 0.96, null), ep(false, 300, 0.5, 0.8, null), ep(true, 50, 0.97, 0.97, null)]);
    expect(s.episodes).toBe(3);
    expect(s.successes).toBe(2);
    expect(s.successRate).toBeCloseTo(2 / 3, 12);
    expect(s.meanFinalCoverage.mean).toBeCloseTo((0.96 + 0.5 + 0.97) / 3, 12);
    expect(s.meanMaxCoverage.mean).toBeCloseTo((0.96 + 0.8 + 0.97) / 3, 12);
    expect(s.meanStepsToSuccess?.mean).toBe(75);
    expect(s.meanEpisodeLength).toBe(150);
    expect(s.meanDeltaZ).toBeNull();
    expect(s.meanReflex).toBeNull();
  });

  it('averages residual norms over the episodes that report them', () => {
    const s = summarizeEpisodes([ep(false, 300, 0.1, 0.2, 0.4), ep(false, 300, 0.1, 0.2, 0.2)]);
    expect(s.meanStepsToSuccess).toBeNull();
    expect(s.meanDeltaZ).toBeCloseTo(0.3, 12);
    expect(s.meanReflex).toBeCloseTo(0.15, 12);
  });

  it("gives Φ's error against no motion by token type as ratios of the cell's sums, not means of per-episode ratios", () => {
    const w = (objectError: number, agentError: number, objectMotion: number, agentMotion: number) => ({ objectError, agentError, objectMotion, agentMotion, squared: 0 });
    const s = summarizeEpisodes([ep(false, 300, 0.1, 0.2, 0.4, null, w(1, 1, 4, 2)), ep(false, 300, 0.1, 0.2, 0.2, null, w(3, 0.5, 4, 8))]);
    expect(s.worldError!.object).toBeCloseTo(4 / 8, 12);
    expect(s.worldError!.agent).toBeCloseTo(1.5 / 10, 12);
    expect(s.worldError!.all).toBeCloseTo(5.5 / 18, 12);
    expect(summarizeEpisodes([ep(false, 300, 0.1, 0.2, null)]).worldError).toBeNull();
  });

  it('counts prior calls per 100 control steps over all episodes', () => {
    // 25 + 10 calls over 100 + 40 steps: 35 / 140 · 100 = 25, not the mean of the per-episode rates (25 and 25).
    const s = summarizeEpisodes([ep(true, 100, 0.96, 0.96, null, 25), ep(true, 40, 0.96, 0.96, null, 10), ep(false, 300, 0.5, 0.8, null, 75)]);
    expect(s.priorCallsPer100Steps).toBeCloseTo((100 * 110) / 440, 12);
    expect(summarizeEpisodes([ep(true, 100, 0.96, 0.96, null)]).priorCallsPer100Steps).toBeNull();
  });
});
