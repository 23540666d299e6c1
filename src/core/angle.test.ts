import { describe, expect, it } from 'vitest';
import { wrapAngle } from './angle';

describe('wrapAngle', () => {
  it('takes the short way round and reads a half turn as +π', () => {
    expect(wrapAngle(3 * Math.PI / 2)).toBeCloseTo(-Math.PI / 2, 12);
    expect(wrapAngle(-3 * Math.PI / 2)).toBeCloseTo(Math.PI / 2, 12);
    expect(wrapAngle(-Math.PI)).toBe(Math.PI);
    expect(wrapAngle(Math.PI)).toBe(Math.PI);
    expect(wrapAngle(0.3)).toBe(0.3);
    expect(wrapAngle(0.3 + 20 * Math.PI)).toBeCloseTo(0.3, 10);
  });

  it('agrees with atan2(sin, cos) across many turns', () => {
    for (let a = -20; a <= 20; a += 0.137) {
      const w = wrapAngle(a);
      expect(w).toBeGreaterThan(-Math.PI);
      expect(w).toBeLessThanOrEqual(Math.PI);
      expect(w).toBeCloseTo(Math.atan2(Math.sin(a), Math.cos(a)), 12);
    }
  });
});
