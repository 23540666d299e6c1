import { describe, expect, it } from 'vitest';
import { UNBOUNDED, yRange } from './chartRange';

describe('yRange', () => {
  it('draws a bounded metric on its natural range whatever the data, a constant 0 included', () => {
    expect(yRange(0, 0, [0, 1])).toEqual([0, 1]);
    expect(yRange(0.2, 0.4, [0, 1])).toEqual([0, 1]);
    expect(yRange(null, null, [0, 1])).toEqual([0, 1]);
  });

  it('starts a norm at 0 and pads its top; a flat 0 gets 0…1, not −1…1', () => {
    expect(yRange(0, 0, [0, null])).toEqual([0, 1]);
    const [a, b] = yRange(2, 4, [0, null]);
    expect(a).toBe(0);
    expect(b).toBeCloseTo(4.2);
  });

  it('pads an unbounded series by a tenth of its span, a flat one by a tenth of its size', () => {
    const [a, b] = yRange(-10, 10, UNBOUNDED);
    expect(a).toBeCloseTo(-12);
    expect(b).toBeCloseTo(12);
    const [c, d] = yRange(-50, -50, UNBOUNDED);
    expect(c).toBeCloseTo(-55);
    expect(d).toBeCloseTo(-45);
  });

  it('keeps an upper bound (explained variance ≤ 1) and lets the data set the bottom', () => {
    const [a, b] = yRange(-3, 0.5, [null, 1]);
    expect(a).toBeCloseTo(-3.35);
    expect(b).toBe(1);
  });
});
