import { describe, expect, it } from 'vitest';
import { SCHEMA, type NumberParam } from '../core/config';
import { LOG_POSITIONS, formatValue, fromSlider, sliderRange, snapToStep, stepDecimals, toSlider } from './sliderScale';

const sigmaMax: NumberParam = SCHEMA.sigmaMax;
const priorLr: NumberParam = SCHEMA.priorLr;
const numEnvs: NumberParam = SCHEMA.numEnvs;

describe('sliderScale', () => {
  it('counts the decimals of a step', () => {
    expect(stepDecimals(1)).toBe(0);
    expect(stepDecimals(0.005)).toBe(3);
    expect(stepDecimals(0.05)).toBe(2);
    expect(stepDecimals(1e-6)).toBe(6);
    expect(stepDecimals(1e-7)).toBe(7);
  });

  it('snaps linear values to the step without binary noise, inside the range', () => {
    expect(snapToStep(sigmaMax, 0.1 + 0.005 + 0.005)).toBe(0.11);
    expect(snapToStep(sigmaMax, 0.30000000000000004)).toBe(0.3);
    expect(snapToStep(sigmaMax, 0.1026)).toBe(0.105);
    expect(snapToStep(sigmaMax, 7)).toBe(1);
    expect(snapToStep(numEnvs, 31.6)).toBe(32);
  });

  it('maps log sliders in equal ratios over the range, and back', () => {
    expect(sliderRange(priorLr)).toEqual({ min: 0, max: LOG_POSITIONS, step: 1 });
    expect(fromSlider(priorLr, 0)).toBe(priorLr.min);
    expect(fromSlider(priorLr, LOG_POSITIONS)).toBe(priorLr.max);
    // 1e-6 … 1e-1 is five decades: the midpoint is 10^-3.5.
    expect(fromSlider(priorLr, LOG_POSITIONS / 2)).toBe(0.000316);
    expect(toSlider(priorLr, 1e-3)).toBe(600);
    expect(fromSlider(priorLr, toSlider(priorLr, 1e-3))).toBe(1e-3);
    // Out-of-range values pin the knob to an end instead of leaving the track.
    expect(toSlider(priorLr, 1)).toBe(LOG_POSITIONS);
  });

  it('passes linear values straight through', () => {
    expect(sliderRange(sigmaMax)).toEqual({ min: 0, max: 1, step: 0.005 });
    expect(toSlider(sigmaMax, 0.25)).toBe(0.25);
    expect(fromSlider(sigmaMax, 0.25)).toBe(0.25);
  });

  it('formats ints plainly, floats to their step, log values in exponent form', () => {
    expect(formatValue(numEnvs, 32)).toBe('32');
    expect(formatValue(sigmaMax, 0.1)).toBe('0.100');
    expect(formatValue(priorLr, 0.000316)).toBe('3.16e-4');
  });
});
