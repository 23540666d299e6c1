import { describe, expect, it } from 'vitest';
import { RESIDUAL_SCALE_PX, RESIDUAL_STOPS, residualColor, residualGradientCss } from './colorScale';

const rgb = (hex: number) => [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255].map((c) => c / 255);

describe('residual colour scale', () => {
  it('starts at the first stop, passes the middle one, ends at the last and clamps beyond', () => {
    const near = (got: number[], hex: number) => got.forEach((c, i) => expect(c).toBeCloseTo(rgb(hex)[i], 12));
    near(residualColor(0), RESIDUAL_STOPS[0][1]);
    near(residualColor(RESIDUAL_SCALE_PX / 2), RESIDUAL_STOPS[1][1]);
    near(residualColor(RESIDUAL_SCALE_PX), RESIDUAL_STOPS[2][1]);
    expect(residualColor(10 * RESIDUAL_SCALE_PX)).toEqual(residualColor(RESIDUAL_SCALE_PX));
    expect(residualColor(-5)).toEqual(residualColor(0));
    expect(residualColor(Number.NaN)).toEqual(residualColor(0));
  });

  it('warms monotonically: red never falls and blue never rises as the residual grows', () => {
    let prev = residualColor(0);
    for (let px = 0.5; px <= RESIDUAL_SCALE_PX; px += 0.5) {
      const c = residualColor(px);
      expect(c[0]).toBeGreaterThanOrEqual(prev[0] - 1e-12);
      expect(c[2]).toBeLessThanOrEqual(prev[2] + 1e-12);
      prev = c;
    }
  });

  it('gives the legend the same stops', () => {
    expect(residualGradientCss()).toBe('linear-gradient(to right, #4dabf7 0%, #fcc419 50%, #ff3d14 100%)');
  });
});
