// The y range of a metric's chart: the data's span, padded, within the metric's natural bounds (a success rate is
// drawn on 0…1 whatever its values, a norm from 0), so a flat series neither fills the chart nor straddles zero.

/** The metric's natural lower and upper bound; null where the data decides. */
export type Bounds = readonly [number | null, number | null];
export const UNBOUNDED: Bounds = [null, null];

/** Share of the data's span added above and below. */
const PAD = 0.1;

export function yRange(min: number | null, max: number | null, [lo, hi]: Bounds): [number, number] {
  if (lo !== null && hi !== null) return [lo, hi];
  if (min === null || max === null) return lo !== null ? [lo, lo + 1] : hi !== null ? [hi - 1, hi] : [0, 1];
  // A flat series gets 10% of its size (or 1 about zero) on each side.
  const pad = max > min ? (max - min) * PAD : min === 0 ? 1 : Math.abs(min) * PAD;
  return [lo ?? min - pad, hi ?? max + pad];
}

/** Tick steps of an iteration axis: whole iterations only. */
export const ITERATION_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];
