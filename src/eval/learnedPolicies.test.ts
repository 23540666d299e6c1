import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { saveCheckpoint, type Checkpointable } from '../nn/checkpoint';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { SUITES } from '../sim/perturbations';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { PushTVecEnv } from '../sim/vecEnv';
import { TINY_NETS } from '../testing/tinyConfig';
import { loadPrior, loadReflex, loadWorld } from './learnedCheckpoints';
import { ChunkedFlowPolicy, isDeterministic } from './learnedPolicies';
import { runEpisodes } from './runEpisodes';

const spec = pushTSpec;
const tiny: Config = {
  ...defaultConfig(),
  ...TINY_NETS,
  sdeSteps: 3,
  sigmaMax: 0,
  sigmaMin: 0,
};

const makePrior = () => new FlowPrior(flowPriorConfig(tiny, spec), 1);
const makeReflexParts = () => ({ world: new WorldPredictor(worldPredictorConfig(tiny, spec), 2), reflex: new Reflex(reflexConfig(tiny, spec), 3) });
/** The prior alone, or with the reflex's parts. */
const policy = (numEnvs: number, params: Config, reflexParts: ReturnType<typeof makeReflexParts> | null = null) =>
  new ChunkedFlowPolicy(reflexParts ? 'reflex' : 'prior', { prior: makePrior(), world: reflexParts?.world ?? null, reflex: reflexParts?.reflex ?? null, strategy: null }, spec, numEnvs, params);

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

async function evaluate(policy: ChunkedFlowPolicy, numEnvs: number) {
  try {
    return await runEpisodes(policy, { perturbation: SUITES.nominal, episodes: 3, seed: 4, numEnvs, maxSteps: 12 });
  } finally {
    policy.dispose();
  }
}

describe('learned eval policies', () => {
  it('prior (σ = 0): the same seed gives the same episodes, whatever the number of parallel envs', async () => {
    expect(isDeterministic(tiny)).toBe(true);
    const a = await evaluate(policy(2, tiny), 2);
    const b = await evaluate(policy(2, tiny), 2);
    const c = await evaluate(policy(3, tiny), 3);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.map((r) => r.steps)).toEqual([12, 12, 12]);
    expect(a[0].meanDeltaZ).toBeNull();
    // One prior call per n executed actions.
    expect(a.map((r) => r.priorCalls)).toEqual([12, 12, 12].map((steps) => steps / tiny.executeSteps));
  });

  it('counts a Δz-triggered re-plan as a prior call', async () => {
    // A threshold below any residual of the untrained Φ: every step after the first prediction re-plans.
    const chunked = await evaluate(policy(2, tiny, makeReflexParts()), 2);
    const triggered = await evaluate(policy(2, { ...tiny, replanThreshold: 1e-9 }, makeReflexParts()), 2);
    expect(chunked.map((r) => r.priorCalls)).toEqual([6, 6, 6]);
    expect(triggered.map((r) => r.priorCalls)).toEqual([12, 12, 12]);
  });

  it('prior (σ > 0): reproducible for a seed and B, and different from the ODE sample', async () => {
    const noisy = { ...tiny, sigmaMax: 0.2 };
    expect(isDeterministic(noisy)).toBe(false);
    const a = await evaluate(policy(2, noisy), 2);
    const b = await evaluate(policy(2, noisy), 2);
    expect(b).toEqual(a);
    // The same episode seed: the ODE sample and the noisy chain start from the same a_0 and end apart.
    const env = await PushTVecEnv.create({ numEnvs: 1, seed: 1 });
    const [noisyPolicy, odePolicy] = [policy(1, noisy), policy(1, tiny)];
    const actions = [];
    for (const p of [noisyPolicy, odePolicy]) {
      p.resetEnv(0, 5);
      actions.push(Array.from((await p.act({ numEnvs: 1, tokens: env.tokens, episodeStep: env.episodeStep, states: [] })).actions));
      p.dispose();
    }
    env.free();
    expect(actions[0]).not.toEqual(actions[1]);
  });

  it('executes n = executeSteps actions of a chunk, then replans', async () => {
    const env = await PushTVecEnv.create({ numEnvs: 1, seed: 1 });
    const obs = () => ({ numEnvs: 1, tokens: env.tokens, episodeStep: env.episodeStep, states: [] });
    const every2 = policy(1, tiny);
    const every4 = policy(1, { ...tiny, executeSteps: 4 });
    every2.resetEnv(0, 3);
    every4.resetEnv(0, 3);
    const same: boolean[] = [];
    for (let t = 0; t < 4; t++) {
      const [a, b] = [await every2.act(obs()), await every4.act(obs())];
      same.push(a.actions.every((x, i) => x === b.actions[i]));
      env.step(b.actions);
    }
    expect(same).toEqual([true, true, false, false]);
    every2.dispose();
    every4.dispose();
    env.free();
  });

  it('reflex: adds g_b·b every step, Δz = 0 at reset; 200 steps leave the tensor count flat', async () => {
    const env = await PushTVecEnv.create({ numEnvs: 2, seed: 1 });
    const obs = () => ({ numEnvs: 2, tokens: env.tokens, episodeStep: env.episodeStep, states: [] });
    const prior = policy(2, tiny);
    const withReflex = policy(2, { ...tiny, reflexGain: 2 }, makeReflexParts());
    const off = policy(2, { ...tiny, reflexGain: 0 }, makeReflexParts());
    for (const p of [prior, withReflex, off]) [0, 1].forEach((i) => p.resetEnv(i, 10 + i));
    const before = tf.memory().numTensors;
    for (let t = 0; t < 200; t++) {
      const [a, r, o] = [await prior.act(obs()), await withReflex.act(obs()), await off.act(obs())];
      expect(Array.from(o.actions)).toEqual(Array.from(a.actions)); // g_b = 0 is the prior
      if (t === 0) expect(Array.from(r.deltaZNorm!)).toEqual([0, 0]);
      else expect(r.deltaZNorm![0]).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++) {
        const reflexTerm = (r.actions[i] - a.actions[i]) / 2;
        expect(Math.abs(reflexTerm)).toBeLessThanOrEqual(r.reflexNorm![i >> 1] + 1e-6);
      }
      env.step(a.actions);
      for (const p of [prior, withReflex, off]) p.observe(env.tokens, env.dones, env.finalTokens);
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const p of [prior, withReflex, off]) p.dispose();
    env.free();
  });

  it('rebuilds modules from checkpoints and refuses one trained for another task', async () => {
    const saved = new Map<string, tf.io.ModelArtifacts>();
    const save = async (m: Checkpointable) =>
      saveCheckpoint([m], tf.io.withSaveHandler(async (artifacts) => {
        saved.set(m.name, artifacts);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
    const prior = makePrior();
    const { world, reflex } = makeReflexParts();
    for (const m of [prior, world, reflex]) await save(m);
    const prior2 = await loadPrior(tf.io.fromMemory(saved.get('prior')!), spec);
    const world2 = await loadWorld(tf.io.fromMemory(saved.get('world')!), spec);
    const reflex2 = await loadReflex(tf.io.fromMemory(saved.get('reflex')!), spec);
    expect(prior2.config).toEqual(prior.config);
    for (const [a, b] of [[prior, prior2], [world, world2], [reflex, reflex2]] as const) {
      for (const [name, v] of a.variables) expect(b.variables.get(name)!.dataSync()).toEqual(v.dataSync());
    }
    await expect(loadWorld(tf.io.fromMemory(saved.get('prior')!), spec)).rejects.toThrow(/no "world" module in it \(modules: prior\)/);
    const otherTask = { ...spec, numTokens: 4, tokenTypes: new Int32Array([0, 0, 0, 1]) };
    await expect(loadReflex(tf.io.fromMemory(saved.get('reflex')!), otherTask)).rejects.toThrow(/trained for 10 tokens and 2-D actions, task push-t has 4/);
    const otherGoal = { ...spec, goalTokens: spec.goalTokens.subarray(3) };
    const tensors = tf.memory().numTensors;
    await expect(loadPrior(tf.io.fromMemory(saved.get('prior')!), otherGoal)).rejects.toThrow(`the prior was trained with ${spec.numGoalTokens} goal tokens, task push-t has ${spec.numGoalTokens - 1}`);
    expect(tf.memory().numTensors).toBe(tensors);
    for (const m of [prior, world, reflex, prior2, world2, reflex2]) m.dispose();
  });
});
