import { describe, expect, it } from 'vitest';
import { cellKey, claims, type SuccessSummary, type SummaryTable } from './claims';
import { wilsonInterval } from './metrics';
import { binomialHalfCdf, mcnemarExact } from './paired';

/** k successes of n episodes; the first `shared` successes sit on the same episodes for every policy built this way. */
const s = (k: number, n = 100, offset = 0): SuccessSummary => ({
  episodes: n,
  successRate: k / n,
  successCI: wilsonInterval(k, n),
  outcomes: Array.from({ length: n }, (_, i) => ((i - offset + n) % n < k ? '1' : '0')).join(''),
});

describe('mcnemarExact', () => {
  it('counts the discordant episodes and gives the exact two-sided binomial p-value', () => {
    // A solves episodes 0-9 and 20-29, B solves 0-9 and 30-31: 10 episodes A only, 2 B only.
    const a = Array.from({ length: 40 }, (_, i) => (i < 10 || (i >= 20 && i < 30) ? '1' : '0')).join('');
    const b = Array.from({ length: 40 }, (_, i) => (i < 10 || (i >= 30 && i < 32) ? '1' : '0')).join('');
    const t = mcnemarExact(a, b);
    expect([t.aOnly, t.bOnly]).toEqual([10, 2]);
    expect(t.differencePoints).toBeCloseTo(20, 9);
    // P(X ≤ 2 | n = 12, ½) = (1 + 12 + 66) / 4096; two-sided: twice that.
    expect(t.pValue).toBeCloseTo((2 * 79) / 4096, 12);
    expect(mcnemarExact('0101', '0101').pValue).toBe(1);
    expect(binomialHalfCdf(5, 10)).toBeCloseTo(638 / 1024, 12);
    expect(() => mcnemarExact('01', '011')).toThrow(/same episodes/);
  });

  it('sees a consistent 8-point gain as significant where intervals overlap', () => {
    // 58 vs 50 of 100 with the prior's successes a subset of sagr's: 8 discordant episodes, all for sagr.
    const t = mcnemarExact(s(58).outcomes, s(50).outcomes);
    expect(t.pValue).toBeCloseTo(2 / 256, 12);
    expect(wilsonInterval(58, 100).lo).toBeLessThan(wilsonInterval(50, 100).hi);
  });
});

describe('claims', () => {
  const ns = [4, 8];
  const k = (suite: string, n: number) => cellKey(suite, n, ns);
  const table: SummaryTable = {
    prior: { [k('nominal', 4)]: s(80), [k('displace', 4)]: s(50), [k('kick', 4)]: s(60), [k('offset', 4)]: s(30), [k('nominal', 8)]: s(60), [k('displace', 8)]: s(20), [k('kick', 8)]: s(30), [k('offset', 8)]: s(20) },
    reflex: { [k('nominal', 4)]: s(78), [k('offset', 4)]: s(70) },
    sagr: { [k('nominal', 4)]: s(79), [k('displace', 4)]: s(65), [k('kick', 4)]: s(65), [k('nominal', 8)]: s(62), [k('displace', 8)]: s(45), [k('kick', 8)]: s(45), [k('offset', 8)]: s(60) },
    integral: { [k('displace', 8)]: s(20), [k('kick', 8)]: s(44, 100, 40), [k('offset', 8)]: s(55) },
  };

  it('checks each target from the paired episodes, default n first', () => {
    const got = claims(table, ns, 4);
    expect(got.map((c) => [c.target, c.met])).toEqual([
      ['reflex ≥ prior + 25 points on offset at n = 4 (paired p < 0.05)', true],
      ["reflex's offset success at n = 4 is within 10 points of its own nominal success", true],
      ['sagr ≥ prior + 10 points on displace at n = 4 (paired p < 0.05)', true],
      ['sagr ≥ prior + 10 points on kick at n = 4 (paired p < 0.05)', false],
      ["sagr's nominal success at n = 4 is at most 2 points below prior's", true],
      ['sagr ≥ prior + 20 points on displace at n = 8 (paired p < 0.01)', true],
      ['sagr ≥ prior + 20 points on kick at n = 8 (paired p < 0.01)', false],
      ['sagr ≥ prior + 20 points on offset at n = 8 (paired p < 0.01)', true],
      ['sagr ≥ prior on nominal at n = 8', true],
      ['sagr ≥ integral on displace at n = 8 (paired p < 0.05)', true],
      ['sagr ≥ integral on kick at n = 8 (paired p < 0.05)', false],
      ['sagr ≥ integral on offset at n = 8 (paired p < 0.05)', false],
    ]);
    expect(got[0].evidence).toBe('reflex 70.0% [60.4, 78.1] vs prior 30.0% [21.9, 39.6] of 100: +40.0 points; 40 episodes solved by reflex only, 0 by prior only, p < 0.0001');
    // kick at n = 8: 45 vs 44 with little overlap between the solved episodes: a point ahead, far from significant.
    expect(got[10].evidence).toMatch(/\+1\.0 points; 40 episodes solved by sagr only, 39 by integral only, p = 1\.0$/);
  });

  it("checks push-3d's own targets at n = 8: + 15 points on tilt, displace and offset, a nominal drop ≤ 3", () => {
    const t3: SummaryTable = {
      prior: { [k('nominal', 8)]: s(40), [k('tilt', 8)]: s(20), [k('displace', 8)]: s(20), [k('offset', 8)]: s(10) },
      sagr: { [k('nominal', 8)]: s(37), [k('tilt', 8)]: s(36), [k('displace', 8)]: s(34), [k('offset', 8)]: s(30) },
    };
    expect(claims(t3, ns, 4, 'push-3d').map((c) => [c.target, c.met])).toEqual([
      ['sagr ≥ prior + 15 points on tilt at n = 8 (paired p < 0.05)', true],
      ['sagr ≥ prior + 15 points on displace at n = 8 (paired p < 0.05)', false],
      ['sagr ≥ prior + 15 points on offset at n = 8 (paired p < 0.05)', true],
      ["sagr's nominal success at n = 8 is at most 3 points below prior's", true],
    ]);
    // Push-T's targets are not push-3d's: none of them is checked there, and n = 4 alone checks nothing.
    expect(claims(table, ns, 4, 'push-3d').some((c) => c.target.includes('+ 20 points'))).toBe(false);
    expect(claims(t3, [4], 4, 'push-3d')).toEqual([]);
  });

  it('leaves out what was not run, and says what is missing when nothing can be checked', () => {
    const only = claims({ prior: { nominal: s(80) } }, [4], 4);
    expect(only.every((c) => c.met === null)).toBe(true);
    expect(only[0].evidence).toBe('needs reflex and prior on offset at n = 4');
    expect(claims({ prior: { nominal: s(80) }, sagr: { nominal: s(75) } }, [4], 4)).toEqual([
      expect.objectContaining({ target: "sagr's nominal success at n = 4 is at most 2 points below prior's", met: false }),
    ]);
  });
});
