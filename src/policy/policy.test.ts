import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { type NodeBackend, useNodeBackend } from '../engine/nodeBackend';
import { gaussianTensor } from '../nn/noise';
import { taskSpec } from '../sim/tasks';
import { Critic, criticConfig } from './critic';
import { FlowPrior, flowMatchingLoss, flowPriorConfig, sampleOde } from './flowPrior';
import { hindsightLoss, Reflex, reflexConfig } from './reflex';
import { sampleSde } from './sde';
import { goalTokensBatch } from './stateTokens';
import { Strategy, strategyConfig } from './strategy';
import { TINY, tinyCritic, tinyPrior, tinyReflex, tinyStrategy, tinyWorld } from './testFixtures';
import { dynamicsLoss, WorldPredictor, worldPredictorConfig } from './worldPredictor';

const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** Every module's outputs at the Push-T default sizes, plus the prior's, Φ's and the reflex's loss gradients at tiny sizes. */
async function outputsOn(backend: NodeBackend): Promise<Record<string, Float32Array>> {
  await useNodeBackend(backend);
  const config = defaultConfig();
  const spec = taskSpec('push-t');
  const b = 4;
  const rng = new Rng(1);
  const tokens = gaussianTensor<tf.Rank.R3>(rng, [b, spec.numTokens, 3]);
  const goal = goalTokensBatch(spec, b);
  const action = gaussianTensor<tf.Rank.R2>(rng, [b, spec.actionDim]);
  const aTau = gaussianTensor<tf.Rank.R3>(rng, [b, config.horizon, spec.actionDim]);
  const prior = new FlowPrior(flowPriorConfig(config, spec), 1);
  const world = new WorldPredictor(worldPredictorConfig(config, spec), 2);
  const reflex = new Reflex(reflexConfig(config, spec), 3);
  const deltaZ = tf.mul(gaussianTensor<tf.Rank.R3>(rng, [b, spec.numTokens, reflex.inputDim]), 0.05) as tf.Tensor3D;
  const strategy = new Strategy(strategyConfig(config, spec), 4);
  const critic = new Critic(criticConfig(config, spec), 5);
  const enc = prior.encode(tokens, goal);
  const r = reflex.apply(deltaZ, tokens);
  const out: Record<string, tf.Tensor> = {
    encoded: enc.context,
    velocity: prior.velocity(enc, aTau, 0.3),
    odeSample: sampleOde(prior.velocityFn(enc), aTau, 3),
    odeSampleTimeTable: sampleOde(prior.velocityFn(enc, 3), aTau, 3),
    displacement: world.displacement({ tokens, action, prevTokens: tokens, prevAction: action }),
    correction: r.correction,
    attention: r.attention,
    strategy: strategy.apply(tokens, goal),
    value: critic.apply(tokens, goal),
  };
  // Gradients through attention, layer norm, embeddings on this backend (tiny sizes).
  const tinyModel = new FlowPrior(tinyPrior, 6);
  const batch = {
    tokens: gaussianTensor<tf.Rank.R3>(rng, [8, TINY.numTokens, 3]),
    goal: gaussianTensor<tf.Rank.R3>(rng, [8, TINY.numGoalTokens, 3]),
    actions: gaussianTensor<tf.Rank.R3>(rng, [8, TINY.horizon, TINY.actionDim]),
  };
  const tinyWorldModel = new WorldPredictor(tinyWorld, 7);
  const tinyReflexModel = new Reflex(tinyReflex, 8);
  const tinyAction = gaussianTensor<tf.Rank.R2>(rng, [8, TINY.actionDim]);
  const tinyDeltaZ = tf.mul(gaussianTensor(rng, [8, TINY.numTokens, 3]), 0.05) as tf.Tensor3D;
  const losses: [Map<string, tf.Variable>, () => tf.Scalar][] = [
    [tinyModel.variables, () => flowMatchingLoss(tinyModel, batch, new Rng(7))],
    [tinyWorldModel.variables, () => dynamicsLoss(tinyWorldModel, { tokens: batch.tokens, action: tinyAction, prevTokens: batch.tokens, prevAction: tinyAction }, tf.add(batch.tokens, 0.1) as tf.Tensor3D)],
    [tinyReflexModel.variables, () => hindsightLoss(tinyReflexModel, tinyDeltaZ, batch.tokens, tinyAction)],
  ];
  for (const [variables, loss] of losses) {
    const { grads } = tf.variableGrads(loss, [...variables.values()]);
    for (const [name, v] of variables) out[`grad ${name}`] = grads[v.name];
  }
  const result: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(out)) result[k] = (await t.data()) as Float32Array;
  tf.dispose([out, enc, batch, tokens, goal, deltaZ, action, aTau, tinyAction, tinyDeltaZ]);
  for (const m of [prior, world, reflex, strategy, critic, tinyModel, tinyWorldModel, tinyReflexModel]) m.dispose();
  return result;
}

describe('policy modules', () => {
  it('give the same outputs and gradients on cpu and wasm (1e-4 relative)', async () => {
    const cpu = await outputsOn('cpu');
    const wasm = await outputsOn('wasm');
    expect(Object.keys(wasm)).toEqual(Object.keys(cpu));
    // Gradients are compared relative to the largest gradient entry of their module: some are exactly zero in
    // exact arithmetic (a key bias shifts all scores of a query equally, which softmax ignores) and only
    // round-off remains.
    const module = (key: string) => key.split(' ')[1].split('/')[0];
    const gradScale = (m: string) => Math.max(...Object.keys(cpu).filter((k) => k.startsWith('grad ') && module(k) === m).map((k) => maxAbs(cpu[k])));
    for (const key of Object.keys(cpu)) {
      const scale = key.startsWith('grad ') ? gradScale(module(key)) : maxAbs(cpu[key]);
      expect(scale, key).toBeGreaterThan(0);
      expect(maxAbs(cpu[key].map((x, i) => x - wasm[key][i])) / scale, key).toBeLessThan(1e-4);
    }
    // The flow times embedded once per sample (velocityFn's table) give the same bits as embedded at every step.
    for (const r of [cpu, wasm]) expect(Array.from(r.odeSampleTimeTable)).toEqual(Array.from(r.odeSample));
    // Output heads start near zero (residual-policy practice), the critic does not.
    expect(maxAbs(cpu.correction)).toBeLessThan(0.1);
    expect(maxAbs(cpu.strategy)).toBeLessThan(0.1);
    expect(maxAbs(cpu.attention.slice(0, 10))).toBeLessThanOrEqual(1);
  });

  it('return documented shapes; attention weights sum to one over the tokens', async () => {
    await useNodeBackend('cpu');
    const b = 3;
    const rng = new Rng(2);
    const tokens = gaussianTensor<tf.Rank.R3>(rng, [b, TINY.numTokens, 3]);
    const goal = gaussianTensor<tf.Rank.R3>(rng, [b, TINY.numGoalTokens, 3]);
    const reflex = new Reflex(tinyReflex, 1);
    const r = reflex.apply(tokens, tokens);
    expect(r.correction.shape).toEqual([b, TINY.actionDim]);
    expect(r.attention.shape).toEqual([b, tinyReflex.heads, tinyReflex.queries, TINY.numTokens]);
    Array.from(tf.sum(r.attention, 3).dataSync()).forEach((s) => expect(s).toBeCloseTo(1, 5));
    const world = new WorldPredictor(tinyWorld, 1);
    const still = tf.zeros([b, 2]) as tf.Tensor2D;
    expect(world.predict({ tokens, action: still, prevTokens: tokens, prevAction: still }).shape).toEqual([b, TINY.numTokens, 3]);
    const moving = new WorldPredictor({ ...tinyWorld, motion: true }, 1);
    expect(moving.predict({ tokens, action: still, prevTokens: tokens, prevAction: still }).shape).toEqual([b, TINY.numTokens, 3]);
    const withHistory = new Reflex({ ...tinyReflex, history: 3 }, 1);
    expect(withHistory.apply(tf.concat([tokens, tokens, tokens], 2) as tf.Tensor3D, tokens).correction.shape).toEqual([b, TINY.actionDim]);
    expect(new Critic(tinyCritic, 1).apply(tokens, goal).shape).toEqual([b]);
    expect(new Strategy(tinyStrategy, 1).apply(tokens, goal).shape).toEqual([b, TINY.actionDim]);
    const prior = new FlowPrior(tinyPrior, 1);
    const v = prior.velocity(prior.encode(tokens, goal), gaussianTensor(rng, [b, TINY.horizon, TINY.actionDim]), tf.tensor1d([0.1, 0.5, 0.9]));
    expect(v.shape).toEqual([b, TINY.horizon, TINY.actionDim]);
    expect(() => new FlowPrior({ ...tinyPrior, actionTokens: 3 }, 1)).toThrow(/actionTokens 3 does not divide horizon 4/);
    expect([...prior.variables.keys()]).toContain('prior/enc/block0/attn/wq/w');
    expect([...prior.variables.keys()]).toContain('prior/expert/block0/crossAttn/wk/w');
  });

  it('sample a K = 10 chunk at B = 1 to the same bits with fewer kernels when the flow times are embedded once', async () => {
    await useNodeBackend('wasm');
    const config = defaultConfig();
    const spec = taskSpec('push-t');
    const rng = new Rng(4);
    const prior = new FlowPrior(flowPriorConfig(config, spec), 1);
    const tokens = gaussianTensor<tf.Rank.R3>(rng, [1, spec.numTokens, 3]);
    const goal = goalTokensBatch(spec, 1);
    const a0 = gaussianTensor<tf.Rank.R3>(rng, [1, config.horizon, spec.actionDim]);
    const K = 10;
    const run = async (steps?: number) => {
      let values: Float32Array = new Float32Array();
      const { kernels } = await tf.profile(async () => {
        const a = tf.tidy(() => sampleOde(prior.velocityFn(prior.encode(tokens, goal), steps), a0, K));
        values = (await a.data()) as Float32Array;
        a.dispose();
      });
      return { kernels: kernels.length, values };
    };
    const [direct, table] = [await run(), await run(K)];
    expect(Array.from(table.values)).toEqual(Array.from(direct.values));
    // 8 kernels fewer per step (sinusoid, time MLP, reshape), the table's own 11 once.
    expect(direct.kernels - table.kernels).toBeGreaterThanOrEqual(6 * K);
    expect(table.kernels).toBeLessThanOrEqual(400); // issue 16's target for the default prior
    tf.dispose([tokens, goal, a0]);
    prior.dispose();
  });

  it('keep tf.memory().numTensors flat over 200 training and sampling iterations', async () => {
    await useNodeBackend('wasm');
    const rng = new Rng(3);
    const b = 2;
    const prior = new FlowPrior(tinyPrior, 1);
    const world = new WorldPredictor(tinyWorld, 2);
    const reflex = new Reflex(tinyReflex, 3);
    const strategy = new Strategy(tinyStrategy, 4);
    const batch = {
      tokens: gaussianTensor<tf.Rank.R3>(rng, [b, TINY.numTokens, 3]),
      goal: gaussianTensor<tf.Rank.R3>(rng, [b, TINY.numGoalTokens, 3]),
      actions: gaussianTensor<tf.Rank.R3>(rng, [b, TINY.horizon, TINY.actionDim]),
    };
    const action = gaussianTensor<tf.Rank.R2>(rng, [b, TINY.actionDim]);
    const optimizer = tf.train.adam(1e-3);
    const sdeParams = { ...defaultConfig(), sdeSteps: 2 };
    let after1 = 0;
    for (let i = 0; i < 200; i++) {
      const loss = optimizer.minimize(() => flowMatchingLoss(prior, batch, rng), true);
      await loss!.data();
      loss!.dispose();
      const enc = prior.encode(batch.tokens, batch.goal);
      const predicted = world.predict({ tokens: batch.tokens, action, prevTokens: batch.tokens, prevAction: action });
      const deltaZ = tf.sub(batch.tokens, predicted) as tf.Tensor3D;
      const r = reflex.apply(deltaZ, batch.tokens);
      const eta = strategy.apply(batch.tokens, batch.goal);
      const sample = sampleSde({ prior: prior.velocityFn(enc, sdeParams.sdeSteps), horizon: TINY.horizon, reflex: r.correction, strategy: eta }, sdeParams, rng);
      await sample.action.data();
      tf.dispose([enc, predicted, deltaZ, r, eta, sample]);
      if (i === 0) after1 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(after1);
    optimizer.dispose();
    tf.dispose([batch, action]);
    for (const m of [prior, world, reflex, strategy]) m.dispose();
  });
});

describe('short training runs on synthetic data (fixed seed)', () => {
  /** Synthetic Push-T-like data: the chunk heads from the agent towards keypoint 0, a smooth function of the state. */
  function syntheticBatch(rng: Rng, b: number) {
    const tokens = new Float32Array(b * TINY.numTokens * 3);
    const actions = new Float32Array(b * TINY.horizon * TINY.actionDim);
    for (let i = 0; i < b; i++) {
      for (let n = 0; n < TINY.numTokens; n++) for (let d = 0; d < 2; d++) tokens[(i * TINY.numTokens + n) * 3 + d] = rng.range(-1, 1);
      const agent = (i * TINY.numTokens + TINY.numTokens - 1) * 3;
      const target = i * TINY.numTokens * 3;
      for (let h = 0; h < TINY.horizon; h++) {
        for (let d = 0; d < 2; d++) actions[(i * TINY.horizon + h) * 2 + d] = tokens[agent + d] + ((h + 1) / TINY.horizon) * (tokens[target + d] - tokens[agent + d]);
      }
    }
    return { tokens: tf.tensor3d(tokens, [b, TINY.numTokens, 3]), goal: tf.zeros([b, TINY.numGoalTokens, 3]) as tf.Tensor3D, actions: tf.tensor3d(actions, [b, TINY.horizon, TINY.actionDim]) };
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const STEPS = 100;
  const WINDOW = 20;
  const BATCH = 16;

  /** Runs STEPS Adam steps of `step` (it draws its inputs, minimises with the optimizer, frees the inputs and
   * returns the loss); the loss over the last WINDOW steps must average under half that of the first WINDOW. */
  async function expectLossHalves(step: (optimizer: tf.Optimizer) => tf.Scalar): Promise<void> {
    const optimizer = tf.train.adam(3e-3);
    const losses: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const loss = step(optimizer);
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    expect(mean(losses.slice(-WINDOW))).toBeLessThan(0.5 * mean(losses.slice(0, WINDOW)));
    optimizer.dispose();
  }

  it('reduce the flow-matching loss', async () => {
    await useNodeBackend('wasm');
    const rng = new Rng(4);
    const prior = new FlowPrior(tinyPrior, 1);
    await expectLossHalves((optimizer) => {
      const batch = syntheticBatch(rng, BATCH);
      const loss = optimizer.minimize(() => flowMatchingLoss(prior, batch, rng), true)!;
      tf.dispose(batch);
      return loss;
    });
    prior.dispose();
  });

  it('reduce the world-model dynamics loss', async () => {
    await useNodeBackend('wasm');
    const rng = new Rng(5);
    const world = new WorldPredictor(tinyWorld, 1);
    await expectLossHalves((optimizer) => {
      const { tokens } = syntheticBatch(rng, BATCH);
      const action = gaussianTensor<tf.Rank.R2>(rng, [BATCH, TINY.actionDim]);
      // The agent (last token) moves by 0.1·a; keypoints move by 0.05·a when the agent is within 0.5 of them.
      const next = tf.tidy(() => {
        const agent = tf.slice(tokens, [0, TINY.numTokens - 1, 0], [-1, 1, 2]);
        const near = tf.cast(tf.less(tf.sum(tf.square(tf.sub(tf.slice(tokens, [0, 0, 0], [-1, -1, 2]), agent)), 2, true), 0.25), 'float32');
        const agentMask = tf.tensor3d([0, 0, 0, 1], [1, TINY.numTokens, 1]);
        const scale = tf.add(tf.mul(agentMask, 0.1), tf.mul(tf.mul(tf.sub(1, agentMask), near), 0.05));
        const move = tf.mul(scale, tf.reshape(action, [BATCH, 1, 2]));
        return tf.add(tokens, tf.concat([move, tf.zeros([BATCH, TINY.numTokens, 1])], 2)) as tf.Tensor3D;
      });
      const loss = optimizer.minimize(() => dynamicsLoss(world, { tokens, action, prevTokens: tokens, prevAction: action }, next), true)!;
      tf.dispose([tokens, action, next]);
      return loss;
    });
    world.dispose();
  });

  it('the reflex learns to undo a hindsight perturbation', async () => {
    await useNodeBackend('wasm');
    const rng = new Rng(6);
    const reflex = new Reflex(tinyReflex, 1);
    await expectLossHalves((optimizer) => {
      const { tokens } = syntheticBatch(rng, BATCH);
      const eps = tf.mul(gaussianTensor<tf.Rank.R2>(rng, [BATCH, TINY.actionDim]), 0.05) as tf.Tensor2D;
      // The surprise of a perturbed action shows on the agent token: Δz = 0.5·ε there, 0 elsewhere.
      const deltaZ = tf.tidy(() => tf.concat([tf.zeros([BATCH, TINY.numTokens - 1, 3]), tf.concat([tf.reshape(tf.mul(eps, 0.5), [BATCH, 1, 2]), tf.zeros([BATCH, 1, 1])], 2)], 1)) as tf.Tensor3D;
      const loss = optimizer.minimize(() => hindsightLoss(reflex, deltaZ, tokens, eps), true)!;
      tf.dispose([tokens, eps, deltaZ]);
      return loss;
    });
    reflex.dispose();
  });
});
