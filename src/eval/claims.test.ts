import { describe, expect, it } from 'vitest';
import { compareSuccess, stage2Claims, type SuccessSummary, type SummaryTable } from './claims';
import { wilsonInterval } from './metrics';

const s = (successes: number, episodes = 100): SuccessSummary => ({ episodes, successRate: successes / episodes, successCI: wilsonInterval(successes, episodes) });

describe('compareSuccess', () => {
  it('says beats only when the Wilson intervals do not overlap', () => {
    // 60/100 → [50.2, 69.1], 40/100 → [30.9, 49.8]: apart.
    const apart = compareSuccess(s(60), s(40));
    expect(apart.differencePoints).toBeCloseTo(20, 9);
    expect(apart.verdict).toBe('beats');
    expect(compareSuccess(s(40), s(60)).verdict).toBe('is beaten by');
    // 58/100 → [48.2, 67.2] overlaps 40/100's [30.9, 49.8]: 18 points, yet no claim.
    const c = compareSuccess(s(58), s(40));
    expect(c.differencePoints).toBeCloseTo(18, 9);
    expect(c.verdict).toBe('no significant difference');
    // The same 20-point gap on 20 episodes is not significant either.
    expect(compareSuccess(s(12, 20), s(8, 20)).verdict).toBe('no significant difference');
  });
});

describe('stage2Claims', () => {
  const table: SummaryTable = {
    prior: { nominal: s(80), displace: s(20), kick: s(30) },
    strategy: { nominal: s(79), displace: s(28), kick: s(33) },
    sagr: { nominal: s(78), displace: s(50), kick: s(40) },
  };

  it('checks each target from the numbers', () => {
    const claims = stage2Claims(table);
    expect(claims.map((c) => [c.target, c.met])).toEqual([
      ['sagr beats prior by ≥ 15 points on displace', true],
      ['sagr beats prior by ≥ 15 points on kick', false],
      ['sagr beats strategy on displace', true],
      ['sagr beats strategy on kick', false],
      ["sagr's nominal success is at most 3 points below prior's", true],
    ]);
    expect(claims[0].evidence).toBe('sagr 50.0% [40.4, 59.6] of 100 vs prior 20.0% [13.3, 28.9] of 100: +30.0 points, sagr beats prior');
    expect(claims[1].evidence).toBe('sagr 40.0% [30.9, 49.8] of 100 vs prior 30.0% [21.9, 39.6] of 100: +10.0 points, no significant difference (the intervals overlap)');
    expect(claims[4].evidence).toBe('sagr 78.0% [68.9, 85.0] of 100 vs prior 80.0% [71.1, 86.7] of 100: drop of 2.0 points, no significant difference (the intervals overlap)');
  });

  it('fails the lead target when the gap is significant but under 15 points, and the nominal target on a large drop', () => {
    const t: SummaryTable = { prior: { nominal: s(950, 1000), displace: s(200, 1000), kick: s(200, 1000) }, sagr: { nominal: s(900, 1000), displace: s(300, 1000), kick: s(360, 1000) } };
    const claims = stage2Claims(t);
    expect(claims[0]).toMatchObject({ met: false });
    expect(claims[0].evidence).toMatch(/\+10\.0 points, sagr beats prior$/);
    expect(claims[1]).toMatchObject({ met: true });
    expect(claims[4]).toMatchObject({ met: false });
    expect(claims[4].evidence).toMatch(/: drop of 5\.0 points, sagr is beaten by prior$/);
  });

  it('says what is missing instead of judging', () => {
    const claims = stage2Claims({ prior: { nominal: s(80), displace: s(20) }, sagr: { displace: s(50) } });
    expect(claims.map((c) => c.met)).toEqual([true, null, null, null, null]);
    expect(claims[1].evidence).toBe('needs sagr and prior on kick');
    expect(claims[2].evidence).toBe('needs strategy on displace');
    expect(claims[4].evidence).toBe('needs sagr on nominal');
  });
});
