import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { ChunkedFlowPolicy } from '../eval/learnedPolicies';
import { useNodeBackend } from '../engine/nodeBackend';
import { FlowPrior } from '../policy/flowPrior';
import { Reflex } from '../policy/reflex';
import type { SdeParams } from '../policy/sde';
import { Strategy } from '../policy/strategy';
import { TINY, tinyPrior, tinyReflex, tinyStrategy, tinyWorld } from '../policy/testFixtures';
import { WorldPredictor } from '../policy/worldPredictor';
import type { TaskSpec } from '../sim/taskSpec';
import { ClosedLoop, executedLogProb } from './closedLoop';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const logN = (x: number, mean: number, std: number) => -0.5 * ((x - mean) / std) ** 2 - Math.log(std) - 0.5 * Math.log(2 * Math.PI);

describe('executedLogProb', () => {
  it('puts the per-step reflex in the last Euler step of executed actions only', () => {
    // K = 2, H = 2, A = 1, n = 1: residual r[k][j]; Δτ = 0.5, s = σ·√Δτ; g_b = 2, g_η = 1.
    const sde: SdeParams = { ...defaultConfig(), sdeSteps: 2, sdeMode: 'chain', sigmaSchedule: 'constant', sigmaMax: 0.1, reflexGain: 2, strategyGain: 1 };
    const r = [[0.03, -0.02], [0.05, 0.01]];
    const [eta, bOld, bNew] = [0.2, 0.3, 0.5];
    const s = 0.1 * Math.sqrt(0.5);
    // The executed action's last-step residual is r[1][0] + g_b·bOld; its mean under the new reflex is η·Δτ + g_b·bNew.
    let expected = logN(r[0][0], eta * 0.5, s) + logN(r[0][1], eta * 0.5, s) + logN(r[1][1], eta * 0.5, s);
    expected += logN(r[1][0] + 2 * bOld, eta * 0.5 + 2 * bNew, s);
    const got = tf.tidy(() =>
      executedLogProb(tf.tensor4d(r.flat(), [1, 2, 2, 1]), tf.tensor2d([[eta]]), tf.tensor2d([[bOld]]), tf.tensor2d([[bNew]]), tf.tensor2d([[1]]), sde).dataSync()[0],
    );
    expect(got).toBeCloseTo(expected, 4);
    // A step after the episode ended carried no reflex: its term does not depend on b.
    const unexecuted = tf.tidy(() =>
      executedLogProb(tf.tensor4d(r.flat(), [1, 2, 2, 1]), tf.tensor2d([[eta]]), tf.tensor2d([[bOld]]), tf.tensor2d([[bNew]]), tf.tensor2d([[0]]), sde).dataSync()[0],
    );
    expect(unexecuted).toBeCloseTo(logN(r[1][0], eta * 0.5, s) + expected - logN(r[1][0] + 2 * bOld, eta * 0.5 + 2 * bNew, s), 4);
  });

  it('is exactly the stored log-prob while b is unchanged, in terminal mode too', () => {
    const sde: SdeParams = { ...defaultConfig(), sdeMode: 'terminal', sigmaMax: 0.1 };
    const rng = new Rng(1);
    const res = Float32Array.from({ length: 2 * 4 * 2 }, () => 0.1 * rng.normal());
    const b = Float32Array.from({ length: 2 * 3 * 2 }, () => rng.normal());
    const [same, plain] = tf.tidy(() => {
      const residuals = tf.tensor4d(res, [2, 1, 4, 2]);
      const eta = tf.tensor2d([0.1, 0.2, 0.3, 0.4], [2, 2]);
      const bOld = tf.tensor2d(b, [6, 2]);
      const exec = tf.ones([6, 1]) as tf.Tensor2D;
      const noShift = executedLogProb(residuals, eta, bOld, tf.tensor2d(b, [6, 2]), exec, sde);
      const zero = tf.zeros([6, 2]) as tf.Tensor2D;
      return [noShift.dataSync(), executedLogProb(residuals, eta, zero, zero, exec, sde).dataSync()];
    });
    expect(Array.from(same)).toEqual(Array.from(plain));
  });
});

describe('ClosedLoop', () => {
  const spec: TaskSpec = {
    name: 'tiny',
    numTokens: TINY.numTokens,
    tokenTypes: Int32Array.from(TINY.tokenTypes),
    goalTokens: new Float32Array(TINY.numGoalTokens * 3).fill(0.5),
    numGoalTokens: TINY.numGoalTokens,
    actionDim: TINY.actionDim,
    maxSteps: 100,
    controlHz: 10,
    worldScale: [1, 1, 1],
    worldOffset: [0, 0, 0],
  };
  const B = 3;
  const n = 2;
  const sde: SdeParams = { ...defaultConfig(), sdeSteps: 2, sigmaMax: 0.1, reflexGain: 1, strategyGain: 1 };

  function setup() {
    const modules = { prior: new FlowPrior(tinyPrior, 1), world: new WorldPredictor(tinyWorld, 2), reflex: new Reflex(tinyReflex, 3), strategy: new Strategy(tinyStrategy, 4) };
    const tokens = new Float32Array(B * spec.numTokens * 3);
    new Rng(9).fillNormal(tokens, 0, 0.5);
    const dispose = () => Object.values(modules).forEach((m) => m.dispose());
    return { modules, tokens, dispose };
  }

  it('executes n actions of a chunk, each the chunk entry plus g_b·b_t, then asks for a new decision', async () => {
    const { modules, tokens, dispose } = setup();
    const withReflex = new ClosedLoop(modules, spec, B, n);
    const without = new ClosedLoop(modules, spec, B, n);
    const all = Int32Array.from([0, 1, 2]);
    await withReflex.decide(tokens, all, sde, new Rng(5));
    await without.decide(tokens, all, sde, new Rng(5)); // same noise: the same chunks
    withReflex.deltaZ.fill(0.05); // a residual for the reflex to react to
    for (let j = 0; j < n; j++) {
      const a = await withReflex.act(tokens, 1);
      const a0 = await without.act(tokens, 0);
      expect(Array.from(a.chunkStep)).toEqual([j, j, j]);
      expect(Array.from(a0.reflex)).toEqual([0, 0, 0, 0, 0, 0]);
      a.actions.forEach((x, k) => expect(x).toBeCloseTo(a0.actions[k] + a.reflex[k], 6));
      expect(a.reflex.some((x) => x !== 0)).toBe(true);
    }
    expect(withReflex.needsDecision(0)).toBe(true);
    await expect(withReflex.act(tokens, 1)).rejects.toThrow(/no chunk/);
    const idle = new Float32Array(B * 2).fill(0.25);
    const held = await withReflex.act(tokens, 1, idle);
    expect(Array.from(held.actions)).toEqual(Array.from(idle));
    expect(Array.from(held.chunkStep)).toEqual([-1, -1, -1]);
    dispose();
  });

  it('observes Δz = S_actual − Ŝ (the final observation for envs that finished) and resets finished envs', async () => {
    const { modules, tokens, dispose } = setup();
    const loop = new ClosedLoop(modules, spec, B, n);
    expect(Array.from(loop.observe(tokens))).toEqual([0, 0, 0]); // nothing predicted yet
    await loop.decide(tokens, Int32Array.from([0, 1, 2]), sde, new Rng(5));
    const { actions } = await loop.act(tokens, 1);
    const predicted = tf.tidy(() => modules.world.predict(tf.tensor3d(tokens, [B, spec.numTokens, 3]), tf.tensor2d(actions, [B, 2])).dataSync());
    const next = tokens.map((x) => x + 0.1);
    const final = tokens.map((x) => x - 0.2);
    const dones = Uint8Array.from([0, 1, 0]);
    const sq = loop.observe(next, dones, final);
    const size = spec.numTokens * 3;
    for (const env of [0, 2]) {
      let s = 0;
      for (let k = env * size; k < (env + 1) * size; k++) {
        expect(loop.deltaZ[k]).toBeCloseTo(next[k] - predicted[k], 5);
        s += (next[k] - predicted[k]) ** 2;
      }
      expect(sq[env]).toBeCloseTo(s, 4);
    }
    let s1 = 0;
    for (let k = size; k < 2 * size; k++) s1 += (final[k] - predicted[k]) ** 2;
    expect(sq[1]).toBeCloseTo(s1, 4);
    expect(Array.from(loop.deltaZ.subarray(size, 2 * size)).every((x) => x === 0)).toBe(true); // reset: Δz = 0
    expect(loop.needsDecision(1)).toBe(true);
    expect(loop.needsDecision(0)).toBe(false);
    dispose();
  });

  it('acts exactly as the evaluation sagr policy given the same noise (training and evaluation agree)', async () => {
    const { modules, tokens } = setup();
    const seed = 17;
    const params = { ...sde, executeSteps: n, seed };
    const evalPolicy = new ChunkedFlowPolicy(modules.prior, spec, B, params, { world: modules.world, reflex: modules.reflex }, modules.strategy);
    expect(evalPolicy.name).toBe('sagr');
    const loop = new ClosedLoop(modules, spec, B, n);
    const rng = new Rng(deriveSeed(seed, 'policy/sde')); // the evaluation policy's sampler stream
    const all = Int32Array.from([0, 1, 2]);
    for (let t = 0; t < 2 * n; t++) {
      const obs = tokens.map((x, k) => x + 0.01 * t * Math.sin(k)); // the world moves, so Δz ≠ 0 after the first step
      const expected = await evalPolicy.act({ numEnvs: B, tokens: obs, episodeStep: new Int32Array(B).fill(t), states: [] });
      loop.observe(obs);
      if (loop.needsDecision(0)) await loop.decide(obs, all, sde, rng);
      const got = await loop.act(obs, sde.reflexGain);
      expect(Array.from(got.actions)).toEqual(Array.from(expected.actions));
      if (t > 0) expect(got.reflex.some((x) => x !== 0)).toBe(true);
    }
    evalPolicy.dispose(); // frees the modules
  });
});
