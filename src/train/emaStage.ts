// The loop of the supervised stages that keep an EMA of their weights (the prior, and the one-step prior distilled
// from it): per iteration the caller's examples (its seeded draws, in its order), the loss and gradient from the
// stage's GradientSource, a guarded Adam step at the warm-up + cosine learning rate, the EMA update; every
// evalEvery, the caller's held-out metrics with the averaged weights in the module. On return the module holds the
// averaged weights.
import { EmaWeights } from './ema';
import { localGradients, type Examples, type StageLoss, type TrainedModule } from './gradientSource';
import { GuardedStep, warmupCosineLr } from './guardedStep';
import { LossMeter, warmupFor, type StageOptions } from './stage';

export interface EmaStage<M extends TrainedModule, H extends Record<string, number>> {
  /** The stage's name in metrics, logs and the optimiser's. */
  name: string;
  module: M;
  loss: StageLoss<M>;
  baseLr: number;
  /** One step's examples. */
  examples: () => Examples;
  /** Held-out metrics (the averaged weights are in the module). */
  evaluate: () => Promise<H>;
  /** The held-out part of a progress line. */
  describe: (held: H) => string;
  /** The metrics before any evaluation. */
  initial: H;
  /** When the stage started (its records' `seconds` count from it). */
  t0: number;
}

export interface EmaStageResult<H> {
  held: H;
  lastTrainLoss: number | null;
  workers: number;
  skippedSteps: number;
}

export async function runEmaStage<M extends TrainedModule, H extends Record<string, number>>(s: EmaStage<M, H>, o: StageOptions): Promise<EmaStageResult<H>> {
  const gradients = await (o.gradients ?? localGradients)(s.loss, s.module);
  const guard = new GuardedStep(s.name, s.module.variables, o.log);
  const ema = new EmaWeights(s.module.variables.values());
  const warmup = warmupFor(o.iters);
  const meter = new LossMeter();
  let lastTrainLoss: number | null = null;
  let held = s.initial;
  try {
    for (let iter = 0; iter < o.iters; iter++) {
      await o.pace?.();
      const examples = s.examples();
      const lr = warmupCosineLr(s.baseLr, iter, o.iters, warmup);
      const step = await guard.apply(await gradients.gradient(examples), lr);
      if (step.applied) ema.update();
      meter.add(step.loss);

      if ((iter + 1) % o.evalEvery === 0 || iter === o.iters - 1) {
        held = await ema.withAverage(async () => {
          const metrics = await s.evaluate();
          await o.onEvaluated?.(iter + 1);
          return metrics;
        });
        lastTrainLoss = meter.take();
        const seconds = (performance.now() - s.t0) / 1000;
        o.onMetrics({ stage: s.name, iter: iter + 1, lr, trainLoss: lastTrainLoss, gradNorm: step.gradNorm, ...held, skippedSteps: guard.skipped, seconds });
        o.log(`${s.name} ${iter + 1}/${o.iters}: train ${lastTrainLoss?.toFixed(4)} ${s.describe(held)} (${seconds.toFixed(0)} s)`);
      }
    }
    ema.swap(); // the module keeps the averaged weights
  } finally {
    await gradients.dispose();
    guard.dispose();
    ema.dispose();
  }
  return { held, lastTrainLoss, workers: gradients.workers, skippedSteps: guard.skipped };
}
