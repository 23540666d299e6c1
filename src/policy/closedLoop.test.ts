import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { TOKEN_TYPE, type TaskSpec } from '../sim/taskSpec';
import { ClosedLoop, executedLogProb, type LoopParams } from './closedLoop';
import { FlowPrior, sampleOde } from './flowPrior';
import { Reflex } from './reflex';
import { chainStepLogProbs, type SdeParams } from './sde';
import { Strategy } from './strategy';
import { TINY, tinyPrior, tinyReflex, tinyStrategy, tinyWorld } from './testFixtures';
import { WorldPredictor } from './worldPredictor';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

/** Σ of the first `count` of row `row`'s H per-step log-probs. */
const executedSum = (perStep: Float32Array, horizon: number, count: number, row: number) => perStep.subarray(row * horizon, row * horizon + count).reduce((a, b) => a + b, 0);
const logN = (x: number, mean: number, std: number) => -0.5 * ((x - mean) / std) ** 2 - Math.log(std) - 0.5 * Math.log(2 * Math.PI);

describe('executedLogProb', () => {
  it('counts the executed chunk steps only, each with its per-step correction in the last Euler step', () => {
    // K = 2, H = 3, A = 1, n = 2: residual r[k][j]; Δτ = 0.5, s = σ·√Δτ; g_b = 2, g_η = 1, η per chunk.
    const sde: SdeParams = { ...defaultConfig(), sdeSteps: 2, sdeMode: 'chain', sigmaSchedule: 'constant', sigmaMax: 0.1, reflexGain: 2, strategyGain: 1 };
    const r = [
      [0.03, -0.02, 0.4],
      [0.05, 0.01, -0.3],
    ];
    const eta = 0.2;
    const [cOld, cNew] = [[0.3, -0.1], [0.5, 0.2]];
    const s = 0.1 * Math.sqrt(0.5);
    // Step j's last-step residual is r[1][j] + cOld_j; its mean under the new corrections is η·Δτ + cNew_j.
    const step = (j: number) => logN(r[0][j], eta * 0.5, s) + logN(r[1][j] + cOld[j], eta * 0.5 + cNew[j], s);
    const run = (executed: number[]) =>
      tf.tidy(() => executedLogProb(tf.tensor4d(r.flat(), [1, 2, 3, 1]), tf.tensor2d([[eta]]), tf.tensor2d(cOld, [2, 1]), tf.tensor2d(cNew, [2, 1]), tf.tensor1d(executed), sde).dataSync()[0]);
    expect(run([1, 1])).toBeCloseTo(step(0) + step(1), 4); // the third chunk step (never executed) is not counted
    expect(run([1, 0])).toBeCloseTo(step(0), 4); // the episode ended after the first
  });

  it('equals the sum of the stored per-step log-probs over the executed steps while nothing changed (chain and terminal)', () => {
    for (const sdeMode of ['chain', 'terminal'] as const) {
      const sde: SdeParams = { ...defaultConfig(), sdeMode, sdeSteps: 2, sigmaMax: 0.1 };
      const k = sdeMode === 'chain' ? 2 : 1;
      const rng = new Rng(1);
      const res = Float32Array.from({ length: 2 * k * 4 * 2 }, () => 0.1 * rng.normal());
      const c = Float32Array.from({ length: 2 * 3 * 2 }, () => rng.normal());
      const [got, stored] = tf.tidy(() => {
        const residuals = tf.tensor4d(res, [2, k, 4, 2]);
        const eta = tf.tensor2d([0.1, 0.2, 0.3, 0.4], [2, 2]);
        const same = executedLogProb(residuals, eta, tf.tensor2d(c, [6, 2]), tf.tensor2d(c, [6, 2]), tf.tensor1d([1, 1, 1, 1, 1, 0]), sde);
        return [same.dataSync(), chainStepLogProbs(residuals, tf.zeros([2, 2]), eta, sde).dataSync() as Float32Array];
      });
      expect(got[0]).toBeCloseTo(executedSum(stored, 4, 3, 0), 4);
      expect(got[1]).toBeCloseTo(executedSum(stored, 4, 2, 1), 4);
    }
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
    agentStepGain: 0.25,
    worldScale: [1, 1, 1],
    worldOffset: [0, 0, 0],
  };
  const B = 3;
  const n = 2;
  const params: LoopParams = { ...defaultConfig(), sdeSteps: 2, sigmaMax: 0.1, reflexGain: 1, strategyGain: 1, executeSteps: n };
  const size = spec.numTokens * 3;
  const agent = TINY.tokenTypes.indexOf(TOKEN_TYPE.agent) * 3;

  function setup(history = 3, rate: 'chunk' | 'step' | 'latent' = 'chunk') {
    const modules = {
      prior: new FlowPrior(tinyPrior, 1),
      world: new WorldPredictor({ ...tinyWorld, motion: true }, 2),
      reflex: new Reflex({ ...tinyReflex, history }, 3),
      strategy: new Strategy({ ...tinyStrategy, rate, horizon: TINY.horizon }, 4),
    };
    const tokens = new Float32Array(B * size);
    new Rng(9).fillNormal(tokens, 0, 0.5);
    const dispose = () => Object.values(modules).forEach((m) => m.dispose());
    return { modules, tokens, dispose };
  }
  const seeded = (loop: ClosedLoop) => [0, 1, 2].forEach((i) => loop.resetEnv(i, 100 + i));

  it('executes n actions of a chunk, each the chunk entry plus g_b·b_t, then asks for a new decision', async () => {
    const { modules, tokens, dispose } = setup();
    const withReflex = new ClosedLoop(modules, spec, B);
    const without = new ClosedLoop({ ...modules, reflex: null }, spec, B);
    seeded(withReflex);
    seeded(without);
    const all = Int32Array.from([0, 1, 2]);
    await withReflex.decide(tokens, all, params);
    await without.decide(tokens, all, params); // same streams: the same chunks
    withReflex.deltaZ.fill(0.05); // a residual history for the reflex to react to
    for (let j = 0; j < n; j++) {
      const a = await withReflex.act(tokens, params);
      const a0 = await without.act(tokens, params);
      expect(Array.from(a.chunkStep)).toEqual([j, j, j]);
      expect(Array.from(a0.reflex)).toEqual([0, 0, 0, 0, 0, 0]);
      a.actions.forEach((x, k) => expect(x).toBeCloseTo(a0.actions[k] + a.reflex[k], 6));
      expect(a.reflex.some((x) => x !== 0)).toBe(true);
      expect(a.reflexInput.length).toBe(B * 3 * size);
    }
    expect(withReflex.needsDecision(0)).toBe(true);
    await expect(withReflex.act(tokens, params)).rejects.toThrow(/no chunk/);
    const idle = new Float32Array(B * 2).fill(0.25);
    const held = await withReflex.act(tokens, params, idle);
    expect(Array.from(held.actions)).toEqual(Array.from(idle));
    expect(Array.from(held.chunkStep)).toEqual([-1, -1, -1]);
    expect(Array.from(held.reflex).every((x) => x === 0)).toBe(true);
    dispose();
  });

  it('setChunk: a chunk planned outside the loop (no prior) is executed step by step with the reflex added, then the env asks again', async () => {
    const { modules, tokens, dispose } = setup();
    const loop = new ClosedLoop({ ...modules, prior: null, strategy: null }, spec, B, { horizon: 3 });
    seeded(loop);
    // Env e's chunk: 3 actions (e + 0.1j, −e); env 2 gets a 2-action chunk (shorter than the horizon).
    const plan = (e: number, len: number) => Float32Array.from({ length: len * 2 }, (_, k) => (k % 2 === 0 ? e + 0.1 * (k >> 1) : -e));
    [0, 1].forEach((e) => loop.setChunk(e, plan(e, 3)));
    loop.setChunk(2, plan(2, 2));
    loop.deltaZ.fill(0.05);
    for (let j = 0; j < 3; j++) {
      const idle = new Float32Array(B * 2).fill(7);
      const out = await loop.act(tokens, params, idle);
      expect(Array.from(out.chunkStep)).toEqual([j, j, j < 2 ? j : -1]);
      for (let e = 0; e < B; e++) {
        const planned = j < 2 || e < 2 ? [e + 0.1 * j, -e] : [7, 7];
        for (let d = 0; d < 2; d++) expect(out.actions[e * 2 + d]).toBeCloseTo(planned[d] + out.reflex[e * 2 + d], 5);
      }
      expect(out.reflex.subarray(0, 4).some((x) => x !== 0)).toBe(true);
      if (j === 2) expect(Array.from(out.reflex.subarray(4), Math.abs)).toEqual([0, 0]); // the caller's action is not corrected
    }
    expect([0, 1, 2].map((e) => loop.needsDecision(e))).toEqual([true, true, true]);
    expect(() => loop.setChunk(0, plan(0, 4))).toThrow(/not 1 to 3 actions/);
    expect(() => new ClosedLoop(modules, spec, B, { horizon: 3 })).toThrow(/horizon: the prior sets/);
    dispose();
  });

  it('per-step η is added at every control step on top of the chunk (residual RL), and not in the chunk', async () => {
    const { modules, tokens, dispose } = setup(1, 'step');
    const perStep = new ClosedLoop({ ...modules, reflex: null }, spec, B);
    const prior = new ClosedLoop({ ...modules, reflex: null, strategy: null }, spec, B);
    seeded(perStep);
    seeded(prior);
    const decision = (await perStep.step(tokens, params)).decision!;
    expect(Array.from(decision.strategy).every((x) => x === 0)).toBe(true);
    await prior.step(tokens, params);
    const second = [await perStep.act(tokens, params), await prior.act(tokens, params)];
    const eta = tf.tidy(() => modules.strategy.apply(tf.tensor3d(tokens, [B, 4, 3]), tf.tensor3d(new Float32Array(B * 2 * 3).fill(0.5), [B, 2, 3])).dataSync());
    second[0].actions.forEach((x, k) => expect(x).toBeCloseTo(second[1].actions[k] + eta[k], 5));
    second[0].strategy.forEach((x, k) => expect(x).toBeCloseTo(eta[k], 5));
    dispose();
  });

  it('a plan-aware per-step η reads the chunk’s action, its age and Δz summed since the chunk was planned', async () => {
    const { modules, tokens, dispose } = setup(1, 'step');
    modules.strategy.dispose();
    const strategy = new Strategy({ ...tinyStrategy, rate: 'step', horizon: TINY.horizon, readsPlan: true }, 4);
    const planned = new ClosedLoop({ ...modules, reflex: null, strategy }, spec, B);
    const prior = new ClosedLoop({ ...modules, reflex: null, strategy: null }, spec, B);
    seeded(planned);
    seeded(prior);
    const all = Int32Array.from([0, 1, 2]);
    const planSize = (2 + spec.numTokens) * 3;
    const later = tokens.map((x, k) => x + 0.01 * (k % 7));
    let drift = new Float32Array(B * size);
    for (let round = 0; round < 2; round++) {
      await planned.decide(tokens, all, params);
      await prior.decide(tokens, all, params);
      drift = new Float32Array(B * size); // a new chunk: nothing has gone stale yet
      for (let j = 0; j < n; j++) {
        const s = j === 0 ? tokens : later;
        const [a, a0] = [await planned.act(s, params), await prior.act(s, params)];
        expect(a.strategyInput.length).toBe(B * planSize);
        for (let i = 0; i < B; i++) {
          const row = a.strategyInput.subarray(i * planSize, (i + 1) * planSize);
          // The chunk's action: the prior loop's action (same streams, no corrections there).
          expect(Array.from(row.subarray(0, 2))).toEqual(Array.from(a0.actions.subarray(i * 2, i * 2 + 2)));
          expect(row[2]).toBe(0);
          expect(row[3]).toBeCloseTo(j / TINY.horizon, 7);
          expect(Array.from(row.subarray(4, 6))).toEqual([0, 0]);
          Array.from(row.subarray(6)).forEach((x, k) => expect(x).toBeCloseTo(drift[i * size + k], 6));
        }
        const eta = tf.tidy(() => strategy.apply(tf.tensor3d(s, [B, 4, 3]), tf.tensor3d(new Float32Array(B * 2 * 3).fill(0.5), [B, 2, 3]), tf.tensor3d(a.strategyInput, [B, 2 + spec.numTokens, 3])).dataSync());
        a.strategy.forEach((x, k) => expect(x).toBeCloseTo(eta[k], 5));
        a.actions.forEach((x, k) => expect(x).toBeCloseTo(a0.actions[k] + eta[k], 5));
        // After the physics step: Δz = S_actual − Ŝ, added to the drift for the rest of the chunk.
        const predicted = planned.predicted.slice();
        planned.observe(later);
        prior.observe(later);
        drift = drift.map((x, k) => x + later[k] - predicted[k]);
        expect(drift.some((x) => Math.abs(x) > 1e-3)).toBe(true);
      }
    }
    expect(() => tf.tidy(() => strategy.apply(tf.zeros([B, 4, 3]), tf.zeros([B, 2, 3])))).toThrow(/reads the plan/);
    expect(() => new Strategy({ ...tinyStrategy, rate: 'chunk', readsPlan: true }, 4)).toThrow(/only a step-rate strategy/);
    strategy.dispose();
    dispose();
  });

  it('the anchor control moves the chunk’s action with the object’s unpredicted rigid motion', async () => {
    const { modules, tokens, dispose } = setup(1);
    const anchored = new ClosedLoop({ ...modules, reflex: null, strategy: null }, spec, B, { reflexSource: 'anchor' });
    const prior = new ClosedLoop({ ...modules, world: null, reflex: null, strategy: null }, spec, B);
    seeded(anchored);
    seeded(prior);
    const all = Int32Array.from([0, 1, 2]);
    await anchored.decide(tokens, all, params);
    await prior.decide(tokens, all, params);
    const first = await anchored.act(tokens, params);
    await prior.act(tokens, params);
    expect(Array.from(first.reflex).every((x) => x === 0)).toBe(true); // nothing unpredicted yet
    // The world moves every object token rigidly away from Φ's prediction: turn by 0.3 rad, shift by (0.1, −0.05).
    const [angle, shift] = [0.3, [0.1, -0.05]];
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    const moved = anchored.predicted.slice();
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < spec.numTokens; k++) {
        const o = i * size + k * 3;
        if (o - i * size === agent) continue;
        const [x, y] = [moved[o], moved[o + 1]];
        [moved[o], moved[o + 1]] = [c * x - s * y + shift[0], s * x + c * y + shift[1]];
      }
    }
    anchored.observe(moved);
    const second = await anchored.act(moved, params);
    const chunk = (await prior.act(moved, params)).actions;
    for (let i = 0; i < B; i++) {
      const [x, y] = [chunk[i * 2], chunk[i * 2 + 1]];
      expect(second.reflex[i * 2]).toBeCloseTo(c * x - s * y + shift[0] - x, 5);
      expect(second.reflex[i * 2 + 1]).toBeCloseTo(s * x + c * y + shift[1] - y, 5);
      expect(second.actions[i * 2]).toBeCloseTo(c * x - s * y + shift[0], 5);
    }
    // A new chunk is planned from where the object is: the correction starts from zero again.
    await anchored.decide(moved, all, params);
    expect(Array.from((await anchored.act(moved, params)).reflex).every((x) => x === 0)).toBe(true);
    dispose();
  });

  it('latent rate (DSRL): a_0 = μ_φ + σ_φ·ε from the env’s stream, the chunk the prior’s ODE from it, log π by hand', async () => {
    const { modules, tokens, dispose } = setup(1, 'latent');
    const ode: LoopParams = { ...params, sigmaMax: 0, sigmaMin: 0, reflexGain: 0 };
    const [H, A] = [TINY.horizon, 2];
    const goal = () => tf.tensor3d(new Float32Array(B * 2 * 3).fill(0.5), [B, 2, 3]);
    // Move log σ away from 0 so σ's place in a_0 and in the density is checked.
    const logStd = [...modules.strategy.variables.entries()].find(([name]) => name.endsWith('logStd'))![1];
    logStd.assign(tf.fill([H, A], Math.log(0.7)));
    const { mean, std } = tf.tidy(() => {
      const g = modules.strategy.latent(tf.tensor3d(tokens, [B, 4, 3]), goal());
      return { mean: g.mean.dataSync(), std: tf.exp(g.logStd).dataSync() };
    });
    const all = Int32Array.from([0, 1, 2]);
    const loop = new ClosedLoop({ ...modules, world: null, reflex: null }, spec, B);
    seeded(loop);
    const drawn = await loop.decide(tokens, all, ode);
    const eps = new Float32Array(H * A);
    for (let i = 0; i < B; i++) {
      // The env's stream (resetEnv → deriveSeed(episodeSeed, 'policy/noise')) gives its first H·A normals to ε.
      new Rng(deriveSeed(100 + i, 'policy/noise')).fillNormal(eps);
      let logProb = 0;
      for (let k = 0; k < H * A; k++) {
        const x = drawn.latent![i * H * A + k];
        expect(x).toBeCloseTo(mean[i * H * A + k] + std[k] * eps[k], 5);
        logProb += logN(x, mean[i * H * A + k], std[k]);
      }
      expect(drawn.latentLogProbs![i]).toBeCloseTo(logProb, 3);
    }
    // The executed chunk is the frozen prior's ODE from that a_0: nothing is added on the way.
    const chunk = [];
    for (let j = 0; j < n; j++) chunk.push(...(await loop.act(tokens, ode)).actions);
    const expected = tf.tidy(() => {
      const s = tf.tensor3d(tokens, [B, 4, 3]);
      return sampleOde(modules.prior.velocityFn(modules.prior.encode(s, goal())), tf.tensor3d(drawn.latent!, [B, H, A]), ode.sdeSteps).dataSync();
    });
    for (let j = 0; j < n; j++) for (let i = 0; i < B; i++) for (let d = 0; d < A; d++) expect(chunk[(j * B + i) * A + d]).toBeCloseTo(expected[(i * H + j) * A + d], 5);
    expect(drawn.strategy.every((x) => x === 0)).toBe(true); // no drift term
    dispose();
  });

  it('observe: Δz = S_actual − Ŝ (the final observation for finished envs), pushed into a newest-first history', async () => {
    const { modules, tokens, dispose } = setup(2);
    const loop = new ClosedLoop(modules, spec, B);
    seeded(loop);
    expect(Array.from(loop.observe(tokens))).toEqual([0, 0, 0]); // nothing predicted yet
    await loop.step(tokens, params);
    const predicted = loop.predicted.slice();
    const next = tokens.map((x) => x + 0.1);
    const final = tokens.map((x) => x - 0.2);
    const sq = loop.observe(next, Uint8Array.from([0, 1, 0]), final);
    const h = 2 * size;
    for (const env of [0, 1, 2]) {
      const actual = env === 1 ? final : next;
      let s = 0;
      for (let k = 0; k < size; k++) {
        const d = actual[env * size + k] - predicted[env * size + k];
        expect(loop.deltaZ[env * h + k]).toBeCloseTo(d, 5);
        expect(loop.deltaZ[env * h + size + k]).toBe(0); // the slot before: nothing was predicted at reset
        s += d * d;
      }
      expect(sq[env]).toBeCloseTo(s, 4);
    }
    const newest = loop.deltaZ.slice(0, size);
    await loop.act(next, params);
    loop.observe(next);
    expect(Array.from(loop.deltaZ.subarray(size, 2 * size))).toEqual(Array.from(newest)); // moved back one slot
    loop.resetEnv(1, 7);
    expect(Array.from(loop.deltaZ.subarray(h, 2 * h)).every((x) => x === 0)).toBe(true);
    expect(loop.needsDecision(1)).toBe(true);
    dispose();
  });

  it('replanThreshold: a residual above it on an object token cuts the chunk at once; on the agent token, or at 0, it does not', async () => {
    const { modules, tokens, dispose } = setup(2);
    const loop = new ClosedLoop(modules, spec, B);
    seeded(loop);
    const long = { ...params, executeSteps: 4, replanThreshold: 0.3 };
    expect((await loop.step(tokens, long)).decision!.envs.length).toBe(3);
    const object = TINY.tokenTypes.findIndex((t) => t !== TOKEN_TYPE.agent) * 3;
    loop.deltaZ.fill(0);
    loop.deltaZ[object] = 0.4; // env 0: an object token moved 0.4 more than Φ predicted
    loop.deltaZ[2 * size + agent] = 0.4; // env 1: the agent token did (an actuator error, the reflex's job)
    loop.deltaZ[2 * 2 * size + object + 1] = 0.2; // env 2: below the threshold
    expect([0, 1, 2].map((i) => loop.objectSurprise(i))).toEqual([expect.closeTo(0.4, 6), 0, expect.closeTo(0.2, 6)]);
    expect(Array.from((await loop.step(tokens, long)).decision!.envs)).toEqual([0]);
    expect(loop.chunkPosition(0)).toBe(1); // the new chunk's first action was executed
    expect((await loop.step(tokens, { ...long, replanThreshold: 0 })).decision).toBe(null);
    dispose();
  });

  it("an env's actions depend on its own episode seed only, not on the batch it runs in", async () => {
    const { modules, tokens, dispose } = setup();
    const three = new ClosedLoop(modules, spec, B);
    const one = new ClosedLoop(modules, spec, 1);
    seeded(three);
    one.resetEnv(0, 101); // env 1's seed
    const row = (x: Float32Array, i: number, w: number) => Array.from(x.subarray(i * w, (i + 1) * w));
    for (let t = 0; t < 2 * n + 1; t++) {
      const obs = tokens.map((x, k) => x + 0.01 * t * Math.sin(k));
      const a = (await three.step(obs, params)).step;
      const b = (await one.step(obs.slice(size, 2 * size), params)).step;
      const [x, y] = [row(a.actions, 1, 2), row(b.actions, 0, 2)];
      x.forEach((v, k) => expect(v).toBeCloseTo(y[k], 5));
      three.observe(obs.map((v) => v + 0.02));
      one.observe(obs.slice(size, 2 * size).map((v) => v + 0.02));
    }
    dispose();
  });

  it('integral control: b = −EMA_λ(Δz of the agent token)/g, no network', async () => {
    const { modules, tokens, dispose } = setup();
    const loop = new ClosedLoop({ ...modules, reflex: null, strategy: null }, spec, B, { reflexSource: 'integral', integralDecay: 0.5 });
    seeded(loop);
    const expected = new Float64Array(B * 2);
    for (let t = 0; t < 3; t++) {
      const { step } = await loop.step(tokens, params);
      if (t > 0) step.reflex.forEach((x, k) => expect(x).toBeCloseTo(-expected[k], 5));
      const next = tokens.slice();
      for (let i = 0; i < B; i++) for (let d = 0; d < 2; d++) next[i * size + agent + d] = loop.predicted[i * size + agent + d] + 0.01 * (i + 1) * (d + 1); // an offset the agent shows
      loop.observe(next);
      for (let i = 0; i < B; i++) for (let d = 0; d < 2; d++) expected[i * 2 + d] = 0.5 * expected[i * 2 + d] + 0.5 * ((0.01 * (i + 1) * (d + 1)) / 0.25);
    }
    dispose();
  });

  it('shuffled control: the reflex reads another env’s history (no env keeps its own)', async () => {
    const { modules, tokens, dispose } = setup(1);
    const loop = new ClosedLoop(modules, spec, B, { reflexSource: 'shuffled', seed: 3 });
    seeded(loop);
    for (let i = 0; i < B; i++) loop.deltaZ.fill(i + 1, i * size, (i + 1) * size);
    for (let t = 0; t < 5; t++) {
      const { step } = await loop.step(tokens, params);
      const sources = [0, 1, 2].map((i) => step.reflexInput[i * size] - 1);
      expect([...sources].sort()).toEqual([0, 1, 2]);
      sources.forEach((s, i) => expect(s).not.toBe(i));
    }
    expect(() => new ClosedLoop(modules, spec, 1, { reflexSource: 'shuffled' })).toThrow(/at least 2 envs/);
    dispose();
  });
});
