// Data-parallel steps over worker threads (dataParallel.ts), on tiny modules: the summed gradient is the full
// batch's (prior and Φ), a fixed seed and worker count give the same bits, training with two workers learns as with one, and
// failures (a worker's error, a worker that cannot start, NaN in a worker's rows) reach the trainer cleanly.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { flatten } from '../nn/flat';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { tinyPrior, tinyWorld } from '../policy/testFixtures';
import { WorldPredictor } from '../policy/worldPredictor';
import { decodeDemos } from '../sim/dataset';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_NETS } from '../testing/tinyConfig';
import { dataParallel, partBounds } from './dataParallel';
import type { EpisodeSplit } from './demoData';
import { localGradients, type Examples, type GradientSource } from './gradientSource';
import { GuardedStep } from './guardedStep';
import type { MetricsRecord } from './stage';
import { PRIOR_LOSS, WORLD_LOSS } from './stageLosses';
import { trainPrior } from './trainPrior';

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

/** `size` random prior examples for the tiny prior (tokens, goal, chunk, τ, ε). */
function randomExamples(seed: number, size: number): Examples {
  const rng = new Rng(seed);
  const { numTokens, numGoalTokens, horizon, actionDim } = tinyPrior;
  const normals = (rows: number) => {
    const x = new Float32Array(size * rows);
    rng.fillNormal(x);
    return x;
  };
  const tau = Float32Array.from({ length: size }, () => rng.uniform());
  return { size, fields: { tokens: normals(numTokens * 3), goal: normals(numGoalTokens * 3), chunks: normals(horizon * actionDim), tau, noise: normals(horizon * actionDim) } };
}

const read = async (t: tf.Tensor) => Float32Array.from(await t.data());

describe('data-parallel gradients (tiny prior, two workers)', () => {
  let prior: FlowPrior;
  let pool: GradientSource;
  beforeAll(async () => {
    prior = new FlowPrior(tinyPrior, 3);
    pool = await dataParallel(2)(PRIOR_LOSS, prior);
  });
  afterAll(async () => {
    await pool.dispose();
    prior.dispose();
  });

  it('cuts a batch into contiguous parts of near-equal size', () => {
    expect(partBounds(64, 2)).toEqual([0, 32, 64]);
    expect(partBounds(9, 2)).toEqual([0, 4, 9]);
    expect(partBounds(10, 3)).toEqual([0, 3, 6, 10]);
  });

  it.each([16, 9])('gives the full batch’s loss and gradient within float tolerance (B = %i)', async (size) => {
    const examples = randomExamples(size, size);
    const whole = await (await localGradients(PRIOR_LOSS, prior)).gradient(examples);
    const split = await pool.gradient(examples);
    const [g1, g2] = [await read(whole.grads), await read(split.grads)];
    const scale = Math.max(...g1.map(Math.abs));
    expect(pool.workers).toBe(2);
    expect(Math.abs((await read(split.loss))[0] - (await read(whole.loss))[0])).toBeLessThan(1e-5);
    expect(Math.max(...g1.map((g, i) => Math.abs(g - g2[i])))).toBeLessThan(1e-5 * scale);
    tf.dispose([whole, split]);
  });

  it('times each thread’s part of the last step, which together fit within the step', async () => {
    const t0 = performance.now();
    tf.dispose(await pool.gradient(randomExamples(5, 12)));
    const stepMs = performance.now() - t0;
    expect(pool.partMs).toHaveLength(2);
    for (const ms of pool.partMs) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(stepMs);
    }
  });

  it('skips the update when a worker’s rows hold NaN, and leaves the weights as they were', async () => {
    const examples = randomExamples(1, 8);
    examples.fields.tokens[examples.fields.tokens.length - 1] = NaN; // the last row: the worker's part
    const logs: string[] = [];
    const guard = new GuardedStep('prior', prior.variables, (m) => logs.push(m));
    const before = await read(flatten([...prior.variables.values()]));
    const step = await guard.apply(await pool.gradient(examples), 1e-3);
    expect(step.applied).toBe(false);
    expect(logs).toEqual(['prior: non-finite loss at step 1; update skipped']);
    expect(await read(flatten([...prior.variables.values()]))).toEqual(before);
    guard.dispose();
  });

  it('keeps the tensor count flat over steps', async () => {
    const guard = new GuardedStep('prior', prior.variables, () => {});
    const step = async (seed: number) => void (await guard.apply(await pool.gradient(randomExamples(seed, 8)), 1e-3));
    await step(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 3; i++) await step(i);
    expect(tf.memory().numTensors).toBe(before);
    guard.dispose();
  });

  it('refuses a batch smaller than the worker count', async () => {
    await expect(pool.gradient(randomExamples(0, 1))).rejects.toThrow(/^data-parallel: a batch of 1 cannot be split over 2 workers$/);
  });
});

describe('data-parallel gradients (tiny world predictor, two workers)', () => {
  it('gives the full batch’s loss and gradient within float tolerance', async () => {
    const world = new WorldPredictor(tinyWorld, 3);
    const pool = await dataParallel(2)(WORLD_LOSS, world);
    const rng = new Rng(4);
    const size = 12;
    const normals = (row: number) => {
      const x = new Float32Array(size * row);
      rng.fillNormal(x);
      return x;
    };
    const tokens = tinyWorld.numTokens * 3;
    const examples: Examples = { size, fields: { prevTokens: normals(tokens), prevActions: normals(tinyWorld.actionDim), tokens: normals(tokens), actions: normals(tinyWorld.actionDim), next: normals(tokens) } };
    const whole = await (await localGradients(WORLD_LOSS, world)).gradient(examples);
    const split = await pool.gradient(examples);
    const [g1, g2] = [await read(whole.grads), await read(split.grads)];
    const [l1, l2] = [(await read(whole.loss))[0], (await read(split.loss))[0]];
    expect(Math.abs(l2 - l1) / l1).toBeLessThan(1e-5);
    expect(Math.max(...g1.map((g, i) => Math.abs(g - g2[i])))).toBeLessThan(1e-5 * Math.max(...g1.map(Math.abs)));
    tf.dispose([whole, split]);
    await pool.dispose();
    world.dispose();
  });
});

describe('data-parallel failures', () => {
  // Worker threads are OS threads: the process's thread count says whether they ended (Linux's /proc).
  const threads = () => readdirSync('/proc/self/task').length;
  const withProc = it.runIf(existsSync('/proc/self/task'));

  withProc('rejects with the worker’s error, and its threads end with dispose', async () => {
    const threadsBefore = threads();
    const prior = new FlowPrior(tinyPrior, 3);
    // The replica is built with a second encoder block, so the weights sent to it do not fit: the worker's step throws.
    const pool = await dataParallel(2)(PRIOR_LOSS, Object.assign(Object.create(prior) as FlowPrior, { config: { ...tinyPrior, depth: 2 } }));
    expect(threads()).toBeGreaterThan(threadsBefore);
    const numTensors = tf.memory().numTensors;
    await expect(pool.gradient(randomExamples(0, 4))).rejects.toThrow(/^data-parallel worker 1: unflatten: \d+ values for shapes holding \d+$/);
    expect(tf.memory().numTensors).toBe(numTensors);
    await pool.dispose();
    expect(threads()).toBe(threadsBefore);
    prior.dispose();
  });

  withProc('rejects, and ends every thread, when a worker cannot start', async () => {
    const threadsBefore = threads();
    const prior = new FlowPrior(tinyPrior, 3);
    const start = dataParallel(3)(PRIOR_LOSS, Object.assign(Object.create(prior) as FlowPrior, { config: { ...tinyPrior, actionTokens: 3 } }));
    await expect(start).rejects.toThrow(/^data-parallel worker \d: prior: actionTokens 3 does not divide horizon 4$/);
    expect(threads()).toBe(threadsBefore);
    prior.dispose();
  });

  it('refuses a worker count that is not a positive integer', () => {
    expect(() => dataParallel(0)).toThrow(/^workers: 0 is not a positive integer$/);
  });
});

describe('data-parallel prior training (tiny, fixed seed)', () => {
  const demos = decodeDemos(readFileSync(new URL('../../public/data/push-t-demos.bin', import.meta.url)));
  const split: EpisodeSplit = { train: [0, 1, 2, 3, 4, 5], heldOut: [6, 7] };
  const config: Config = { ...defaultConfig(), ...TINY_NETS, priorBatch: 32, priorLr: 3e-3 };
  const ITERS = 60;

  async function run(workers: number) {
    const prior = new FlowPrior(flowPriorConfig(config, pushTSpec), 7);
    const records: MetricsRecord[] = [];
    const report = await trainPrior(prior, demos, split, pushTSpec, config, {
      iters: ITERS,
      seed: 5,
      log: () => {},
      onMetrics: (r) => records.push(r),
      evalEvery: 10,
      gradients: dataParallel(workers),
    });
    const weights = await read(flatten([...prior.variables.values()]));
    prior.dispose();
    return { report, losses: records.map((r) => r.trainLoss as number), weights };
  }

  it('gives the same losses and weights, bit for bit, for the same seed and worker count; and learns as one thread does', async () => {
    const [one, two, twoAgain] = [await run(1), await run(2), await run(2)];
    expect(two.report.workers).toBe(2);
    expect(twoAgain.losses).toEqual(two.losses);
    expect(twoAgain.weights).toEqual(two.weights);
    expect(one.report.workers).toBe(1);
    // The same steps up to float rounding: the curves agree closely, and both fall.
    two.losses.forEach((loss, i) => expect(Math.abs(loss - one.losses[i]) / one.losses[i]).toBeLessThan(0.02));
    for (const r of [one, two]) expect(r.losses.at(-1)!).toBeLessThan(0.7 * r.losses[0]);
    expect(Math.abs(two.report.heldOutLoss - one.report.heldOutLoss) / one.report.heldOutLoss).toBeLessThan(0.02);
  }, 180_000); // three runs and two worker start-ups: ~15 s on an idle 2-core machine, 30 s seen under load
});
