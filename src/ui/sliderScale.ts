// Slider ↔ value mapping for number parameters. Linear sliders move in the parameter's own step; log sliders
// (learning rates) move in equal ratios over LOG_POSITIONS positions and land on 3 significant digits.
import type { NumberParam } from '../core/config';

export const LOG_POSITIONS = 1000;
const LOG_DIGITS = 3;

/** Decimal places of a step such as 0.005 (3) or 1e-6 (6); floats are rounded to this to drop binary noise. */
export function stepDecimals(step: number): number {
  if (Number.isInteger(step)) return 0;
  const [mantissa, exp] = step.toExponential().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exp));
}

export function snapToStep(p: NumberParam, x: number): number {
  const k = Math.round((x - p.min) / p.step);
  const snapped = Number((p.min + k * p.step).toFixed(stepDecimals(p.step)));
  return Math.min(p.max, Math.max(p.min, snapped));
}

/** The slider's [min, max, step] in slider units. */
export function sliderRange(p: NumberParam): { min: number; max: number; step: number } {
  return p.log ? { min: 0, max: LOG_POSITIONS, step: 1 } : { min: p.min, max: p.max, step: p.step };
}

export function toSlider(p: NumberParam, value: number): number {
  if (!p.log) return value;
  const t = (Math.log10(value) - Math.log10(p.min)) / (Math.log10(p.max) - Math.log10(p.min));
  return Math.round(Math.min(1, Math.max(0, t)) * LOG_POSITIONS);
}

export function fromSlider(p: NumberParam, position: number): number {
  if (!p.log) return snapToStep(p, position);
  const t = position / LOG_POSITIONS;
  const x = Number((10 ** (Math.log10(p.min) + t * (Math.log10(p.max) - Math.log10(p.min)))).toPrecision(LOG_DIGITS));
  return Math.min(p.max, Math.max(p.min, x));
}

/** Short display of a value: ints as is, log params in exponent form, floats to the step's decimals. */
export function formatValue(p: NumberParam, value: number): string {
  if (p.kind === 'int') return String(value);
  if (p.log) return value.toExponential(2);
  return value.toFixed(stepDecimals(p.step));
}
