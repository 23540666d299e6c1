// Short stage-0/1 runs on a few shipped demonstrations with tiny modules (fixed seeds): each loss goes down,
// nothing leaks, and the reflex learns from the world predictor trained just before it.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { decodeDemos } from '../sim/dataset';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_NETS } from '../testing/tinyConfig';
import type { EpisodeSplit } from './demoData';
import { reflexWarmup } from './reflexWarmup';
import type { MetricsRecord, StageOptions } from './stage';
import { trainPrior } from './trainPrior';
import { trainWorld } from './trainWorld';

const demos = decodeDemos(readFileSync(new URL('../../public/data/push-t-demos.bin', import.meta.url)));
const split: EpisodeSplit = { train: [0, 1, 2, 3, 4, 5], heldOut: [6, 7] };
const spec = pushTSpec;

const tiny: Config = {
  ...defaultConfig(),
  ...TINY_NETS,
  priorBatch: 32,
  priorLr: 3e-3,
  worldBatch: 64,
  worldLr: 3e-3,
  reflexBatch: 64,
  reflexLr: 3e-3,
};

/** Records each evaluation, with the live tensor count at that moment (it must not grow with the iterations). */
function options(iters: number, records: MetricsRecord[], tensorCounts: number[]): StageOptions {
  return {
    iters,
    seed: 5,
    log: () => {},
    onMetrics: (r) => {
      records.push(r);
      tensorCounts.push(tf.memory().numTensors);
    },
    evalEvery: 20,
  };
}

const flat = (counts: number[]) => expect(new Set(counts).size).toBe(1);

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

describe('stage 0 and 1 training (tiny, fixed seed)', () => {
  let world: WorldPredictor;
  beforeAll(() => {
    world = new WorldPredictor(worldPredictorConfig(tiny, spec), 2);
  });

  it('prior: the flow-matching loss goes down, held-out too; the tensor count stays flat', async () => {
    const prior = new FlowPrior(flowPriorConfig(tiny, spec), 1);
    const records: MetricsRecord[] = [];
    const counts: number[] = [];
    const report = await trainPrior(prior, demos, split, spec, tiny, options(200, records, counts));
    flat(counts);
    expect(records.map((r) => r.iter)).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
    expect(records.at(-1)!.trainLoss as number).toBeLessThan(0.6 * (records[0].trainLoss as number));
    expect(report.heldOutLoss).toBeLessThan(0.8 * (records[0].heldOutLoss as number));
    expect(report.skippedSteps).toBe(0);
    prior.dispose();
  });

  it('world: the dynamics loss and the displacement error (vs no motion) go down', async () => {
    const records: MetricsRecord[] = [];
    const counts: number[] = [];
    const report = await trainWorld(world, demos, split, spec, tiny, options(200, records, counts));
    flat(counts);
    expect(report.trainTransitions).toBe(3 * demos.manifest.episodeLengths.slice(0, 6).reduce((a, b) => a + b, 0));
    expect(records.at(-1)!.trainLoss as number).toBeLessThan(0.5 * (records[0].trainLoss as number));
    expect(report.errorRatio).toBeLessThan(records[0].errorRatio as number);
    expect(report.agentErrorRatio).toBeLessThan(0.7 * (records[0].agentErrorRatio as number));
  });

  it('world with event rollouts: their transitions join the training set, and the error after each kind of event is reported and goes down', async () => {
    const withEvents: Config = { ...tiny, worldEventRollouts: 0.05 };
    const fresh = new WorldPredictor(worldPredictorConfig(withEvents, spec), 2);
    const records: MetricsRecord[] = [];
    const report = await trainWorld(fresh, demos, split, spec, withEvents, options(200, records, []));
    fresh.dispose();
    const steps = demos.manifest.episodeLengths.slice(0, 6).reduce((a, b) => a + b, 0);
    // Push-T's events are displacements and kicks; a rollout records up to 7 steps after its event.
    const events = report.trainTransitions - 3 * steps;
    expect(events).toBeGreaterThan(Math.round(0.05 * steps) * 3);
    expect(events).toBeLessThanOrEqual(Math.round(0.05 * steps) * 7);
    const after = report.afterEvents!;
    const kinds = ['errorRatioAfterDisplace', 'errorRatioAfterKick'];
    expect(Object.keys(after).sort()).toEqual([...kinds.flatMap((k) => [k, `${k}Later`, `${k}Step1`]), 'eventErrorRatio', 'eventObjectErrorRatio'].sort());
    // A kind's ratio pools its two parts' errors and motions, so it lies between their ratios.
    for (const k of kinds) {
      expect(after[k]).toBeGreaterThanOrEqual(Math.min(after[`${k}Step1`], after[`${k}Later`]));
      expect(after[k]).toBeLessThanOrEqual(Math.max(after[`${k}Step1`], after[`${k}Later`]));
    }
    expect(after.eventErrorRatio).toBeLessThan(records[0].eventErrorRatio as number);
  });

  it('reflex: with Φ frozen, the hindsight loss goes down and b explains part of −ε', async () => {
    // A 200-step Φ with motion inputs leans on the motion and barely on the action; the warm-up needs Φ to react
    // to the action, so this test trains one without them.
    const blind: Config = { ...tiny, worldMotion: false };
    world.dispose();
    world = new WorldPredictor(worldPredictorConfig(blind, spec), 2);
    await trainWorld(world, demos, split, spec, blind, options(200, [], []));
    const reflex = new Reflex(reflexConfig(tiny, spec), 3);
    const worldBefore = [...world.variables.values()].map((v) => v.dataSync().slice());
    const records: MetricsRecord[] = [];
    const counts: number[] = [];
    const report = await reflexWarmup(reflex, world, demos, split, tiny, options(200, records, counts));
    flat(counts);
    expect(records.at(-1)!.trainLoss as number).toBeLessThan(0.7 * (records[0].trainLoss as number));
    expect(report.r2).toBeGreaterThan(0.2);
    expect([...world.variables.values()].map((v) => v.dataSync().slice())).toEqual(worldBefore);
    reflex.dispose();
    world.dispose();
  });
});
