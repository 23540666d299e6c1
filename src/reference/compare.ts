// REFERENCE ONLY: times a new code path beside its pre-issue-16 reference in one process, for `sagr bench`.
// The machine may be shared, so the two are interleaved round by round (a load spike hits both) and each
// figure is a median; kernels are counted with tf.profile (every kernel launch through the tfjs engine).
import * as tf from '@tensorflow/tfjs';

export interface Comparison {
  /** Median ms of the current path and of the reference path. */
  ms: number;
  referenceMs: number;
  /** referenceMs / ms. */
  speedup: number;
  /** tfjs kernel launches of one run of each. */
  kernels: number;
  referenceKernels: number;
  rounds: number;
  shape: RoundShape;
}

const WARMUP = 2;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * How a round runs each path: `warm` untimed units, then `timed` timed ones. Switching paths swaps the layers'
 * methods (withReferenceLayers), which throws away V8's optimised code for them; a few untimed units per round let
 * a millisecond-scale unit (a chunk sample) be timed as it runs in steady use, not just after the swap.
 */
export interface RoundShape {
  warm: number;
  timed: number;
}

/** "medians of 15 interleaved rounds, 3 timed after 3 untimed each". */
export const roundsText = ({ rounds, shape }: Comparison) =>
  `medians of ${rounds} interleaved rounds` + (shape.warm === 0 && shape.timed === 1 ? '' : `, ${shape.timed} timed after ${shape.warm} untimed each`);

/** `run` and `reference` each do one unit of work (a training step, a chunk sample) and wait for its result. */
export async function compareWithReference(run: () => Promise<void>, reference: () => Promise<void>, rounds: number, shape: RoundShape = { warm: 0, timed: 1 }): Promise<Comparison> {
  for (let i = 0; i < WARMUP; i++) {
    await run();
    await reference();
  }
  const kernels = (await tf.profile(run)).kernels.length;
  const referenceKernels = (await tf.profile(reference)).kernels.length;
  const times: number[] = [];
  const referenceTimes: number[] = [];
  const time = async (f: () => Promise<void>, into: number[]) => {
    for (let i = 0; i < shape.warm; i++) await f();
    for (let i = 0; i < shape.timed; i++) {
      const t0 = performance.now();
      await f();
      into.push(performance.now() - t0);
    }
  };
  for (let r = 0; r < rounds; r++) {
    await time(run, times);
    await time(reference, referenceTimes);
  }
  const [ms, referenceMs] = [median(times), median(referenceTimes)];
  return { ms, referenceMs, speedup: referenceMs / ms, kernels, referenceKernels, rounds, shape };
}
