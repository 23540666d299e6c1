// Throughput of the prior's training step over worker threads (dataParallel.ts) at the default config (batch
// priorBatch = 64, the task's sizes): one worker, which is the in-process step, against `workers`, each with
// its own prior of the same seed on the same synthetic batch. The machine may be shared, so the two alternate
// round by round (a load spike hits both) and each figure is the median step; the ratio of the two is the
// speed-up (issue 16's target: ≥ 1.7× with two workers).
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { TOKEN_DIM } from '../sim/taskSpec';
import { taskSpec } from '../sim/tasks';
import { dataParallel } from './dataParallel';
import { GuardedStep } from './guardedStep';
import { PRIOR_LOSS, priorExamples } from './stageLosses';

const WARMUP_STEPS = 2;
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
  const batch = { tokens: normals(c.priorBatch * spec.numTokens * TOKEN_DIM), chunks: normals(c.priorBatch * c.horizon * spec.actionDim), size: c.priorBatch };
  const examples = priorExamples(spec, batch, c.horizon, rng);

  const runners: { step: () => Promise<number>; times: number[]; dispose: () => Promise<void> }[] = [];
  try {
    for (const w of [1, workers]) {
      const prior = new FlowPrior(flowPriorConfig(c, spec), c.seed);
      const source = await dataParallel(w)(PRIOR_LOSS, prior).catch((e: unknown) => {
        prior.dispose();
        throw e;
      });
      const guard = new GuardedStep('prior', prior.variables, () => {});
      const step = async () => {
        const t0 = performance.now();
        await guard.apply(await source.gradient(examples), LR);
        return performance.now() - t0;
      };
      const dispose = async () => {
        await source.dispose();
        guard.dispose();
        prior.dispose();
      };
      runners.push({ step, times: [], dispose });
    }
    for (const r of runners) for (let i = 0; i < WARMUP_STEPS; i++) await r.step();
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of runners) for (let i = 0; i < STEPS_PER_ROUND; i++) r.times.push(await r.step());
    }
  } finally {
    for (const r of runners) await r.dispose();
  }
  const [oneWorkerMs, parallelMs] = runners.map((r) => median(r.times));
  const perSec = (ms: number) => (1000 * c.priorBatch) / ms;
  return {
    batch: c.priorBatch,
    workers,
    oneWorkerMs,
    parallelMs,
    oneWorkerExamplesPerSec: perSec(oneWorkerMs),
    parallelExamplesPerSec: perSec(parallelMs),
    speedup: oneWorkerMs / parallelMs,
    steps: ROUNDS * STEPS_PER_ROUND,
  };
}
