// The colour scale of the residual arrows: ‖Δz‖ in pixels → colour, from calm blue through yellow to red at
// the top of the scale (and red beyond it). The legend draws the same stops as a CSS gradient.

/** ‖Δz‖ at the top of the scale, px: a clear surprise (a shove); Φ's ordinary errors sit near the bottom. */
export const RESIDUAL_SCALE_PX = 20;

/** [position in [0, 1], 0xRRGGBB] */
export const RESIDUAL_STOPS: readonly (readonly [number, number])[] = [
  [0, 0x4dabf7],
  [0.5, 0xfcc419],
  [1, 0xff3d14],
];

const channel = (hex: number, shift: number) => ((hex >> shift) & 0xff) / 255;

/** The colour of a residual of `px` pixels, as [r, g, b] in [0, 1] (sRGB). Non-finite values count as 0. */
export function residualColor(px: number, scalePx: number = RESIDUAL_SCALE_PX): [number, number, number] {
  const t = Number.isFinite(px) && scalePx > 0 ? Math.min(1, Math.max(0, px / scalePx)) : 0;
  let i = 0;
  while (i < RESIDUAL_STOPS.length - 2 && t > RESIDUAL_STOPS[i + 1][0]) i++;
  const [t0, c0] = RESIDUAL_STOPS[i];
  const [t1, c1] = RESIDUAL_STOPS[i + 1];
  const u = (t - t0) / (t1 - t0);
  return [16, 8, 0].map((shift) => channel(c0, shift) + u * (channel(c1, shift) - channel(c0, shift))) as [number, number, number];
}

export function residualGradientCss(): string {
  return `linear-gradient(to right, ${RESIDUAL_STOPS.map(([t, c]) => `#${c.toString(16).padStart(6, '0')} ${t * 100}%`).join(', ')})`;
}
