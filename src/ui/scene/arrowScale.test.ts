// The arrow scales: fixed multiplies, log compresses decades, auto draws the largest recent magnitude at its
// target length within its gain limits and forgets a spike with its half-life.
import { describe, expect, it } from 'vitest';
import { AutoScale, DELTA_Z_AUTO, HALF_LIFE_MS, LOG_UNIT, describeScale, drawnLength } from './arrowScale';

describe('arrow scales', () => {
  it('fixed and log lengths', () => {
    expect(drawnLength('3', 2, 99)).toBe(6);
    expect(drawnLength('log', 0.9, 0)).toBeCloseTo(LOG_UNIT, 9); // log10(1 + 0.9 / 0.1) = 1
    expect(drawnLength('log', 9.9, 0)).toBeCloseTo(2 * LOG_UNIT, 9);
    expect(drawnLength('auto', 0, 5)).toBe(0);
    expect(drawnLength('10', Number.NaN, 0)).toBe(0);
  });

  it('auto: a shove spike is drawn at its own length, then the gain relaxes back to its ceiling', () => {
    const s = new AutoScale(DELTA_Z_AUTO); // target 24, gain in [1, 30]
    s.see(0.4, 0);
    expect(s.gain(0)).toBe(30); // 24 / 0.4 = 60, clamped
    s.see(68, 100);
    expect(s.gain(100)).toBe(1); // 24 / 68 < 1: never shorter than itself
    expect(drawnLength('auto', 68, s.gain(100))).toBe(68);
    s.see(0.4, 200); // a small value does not lower the decaying peak
    expect(s.reference(100 + HALF_LIFE_MS)).toBeCloseTo(34, 6);
    expect(s.gain(100 + 3 * HALF_LIFE_MS)).toBeCloseTo(24 / 8.5, 6);
    expect(s.gain(100 + 20 * HALF_LIFE_MS)).toBe(30);
    expect(describeScale('auto', 2.8235, 'px')).toBe('×2.8 (auto)');
  });
});
