// Evaluation metrics: success rate with a Wilson 95% interval, means with normal-approximation intervals,
// and the per-suite summary that `eval --json` prints. Pure arithmetic over finished episodes.
import { mergeWorldErrors, worldErrorRatios, zeroWorldErrorSums, type WorldErrorRatios, type WorldErrorSums } from '../policy/worldError';

/** z for a two-sided 95% interval: Φ⁻¹(0.975). */
export const Z95 = 1.959963984540054;

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Wilson score interval for k successes in n trials. Unlike the Wald interval it stays inside [0, 1]
 * and is honest at 0/n and n/n, which small evaluation runs hit often.
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): Interval {
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`trials: expected a positive integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) throw new Error(`successes: expected an integer in [0, ${trials}], got ${successes}`);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const denom = 1 + z2n;
  const centre = (p + z2n / 2) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  // The end points are exactly 0 and 1 at p = 0 and p = 1; clamp the rounding error there.
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('mean: no values');
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
export function sampleStd(xs: readonly number[]): number {
  const m = mean(xs);
  if (xs.length < 2) return 0;
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

export interface MeanWithInterval {
  mean: number;
  /** Normal approximation, mean ± z·s/√n (evaluations here run ≥ 30 episodes, where it is adequate). */
  ci: Interval;
  n: number;
}

export function meanWithInterval(xs: readonly number[], z = Z95): MeanWithInterval {
  const m = mean(xs);
  const half = (z * sampleStd(xs)) / Math.sqrt(xs.length);
  return { mean: m, ci: { lo: m - half, hi: m + half }, n: xs.length };
}

/** One finished episode, as the runner records it. */
export interface EpisodeResult {
  /** The episode's seed (derived from the root seed and the episode index). */
  seed: number;
  success: boolean;
  /** Control steps executed (the success step when it succeeded, else the episode length). */
  steps: number;
  /** Steps until coverage first exceeded the success threshold; null when it never did. */
  stepsToSuccess: number | null;
  finalCoverage: number;
  maxCoverage: number;
  /** Mean over the episode's steps of the policy's ‖Δz_t‖; null when the policy reports none (the expert). */
  meanDeltaZ: number | null;
  /** Mean over the episode's steps of the policy's ‖b_t‖; null when the policy reports none. */
  meanReflex: number | null;
  /** Chunks sampled from the prior during the episode (prior calls); null for policies without a prior. */
  priorCalls: number | null;
  /** Φ's one-step errors and the no-motion baseline over the episode's steps (policy/worldError.ts); null without Φ. */
  worldError: WorldErrorSums | null;
}

export interface SuiteSummary {
  episodes: number;
  successes: number;
  successRate: number;
  successCI: Interval;
  meanFinalCoverage: MeanWithInterval;
  meanMaxCoverage: MeanWithInterval;
  /** Over the successful episodes only; null when none succeeded. */
  meanStepsToSuccess: MeanWithInterval | null;
  meanEpisodeLength: number;
  meanDeltaZ: number | null;
  meanReflex: number | null;
  /**
   * Prior calls per 100 control steps over all episodes (null without a prior): what a policy pays in network
   * evaluations, so that a Δz-triggered re-plan can be compared with a shorter chunk at equal cost.
   */
  priorCallsPer100Steps: number | null;
  /** Φ's closed-loop error against no motion, by token type, over all the cell's steps; null without Φ. */
  worldError: WorldErrorRatios | null;
  /** Per episode in episode order, '1' solved and '0' not: what paired tests between policies read (paired.ts). */
  outcomes: string;
}

/** Mean of the non-null values, or null when every episode reported null. */
function meanOfReported(xs: readonly (number | null)[]): number | null {
  const reported = xs.filter((x): x is number => x !== null);
  return reported.length ? mean(reported) : null;
}

function callsPer100Steps(results: readonly EpisodeResult[]): number | null {
  if (results.some((r) => r.priorCalls === null)) return null;
  const calls = results.reduce((sum, r) => sum + (r.priorCalls ?? 0), 0);
  const steps = results.reduce((sum, r) => sum + r.steps, 0);
  return (100 * calls) / steps;
}

export function summarizeEpisodes(results: readonly EpisodeResult[]): SuiteSummary {
  if (results.length === 0) throw new Error('summarizeEpisodes: no episodes');
  const successes = results.filter((r) => r.success).length;
  const toSuccess = results.flatMap((r) => (r.stepsToSuccess === null ? [] : [r.stepsToSuccess]));
  return {
    episodes: results.length,
    successes,
    successRate: successes / results.length,
    successCI: wilsonInterval(successes, results.length),
    meanFinalCoverage: meanWithInterval(results.map((r) => r.finalCoverage)),
    meanMaxCoverage: meanWithInterval(results.map((r) => r.maxCoverage)),
    meanStepsToSuccess: toSuccess.length ? meanWithInterval(toSuccess) : null,
    meanEpisodeLength: mean(results.map((r) => r.steps)),
    meanDeltaZ: meanOfReported(results.map((r) => r.meanDeltaZ)),
    meanReflex: meanOfReported(results.map((r) => r.meanReflex)),
    priorCallsPer100Steps: callsPer100Steps(results),
    worldError: results.some((r) => r.worldError === null) ? null : worldErrorRatios(results.reduce((sum, r) => mergeWorldErrors(sum, r.worldError!), zeroWorldErrorSums())),
    outcomes: results.map((r) => (r.success ? '1' : '0')).join(''),
  };
}
