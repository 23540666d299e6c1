import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from './rng';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.nextU32());

/** Sample mean, variance and range of n draws of `sample`. */
function moments(n: number, sample: () => number) {
  let s = 0;
  let s2 = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = sample();
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
    s += x;
    s2 += x * x;
  }
  return { mean: s / n, variance: s2 / n - (s / n) ** 2, lo, hi };
}

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng(42), 100)).not.toEqual(draw(new Rng(43), 100));
  });

  it('saves and restores its state exactly', () => {
    const r = new Rng(7);
    draw(r, 13);
    const copy = Rng.fromState(r.getState());
    expect(draw(copy, 50)).toEqual(draw(r, 50));
  });

  it('derives distinct, order-sensitive stream seeds', () => {
    expect(deriveSeed(3, 7)).not.toBe(deriveSeed(7, 3));
    expect(deriveSeed(1, 'env', 2)).toBe(deriveSeed(1, 'env', 2));
    expect(deriveSeed(1, 'env', 2)).not.toBe(deriveSeed(1, 'envs', 2));
  });

  it('uniform has the right mean and variance; int respects bounds', () => {
    const r = new Rng(1);
    const u = moments(100_000, () => r.uniform());
    expect(u.lo).toBeGreaterThanOrEqual(0);
    expect(u.hi).toBeLessThan(1);
    expect(u.mean).toBeCloseTo(0.5, 2);
    expect(u.variance).toBeCloseTo(1 / 12, 2);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(r.int(50, 55));
    expect([...seen].sort()).toEqual([50, 51, 52, 53, 54]);
  });

  it('normal has mean 0 and variance 1', () => {
    const r = new Rng(2);
    const z = moments(200_000, () => r.normal());
    expect(Math.abs(z.mean)).toBeLessThan(0.01);
    expect(Math.abs(z.variance - 1)).toBeLessThan(0.01);
  });

  it('beta(1.5, 1) has mean α/(α+β) = 0.6 and variance αβ/((α+β)²(α+β+1)) = 1.5/21.875', () => {
    const r = new Rng(3);
    const x = moments(100_000, () => r.beta(1.5, 1));
    expect(x.mean).toBeCloseTo(0.6, 2);
    expect(x.variance).toBeCloseTo(1.5 / 21.875, 2);
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(NaN)).toThrow(/seed/);
  });
});
