// Stage 0, the world predictor Φ: Ŝ_{t+1} = S_t + Φ(S_t, a_t), trained with MSE(Ŝ_{t+1}, S_{t+1}) on
//   - the demonstrated transitions (S_t, a*_t, S_{t+1}), and
//   - transitions with perturbed actions (S_t, a*_t + ε, S'_{t+1}), ε ~ N(0, worldActionNoise²), collected by
//     replaying the demonstration states in the simulator (replayTransitions.ts), so that Φ learns how the
//     action changes the outcome, not only what the expert's action usually does;
//   - with worldEventRollouts > 0, the transitions of short rollouts after one-shot disturbances (a tipped pillar
//     falling back, a kicked object sliding), which no demonstration shows; held out likewise, reported apart.
// Metric: on held-out episodes' perturbed transitions, the mean per-token displacement error ‖Ŝ − S'‖ as a
// fraction of the "no motion" baseline ‖S_t − S'‖ (target ≤ 0.25), overall and for the object and agent tokens.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { WorldPredictor } from '../policy/worldPredictor';
import { addWorldErrors, mergeWorldErrors, worldErrorRatios, zeroWorldErrorSums, type WorldErrorSums } from '../policy/worldError';
import { concatTransitions, demoTransitions, indexSteps, pickTransitions, sampleIndices, type EpisodeSplit, type Transitions } from './demoData';
import { localGradients } from './gradientSource';
import { GuardedStep, warmupCosineLr } from './guardedStep';
import { replayEventTransitions, replayPerturbedTransitions, type EventTransitions } from './replayTransitions';
import { checkStageOptions, LossMeter, transitionTensors, warmupFor, type StageOptions } from './stage';
import { WORLD_LOSS, worldExamples } from './stageLosses';

/** Perturbed replays per demonstrated training step (fresh ε each). */
export const WORLD_REPLAY_COPIES = 2;
const HELD_OUT_TRANSITIONS = 2048;
/** Control steps of an event rollout (the event's own step is not recorded). */
export const WORLD_EVENT_STEPS = 8;
/** Held-out event rollouts (each up to WORLD_EVENT_STEPS − 1 transitions). */
const HELD_OUT_EVENT_ROLLOUTS = 256;
const EVAL_CHUNK = 512;

export interface WorldMetrics {
  heldOutLoss: number;
  /** Σ‖Ŝ − S'‖ / Σ‖S − S'‖ over all held-out tokens. */
  errorRatio: number;
  objectErrorRatio: number;
  agentErrorRatio: number;
}

/**
 * On held-out event rollouts (worldEventRollouts > 0): the error ratio over all of them and over the object's
 * tokens, then per kind of event as `errorRatioAfter<Kind>` (errorRatioAfterTilt, …), and that split into the
 * transition right after the event (`…Step1`: the event's own consequence, e.g. a tipped pillar falling back) and
 * the later ones (`…Later`: settling while the pushes go on).
 */
export type WorldEventMetrics = Record<string, number>;

/** Φ's error ratios on held-out transitions after events, per kind of event and (their sums merged) overall. */
async function evaluateAfterEvents(world: WorldPredictor, spec: TaskSpec, t: EventTransitions): Promise<WorldEventMetrics> {
  const all = zeroWorldErrorSums();
  const perKind: WorldEventMetrics = {};
  for (const kind of [...new Set(t.kinds)].sort()) {
    const rowsOf = (first: boolean) => t.kinds.flatMap((k, r) => (k === kind && (t.sinceEvent[r] === 1) === first ? [r] : []));
    const [step1, later] = [await worldErrorSums(world, spec, pickTransitions(t, rowsOf(true))), await worldErrorSums(world, spec, pickTransitions(t, rowsOf(false)))];
    const name = `errorRatioAfter${kind[0].toUpperCase()}${kind.slice(1)}`;
    const [step1Ratio, laterRatio] = [worldErrorRatios(step1).all, worldErrorRatios(later).all];
    const sums = mergeWorldErrors(step1, later);
    mergeWorldErrors(all, sums);
    perKind[name] = worldErrorRatios(sums).all;
    perKind[`${name}Step1`] = step1Ratio;
    perKind[`${name}Later`] = laterRatio;
  }
  const r = worldErrorRatios(all);
  return { eventErrorRatio: r.all, eventObjectErrorRatio: r.object, ...perKind };
}

export interface WorldReport extends WorldMetrics {
  /** After events (worldEventRollouts > 0), else absent. */
  afterEvents?: WorldEventMetrics;
  iters: number;
  /** Threads that computed each step's gradient (StageOptions.gradients). */
  workers: number;
  trainTransitions: number;
  finalTrainLoss: number | null;
  skippedSteps: number;
  seconds: number;
}

/** Loss and displacement-error ratios of Φ on a transition set. */
export async function evaluateWorld(world: WorldPredictor, spec: TaskSpec, t: Transitions): Promise<WorldMetrics> {
  const sums = await worldErrorSums(world, spec, t);
  const r = worldErrorRatios(sums);
  return { heldOutLoss: sums.squared / (t.count * spec.numTokens * TOKEN_DIM), errorRatio: r.all, objectErrorRatio: r.object, agentErrorRatio: r.agent };
}

/** Φ's summed errors and no-motion baselines over a transition set (worldError.ts). */
async function worldErrorSums(world: WorldPredictor, spec: TaskSpec, t: Transitions): Promise<WorldErrorSums> {
  const size = spec.numTokens * TOKEN_DIM;
  const sums = zeroWorldErrorSums();
  for (let start = 0; start < t.count; start += EVAL_CHUNK) {
    const part = pickTransitions(t, Int32Array.from({ length: Math.min(EVAL_CHUNK, t.count - start) }, (_, i) => start + i));
    const x = transitionTensors(part);
    const predicted = world.predict(x);
    const p = (await predicted.data()) as Float32Array;
    tf.dispose([x, predicted]);
    for (let b = 0; b < part.count; b++) addWorldErrors(spec, sums, p, b * size, part.next, b * size, part.tokens, b * size);
  }
  return sums;
}

export async function trainWorld(world: WorldPredictor, demos: DemoDataset, split: EpisodeSplit, spec: TaskSpec, c: Config, o: StageOptions): Promise<WorldReport> {
  checkStageOptions(o);
  if (split.heldOut.length === 0) throw new Error('world: the held-out split is empty (need at least two episodes)');
  const t0 = performance.now();
  const trainIndex = indexSteps(demos, split.train);
  const heldOutIndex = indexSteps(demos, split.heldOut);
  const replayRng = new Rng(deriveSeed(o.seed, 'world/replay'));
  o.log(`world: replaying ${trainIndex.count} × ${WORLD_REPLAY_COPIES} perturbed training transitions (σ = ${c.worldActionNoise})…`);
  const parts = [demoTransitions(demos, trainIndex), await replayPerturbedTransitions(demos, trainIndex, c.worldActionNoise, WORLD_REPLAY_COPIES, replayRng)];
  const eventRollouts = Math.round(c.worldEventRollouts * trainIndex.count);
  let trainEvents = 0;
  let heldOutEvents: EventTransitions | null = null;
  if (eventRollouts > 0) {
    o.log(`world: ${eventRollouts} event rollouts of ${WORLD_EVENT_STEPS} steps…`);
    const events = await replayEventTransitions(demos, trainIndex, c.worldActionNoise, eventRollouts, WORLD_EVENT_STEPS, new Rng(deriveSeed(o.seed, 'world/events')));
    parts.push(events);
    trainEvents = events.count;
    heldOutEvents = await replayEventTransitions(demos, heldOutIndex, c.worldActionNoise, HELD_OUT_EVENT_ROLLOUTS, WORLD_EVENT_STEPS, new Rng(deriveSeed(o.seed, 'world/held-out-events')));
  }
  const train = concatTransitions(parts);
  const heldOutAll = await replayPerturbedTransitions(demos, heldOutIndex, c.worldActionNoise, 1, new Rng(deriveSeed(o.seed, 'world/held-out')));
  const heldOut = pickTransitions(heldOutAll, sampleIndices(new Rng(deriveSeed(o.seed, 'world/held-out-pick')), heldOutAll.count, Math.min(HELD_OUT_TRANSITIONS, heldOutAll.count)));
  o.log(`world: ${train.count} training transitions (${trainEvents} after events), ${heldOut.count} held-out (${heldOutEvents?.count ?? 0} after events) (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  const rng = new Rng(deriveSeed(o.seed, 'world/train'));
  const gradients = await (o.gradients ?? localGradients)(WORLD_LOSS, world);
  const guard = new GuardedStep('world', world.variables, o.log);
  const warmup = warmupFor(o.iters);
  const meter = new LossMeter();
  let lastTrainLoss: number | null = null;
  let metrics: WorldMetrics = { heldOutLoss: NaN, errorRatio: NaN, objectErrorRatio: NaN, agentErrorRatio: NaN };
  let eventMetrics: WorldEventMetrics | null = null;
  try {
    for (let iter = 0; iter < o.iters; iter++) {
      await o.pace?.();
      const examples = worldExamples(pickTransitions(train, sampleIndices(rng, train.count, c.worldBatch)));
      const lr = warmupCosineLr(c.worldLr, iter, o.iters, warmup);
      const step = await guard.apply(await gradients.gradient(examples), lr);
      meter.add(step.loss);

      if ((iter + 1) % o.evalEvery === 0 || iter === o.iters - 1) {
        metrics = await evaluateWorld(world, spec, heldOut);
        if (heldOutEvents) eventMetrics = await evaluateAfterEvents(world, spec, heldOutEvents);
        lastTrainLoss = meter.take();
        const seconds = (performance.now() - t0) / 1000;
        o.onMetrics({ stage: 'world', iter: iter + 1, lr, trainLoss: lastTrainLoss, gradNorm: step.gradNorm, ...metrics, ...eventMetrics, skippedSteps: guard.skipped, seconds });
        await o.onEvaluated?.(iter + 1);
        const events = eventMetrics ? `; after events ${Object.entries(eventMetrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}` : '';
        o.log(
          `world ${iter + 1}/${o.iters}: train ${lastTrainLoss?.toExponential(3)} held-out ${metrics.heldOutLoss.toExponential(3)} ` +
            `error/no-motion ${metrics.errorRatio.toFixed(3)} (object ${metrics.objectErrorRatio.toFixed(3)}, agent ${metrics.agentErrorRatio.toFixed(3)}${events}) (${seconds.toFixed(0)} s)`,
        );
      }
    }
  } finally {
    await gradients.dispose();
    guard.dispose();
  }
  return { iters: o.iters, workers: gradients.workers, trainTransitions: train.count, finalTrainLoss: lastTrainLoss, ...metrics, ...(eventMetrics ? { afterEvents: eventMetrics } : {}), skippedSteps: guard.skipped, seconds: (performance.now() - t0) / 1000 };
}
