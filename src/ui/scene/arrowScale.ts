// How long an arrow is drawn for a quantity of magnitude m (both in the view's units: Push-T pixels, push-3d
// millimetres). Δz and the action increments get separate scales, because they are 100× apart: Φ's ordinary
// error is 0.1–1.4 px, the action terms 9–22 px, a shove's Δz 70 px.
//   fixed ×g   length = g·m
//   auto       length = g·m with g = target / (the largest m lately), within [minGain, maxGain]: the largest
//              arrow of the last seconds is `target` long; a spike shrinks the gain at once, which then relaxes
//              back (half-life HALF_LIFE_MS)
//   log        length = LOG_UNIT·log10(1 + m / LOG_FLOOR): every decade from the floor up gets about LOG_UNIT
// Direction is always kept; only the length is scaled.

export const SCALE_MODES = ['auto', 'log', '1', '3', '10', '30'] as const;
export type ScaleMode = (typeof SCALE_MODES)[number];

/** How fast an auto scale forgets a spike: its reference halves every this many ms. */
export const HALF_LIFE_MS = 1500;
/** Log scale: drawn length per decade, and the magnitude where it starts (both in view units). */
export const LOG_UNIT = 12;
export const LOG_FLOOR = 0.1;

export interface AutoLimits {
  /** Length of the largest recent arrow. */
  target: number;
  minGain: number;
  maxGain: number;
}

/** Δz: the largest residual is drawn 24 long, never shorter than itself (a shove's Δz then runs from Ŝ to S). */
export const DELTA_Z_AUTO: AutoLimits = { target: 24, minGain: 1, maxGain: 30 };
/** The action increments (reflex, strategy, noise) after the prior's point. */
export const TERM_AUTO: AutoLimits = { target: 30, minGain: 0.5, maxGain: 30 };

/** A decaying peak of the magnitudes seen: the auto scale's reference. */
export class AutoScale {
  private peak = 0;
  private at = -Infinity;

  constructor(readonly limits: AutoLimits) {}

  /** Feeds a magnitude seen at time `now` (ms). */
  see(m: number, now: number): void {
    if (!Number.isFinite(m)) return;
    const decayed = this.reference(now);
    if (m >= decayed) {
      this.peak = m;
      this.at = now;
    }
  }

  /** The peak, halved every HALF_LIFE_MS since it was seen. */
  reference(now: number): number {
    return this.peak * 2 ** (-(now - this.at) / HALF_LIFE_MS);
  }

  gain(now: number): number {
    const { target, minGain, maxGain } = this.limits;
    const ref = this.reference(now);
    return ref > 0 ? Math.min(maxGain, Math.max(minGain, target / ref)) : maxGain;
  }
}

/** The drawn length of magnitude `m` under `mode` (auto: with the scale's current gain). */
export function drawnLength(mode: ScaleMode, m: number, autoGain: number): number {
  if (!(m > 0)) return 0;
  if (mode === 'log') return LOG_UNIT * Math.log10(1 + m / LOG_FLOOR);
  return (mode === 'auto' ? autoGain : Number(mode)) * m;
}

/** What the legend says about a scale. */
export function describeScale(mode: ScaleMode, autoGain: number, unit: string): string {
  if (mode === 'log') return `log: 1 ${unit} → ${drawnLength('log', 1, 0).toFixed(0)}, 10 → ${drawnLength('log', 10, 0).toFixed(0)}, 100 → ${drawnLength('log', 100, 0).toFixed(0)} ${unit}`;
  if (mode === 'auto') return `×${autoGain < 10 ? autoGain.toFixed(1) : autoGain.toFixed(0)} (auto)`;
  return `×${mode}`;
}

/** The two auto scales the views share (every lane feeds them, so side-by-side lanes are drawn alike). */
export const autoScales = { deltaZ: new AutoScale(DELTA_Z_AUTO), terms: new AutoScale(TERM_AUTO) };

/** What a layer needs to draw its arrows. */
export interface ArrowOptions {
  deltaZ: ScaleMode;
  terms: ScaleMode;
  showNoise: boolean;
  /** Display time, ms: drives the auto scales and the afterimages. */
  now: number;
}
