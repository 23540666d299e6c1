// Throughput of the prior's training step over worker threads (dataParallel.ts) at the default config (batch
// priorBatch = 64, the task's sizes): one worker, which is the in-process step, against `workers`, each with
// its own prior of the same seed on the same synthetic batch. The machine may be shared, so the runs alternate
// round by round (a load spike hits all) and each figure is the median step; the ratio of the two is the
// speed-up (issue 16's target: ≥ 1.7× with two workers).
// Two more runs in the same rounds bound what any split of the batch can give on this machine:
//   - one worker at B / workers: a part's own step. oneWorkerMs / that is the speed-up if the parts ran side by
//     side at no cost, so the step's batch-independent part (kernel launches, per-weight work) caps it;
//   - `workers` workers at B · workers: each thread steps a full batch of B at once, the step's fixed part no
//     longer split; its throughput over one worker's is what the cores give when both are busy (shared caches
//     and memory), the ceiling of data parallelism here short of a larger batch.
// And in the `workers` run at B, each thread's time on its part of every step (GradientSource.partMs): the gap
// between the part bound and the measured speed-up splits into the parts slowing each other, the wait for the
// slower part of each step, and what the step adds (the sum, the guard and Adam).
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { TOKEN_DIM } from '../sim/taskSpec';
import { taskSpec } from '../sim/tasks';
import { dataParallel } from './dataParallel';
import { GuardedStep } from './guardedStep';
import { PRIOR_LOSS, priorExamples } from './stageLosses';

/** A fresh worker thread's first ~10 steps run 1.5–4× slower (its wasm is still being optimised): warm past them. */
const WARMUP_STEPS = 15;
const ROUNDS = 7;
const STEPS_PER_ROUND = 3;
const LR = 1e-4;

export interface DataParallelBenchResult {
  batch: number;
  workers: number;
  /** Median ms per guarded Adam step with one worker and with `workers`. */
  oneWorkerMs: number;
  parallelMs: number;
  /** Examples per second, batch / step time. */
  oneWorkerExamplesPerSec: number;
  parallelExamplesPerSec: number;
  /** oneWorkerMs / parallelMs. */
  speedup: number;
  /** Rows of one part (B / workers, rounded up), the median ms of one worker's step on them, and oneWorkerMs / that. */
  partRows: number;
  partMs: number;
  partBound: number;
  /**
   * In the `workers` run at B: each thread's median ms on its own part (this thread first), and the median over
   * steps of the slowest thread's part, which the step waits for. Their gap is what the parts' step-to-step
   * variation costs beyond the parts' own time.
   */
  threadPartMs: number[];
  slowestPartMs: number;
  /** Median ms per step of `workers` workers on B · workers rows, and its throughput over one worker's at B. */
  scaledMs: number;
  scaledSpeedup: number;
  /** Timed steps of each. */
  steps: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function benchDataParallel(c: Config = defaultConfig(), workers = 2): Promise<DataParallelBenchResult> {
  const spec = taskSpec(c.task);
  const rng = new Rng(c.seed);
  const normals = (n: number) => {
    const x = new Float32Array(n);
    rng.fillNormal(x);
    return x;
  };
  const examplesOf = (size: number) => {
    const batch = { tokens: normals(size * spec.numTokens * TOKEN_DIM), chunks: normals(size * c.horizon * spec.actionDim), size };
    return priorExamples(spec, batch, c.horizon, rng);
  };
  const B = c.priorBatch;
  const partRows = Math.ceil(B / workers);
  const runs = [
    { w: 1, examples: examplesOf(B) },
    { w: workers, examples: examplesOf(B) },
    { w: 1, examples: examplesOf(partRows) },
    { w: workers, examples: examplesOf(B * workers) },
  ];

  const runners: { step: () => Promise<number>; times: number[]; parts: (readonly number[])[]; dispose: () => Promise<void> }[] = [];
  try {
    for (const { w, examples } of runs) {
      const prior = new FlowPrior(flowPriorConfig(c, spec), c.seed);
      const source = await dataParallel(w)(PRIOR_LOSS, prior).catch((e: unknown) => {
        prior.dispose();
        throw e;
      });
      const guard = new GuardedStep('prior', prior.variables, () => {});
      const parts: (readonly number[])[] = [];
      const step = async () => {
        const t0 = performance.now();
        await guard.apply(await source.gradient(examples), LR);
        const ms = performance.now() - t0;
        parts.push(source.partMs);
        return ms;
      };
      const dispose = async () => {
        await source.dispose();
        guard.dispose();
        prior.dispose();
      };
      runners.push({ step, times: [], parts, dispose });
    }
    for (const r of runners) {
      for (let i = 0; i < WARMUP_STEPS; i++) await r.step();
      r.parts.length = 0;
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of runners) for (let i = 0; i < STEPS_PER_ROUND; i++) r.times.push(await r.step());
    }
  } finally {
    for (const r of runners) await r.dispose();
  }
  const [oneWorkerMs, parallelMs, partMs, scaledMs] = runners.map((r) => median(r.times));
  const parallelParts = runners[1].parts;
  const perSec = (ms: number) => (1000 * B) / ms;
  return {
    batch: B,
    workers,
    oneWorkerMs,
    parallelMs,
    oneWorkerExamplesPerSec: perSec(oneWorkerMs),
    parallelExamplesPerSec: perSec(parallelMs),
    speedup: oneWorkerMs / parallelMs,
    partRows,
    partMs,
    partBound: oneWorkerMs / partMs,
    threadPartMs: Array.from({ length: workers }, (_, t) => median(parallelParts.map((p) => p[t]))),
    slowestPartMs: median(parallelParts.map((p) => Math.max(...p))),
    scaledMs,
    scaledSpeedup: (workers * oneWorkerMs) / scaledMs,
    steps: ROUNDS * STEPS_PER_ROUND,
  };
}
