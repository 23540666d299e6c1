// Policy inference speed on the active tfjs backend at the default config and Push-T sizes: the prior's
// encode + K-step sample per control step (B = 1 for the live demo, B = 64 for batched rollouts), a full
// SDE sample, and one forward of Φ and of the reflex at B = 64. Each figure is the median of 3–7 runs,
// read back to the host (so deferred backends are timed honestly). The B = 1 sample is also timed beside the
// pre-issue-16 layers (src/reference/) in the same process, with both kernel counts, and beside the one-step
// (MeanFlow) prior's sample, a = a_0 + u(a_0, 0, 1), at the same sizes (the K-step sample is then the reference).
import * as tf from '@tensorflow/tfjs';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { gaussianTensor } from '../nn/noise';
import { compareWithReference, type Comparison } from '../reference/compare';
import { withReferenceLayers } from '../reference/layers';
import { taskSpec } from '../sim/tasks';
import { FlowPrior, flowPriorConfig, sampleOde } from './flowPrior';
import { meanFlowFromPrior, meanFlowSample } from './meanFlow';
import { Reflex, reflexConfig } from './reflex';
import { sampleSde } from './sde';
import { Strategy, strategyConfig } from './strategy';
import { WorldPredictor, worldPredictorConfig } from './worldPredictor';

export interface PolicyBenchResult {
  backend: string;
  /** K, the Euler steps of the prior sample. */
  steps: number;
  /** Median ms of prior encode + K-step ODE sample, B = 1 and B = 64. */
  priorSampleB1Ms: number;
  priorSampleB64Ms: number;
  /** The B = 1 sample (and its kernel count) beside the same sample on the pre-issue-16 layers. */
  priorSampleB1: Comparison;
  /**
   * The one-step (MeanFlow) prior's encode + sample at B = 1 against the K-step prior's (interleaved rounds; its
   * `speedup` is the K-step time over the one-step time).
   */
  oneStepSampleB1: Comparison;
  /** Median ms of the encode alone at B = 64 (the rest is K velocity evaluations). */
  priorEncodeB64Ms: number;
  /** Median ms of encode + reflex + strategy + chain-mode SDE sample at B = 64. */
  sdeSampleB64Ms: number;
  /** Median ms of one forward at B = 64. */
  worldB64Ms: number;
  reflexB64Ms: number;
  /** Fewest timed runs behind any median (slow backends get fewer within the time budget). */
  minRuns: number;
}

const MAX_RUNS = 7;
/** The pure-JS cpu backend takes seconds per B = 64 sample: stop adding runs past this budget. */
const MIN_RUNS = 3;
const BUDGET_MS = 3000;
const WARMUP = 1;
const BATCH = 64;
/** Interleaved rounds of the B = 1 sample against the reference layers: per round, each path re-warms, then is timed. */
const SAMPLE_ROUNDS = 15;
const SAMPLE_ROUND_SHAPE = { warm: 3, timed: 3 };

async function medianMs(run: () => tf.TensorContainer): Promise<{ ms: number; runs: number }> {
  const once = async () => {
    const t0 = performance.now();
    const out = run();
    await Promise.all(tf.util.flatten(out as never).map((t: tf.Tensor) => t.data()));
    tf.dispose(out);
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  let spent = 0;
  while (times.length < MAX_RUNS && (times.length < MIN_RUNS || spent < BUDGET_MS)) {
    times.push(await once());
    spent += times[times.length - 1];
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], runs: times.length };
}

export async function benchPolicy(): Promise<PolicyBenchResult> {
  const config = defaultConfig();
  const spec = taskSpec(config.task);
  const rng = new Rng(0);
  const prior = new FlowPrior(flowPriorConfig(config, spec), 1);
  const world = new WorldPredictor(worldPredictorConfig(config, spec), 2);
  const reflex = new Reflex(reflexConfig(config, spec), 3);
  const strategy = new Strategy(strategyConfig(config, spec), 4);
  const inputs = (b: number) => ({
    tokens: gaussianTensor<tf.Rank.R3>(rng, [b, spec.numTokens, 3]),
    goal: gaussianTensor<tf.Rank.R3>(rng, [b, spec.numGoalTokens, 3]),
    noise: gaussianTensor<tf.Rank.R3>(rng, [b, config.horizon, spec.actionDim]),
    action: gaussianTensor<tf.Rank.R2>(rng, [b, spec.actionDim]),
    deltaZ: gaussianTensor<tf.Rank.R3>(rng, [b, spec.numTokens, reflex.inputDim]),
  });
  const one = inputs(1);
  const many = inputs(BATCH);
  // `timeTable` false: the flow times embedded at every step, as the code before issue 16 did (the reference path).
  const priorSample = (x: typeof one, timeTable = true) => () =>
    tf.tidy(() => sampleOde(prior.velocityFn(prior.encode(x.tokens, x.goal), timeTable ? config.sdeSteps : undefined), x.noise, config.sdeSteps));
  const runs: number[] = [];
  const time = async (f: () => tf.TensorContainer) => {
    const r = await medianMs(f);
    runs.push(r.runs);
    return r.ms;
  };
  const sampleOneWith = (timeTable: boolean) => async () => {
    const a = priorSample(one, timeTable)();
    await a.data();
    a.dispose();
  };
  const sampleOne = sampleOneWith(true);
  const priorSampleB1 = await compareWithReference(sampleOne, () => withReferenceLayers(sampleOneWith(false)), SAMPLE_ROUNDS, SAMPLE_ROUND_SHAPE);
  const oneStepPrior = meanFlowFromPrior(prior, 5);
  const oneStepSampleOne = async () => {
    const a = tf.tidy(() => meanFlowSample(oneStepPrior, oneStepPrior.encode(one.tokens, one.goal), one.noise));
    await a.data();
    a.dispose();
  };
  const oneStepSampleB1 = await compareWithReference(oneStepSampleOne, sampleOne, SAMPLE_ROUNDS, SAMPLE_ROUND_SHAPE);
  oneStepPrior.dispose();
  const result: PolicyBenchResult = {
    backend: tf.getBackend(),
    steps: config.sdeSteps,
    priorSampleB1Ms: priorSampleB1.ms,
    priorSampleB1,
    oneStepSampleB1,
    priorSampleB64Ms: await time(priorSample(many)),
    priorEncodeB64Ms: await time(() => prior.encode(many.tokens, many.goal)),
    sdeSampleB64Ms: await time(() =>
      tf.tidy(() => {
        const enc = prior.encode(many.tokens, many.goal);
        const b = reflex.apply(many.deltaZ, many.tokens).correction;
        const eta = strategy.apply(many.tokens, many.goal);
        return sampleSde({ prior: prior.velocityFn(enc, config.sdeSteps), horizon: config.horizon, reflex: b, strategy: eta }, config, rng).action;
      }),
    ),
    worldB64Ms: await time(() => world.predict({ tokens: many.tokens, action: many.action, prevTokens: many.tokens, prevAction: many.action })),
    reflexB64Ms: await time(() => reflex.apply(many.deltaZ, many.tokens)),
    minRuns: 0,
  };
  result.minRuns = Math.min(...runs);
  tf.dispose([one, many]);
  for (const m of [prior, world, reflex, strategy]) m.dispose();
  return result;
}
