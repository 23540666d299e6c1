// Reward-weighted flow matching and its GRPO variant (rwfm.ts): the weights by hand, the weighted loss against the
// plain one, the G samples of a group from one simulator state, determinism, and `train --stage rwfm|grpo` end to
// end (run folder, eval --policy rwfm|grpo) with its flags checked.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossFieldErrors, defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { UsageError, type CommandContext } from '../cli/command';
import { evalCommand, type EvalReport } from '../cli/commands/eval';
import { train } from '../cli/commands/train';
import type { RwfmRunSummary } from '../cli/trainRwfm';
import { readCheckpoint, saveCheckpoint } from '../nn/checkpoint';
import { drawFlow, FlowPrior, flowPriorConfig, flowMatchingLossAt } from '../policy/flowPrior';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { PushTVecEnv } from '../sim/vecEnv';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { randomFlowBatch } from '../policy/testFixtures';
import { chunkWeights, groupAdvantages, normaliseWeights, rewardWeight, RwfmRollout } from './rwfm';

const config: Config = { ...defaultConfig(), ...TINY_SAGR_NETS, executeSteps: 2, numEnvs: 4, episodeLength: 10, rolloutSteps: 6, rwfmBatch: 4, rwfmEpochs: 1 };

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('the weights', () => {
  it('RWFM: w = min(exp(α·r), cap)', () => {
    expect(rewardWeight(0, 3, 20)).toBe(1);
    expect(rewardWeight(0.5, 3, 20)).toBeCloseTo(4.481689, 5); // e^1.5
    expect(rewardWeight(1, 3, 20)).toBe(20); // e^3 = 20.0855, capped
    expect(rewardWeight(0.9, 3, 20)).toBeCloseTo(14.879732, 4); // e^2.7, under the cap
    expect(Array.from(chunkWeights([0, 0.5, 1], { rwfmGroupSize: 1, rwfmAlpha: 3, rwfmWeightCap: 20 }))).toEqual([1, Math.fround(Math.exp(1.5)), 20]);
  });

  it('GRPO: A = (r − mean)/std within each group (population std), w = min(exp(2A), cap)', () => {
    // Group 1: r = 1, 2, 3, 4: mean 2.5, std √1.25 = 1.118034; group 2: r = 0, 1, 5, 7: mean 3.25, std √8.1875 = 2.861381.
    const A = groupAdvantages([1, 2, 3, 4, 0, 1, 5, 7], 4);
    const expected = [-1.341641, -0.447214, 0.447214, 1.341641, -1.135815, -0.786334, 0.611593, 1.310556];
    A.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 5));
    const w = chunkWeights([1, 2, 3, 4], { rwfmGroupSize: 4, rwfmAlpha: 2, rwfmWeightCap: 10 });
    [0.068338, 0.408841, 2.445936, 10].forEach((x, i) => expect(w[i]).toBeCloseTo(x, 5)); // exp(2·1.3416) = 14.63, capped at 10
  });

  it('GRPO: a group whose returns are all equal (std 0) has A = 0 and every weight 1, whatever the other groups do', () => {
    expect(Array.from(groupAdvantages([0.3, 0.3, 0.3, 0, 1, 2], 3).slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(chunkWeights([0.3, 0.3, 0, 1], { rwfmGroupSize: 2, rwfmAlpha: 2, rwfmWeightCap: 20 }).slice(0, 2))).toEqual([1, 1]);
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/3 returns do not split into groups of 2/);
  });

  it('normalises to mean 1 over the minibatch', () => {
    expect(Array.from(normaliseWeights(Float32Array.of(7, 7, 7)))).toEqual([1, 1, 1]);
    expect(Array.from(normaliseWeights(Float32Array.of(1, 3)))).toEqual([0.5, 1.5]);
  });
});

describe('the weighted flow-matching loss', () => {
  it('with all weights 1 equals the plain loss; weights (2, 0) give the first example’s loss alone', async () => {
    const prior = new FlowPrior(flowPriorConfig(config, pushTSpec), 3);
    const rng = new Rng(5);
    const batch = randomFlowBatch(pushTSpec, config.horizon, rng, 2);
    const draws = drawFlow(rng, 2, config.horizon, pushTSpec.actionDim);
    const value = async (t: tf.Scalar) => {
      const [x] = await t.data();
      t.dispose();
      return x;
    };
    const plain = await value(flowMatchingLossAt(prior, batch, draws));
    expect(await value(flowMatchingLossAt(prior, batch, draws, normaliseWeights(Float32Array.of(5, 5))))).toBeCloseTo(plain, 6);
    const first = { tokens: batch.tokens.slice(0, 1), goal: batch.goal.slice(0, 1), actions: batch.actions.slice(0, 1) };
    const firstDraws = { tau: draws.tau.slice(0, 1), noise: draws.noise.slice(0, config.horizon * pushTSpec.actionDim) };
    const alone = await value(flowMatchingLossAt(prior, first, firstDraws));
    expect(await value(flowMatchingLossAt(prior, batch, draws, Float32Array.of(2, 0)))).toBeCloseTo(alone, 5);
    expect(alone).not.toBeCloseTo(plain, 3);
    expect(() => flowMatchingLossAt(prior, batch, draws, Float32Array.of(1))).toThrow(/1 weights for a batch of 2/);
    tf.dispose([batch, first]);
    prior.dispose();
  });
});

describe('the rollout', () => {
  const collect = async (groupSize: number, seed: number) => {
    const prior = new FlowPrior(flowPriorConfig(config, pushTSpec), 3);
    const env = await PushTVecEnv.create({ numEnvs: 4, seed: 9, maxSteps: 10, trainingDisturbances: 0.5 });
    const rollout = new RwfmRollout(env, prior, groupSize, seed);
    const round = await rollout.collect(config, 2);
    env.free();
    prior.dispose();
    return round;
  };

  it('GRPO: the G samples of a group start from the same simulator state, and sample different chunks', async () => {
    const round = await collect(2, 11);
    const obs = pushTSpec.numTokens * 3;
    const chunk = config.horizon * pushTSpec.actionDim;
    const row = (x: Float32Array, m: number, size: number) => Array.from(x.subarray(m * size, (m + 1) * size));
    expect(round.size).toBe(3 * 4); // ⌈6/2⌉ decisions × 4 envs
    for (let t = 0; t < 3; t++) {
      for (const q of [0, 1]) {
        const [a, b] = [t * 4 + 2 * q, t * 4 + 2 * q + 1];
        expect(row(round.tokens, b, obs), `decision ${t} group ${q}`).toEqual(row(round.tokens, a, obs));
        expect(row(round.chunks, b, chunk)).not.toEqual(row(round.chunks, a, chunk));
      }
      expect(row(round.tokens, t * 4 + 2, obs)).not.toEqual(row(round.tokens, t * 4, obs)); // the groups' episodes differ
    }
    expect(round.envSteps).toBe(3 * 2 * 4);
  });

  it('VecEnv.copyEnv: two envs of one episode stepped alike from a copied state stay identical', async () => {
    const env = await PushTVecEnv.create({ numEnvs: 2, seed: 4 });
    const obs = pushTSpec.numTokens * 3;
    const tokens = (i: number) => Array.from(env.tokens.subarray(i * obs, (i + 1) * obs));
    env.reseed(0, 77);
    env.reseed(1, 77);
    env.step(Float32Array.of(0.3, -0.2, -0.4, 0.5)); // different actions: the states part
    expect(tokens(1)).not.toEqual(tokens(0));
    env.copyEnv(0, 1);
    expect(env.getState(1)).toEqual(env.getState(0));
    expect(tokens(1)).toEqual(tokens(0));
    expect(env.episodeStep[1]).toBe(env.episodeStep[0]);
    for (let k = 0; k < 3; k++) env.step(Float32Array.of(0.1, 0.1, 0.1, 0.1));
    expect(tokens(1)).toEqual(tokens(0));
    env.free();
  });

  it('same seed ⇒ same returns and weights; another seed ⇒ others', async () => {
    const [a, b, c] = [await collect(2, 11), await collect(2, 11), await collect(2, 12)];
    expect(Array.from(b.returns)).toEqual(Array.from(a.returns));
    const s = { rwfmGroupSize: 2, rwfmAlpha: 2, rwfmWeightCap: 20 };
    expect(Array.from(chunkWeights(b.returns, s))).toEqual(Array.from(chunkWeights(a.returns, s)));
    expect(Array.from(c.chunks)).not.toEqual(Array.from(a.chunks));
  });
});

describe('train --stage rwfm | grpo', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagr-rwfm-'));
  const from = path.join(dir, 'stage01');
  const ctx = (flags: Record<string, string>, overrides: Partial<Config> = {}): CommandContext => ({
    config: { ...config, ...overrides },
    configFlags: new Set(Object.keys(overrides) as (keyof Config)[]),
    flags,
    switches: new Set(['json']),
    log: () => {},
  });
  const weightsOf = async (folder: string) => {
    const c = await readCheckpoint(nodeFileHandler(folder));
    const out = Object.fromEntries(await Promise.all(Object.entries(c.weights).map(async ([k, t]) => [k, Array.from(await t.data())])));
    tf.dispose(Object.values(c.weights));
    return out;
  };

  beforeAll(async () => {
    const prior = new FlowPrior(flowPriorConfig(config, pushTSpec), 1);
    await saveCheckpoint([prior], nodeFileHandler(path.join(from, 'prior')), { task: 'push-t', config });
    prior.dispose();
  });

  it.each([
    ['rwfm', {}, 1],
    ['grpo', { numEnvs: 4, rwfmGroupSize: 2 }, 2],
  ] as const)('--stage %s fine-tunes the prior into OUT/<stage>/prior, and eval runs it', async (stage, overrides, groupSize) => {
    const out = path.join(dir, stage);
    const summary = (await train.run(ctx({ stage, out, checkpoint: from, iters: '2' }, overrides))) as { stages: Record<string, RwfmRunSummary> };
    const run = path.join(out, stage);
    expect(summary.stages[stage].run).toBe(run);
    expect(summary.stages[stage].envSteps).toBe(2 * 4 * 6);
    expect(existsSync(path.join(run, 'prior', 'model.json'))).toBe(true);
    const saved = JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')) as Config;
    expect(saved.rwfmGroupSize).toBe(groupSize);
    expect([saved.sigmaMax, saved.sigmaMin]).toEqual([0, 0]); // the deterministic chain: a_0 is the exploration
    expect(readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(await weightsOf(path.join(run, 'prior'))).not.toEqual(await weightsOf(path.join(from, 'prior')));
    const report = (await evalCommand.run(ctx({ policy: stage, checkpoint: run, episodes: '2' }, { sigmaMax: 0, sigmaMin: 0 }))) as EvalReport;
    expect(report.results[stage].nominal.episodes).toBe(2);
  });

  it.each([
    ['rwfm', { rwfmGroupSize: 2 }, /^--rwfm-group-size: --stage rwfm samples one chunk per state/],
    ['grpo', { rwfmGroupSize: 1 }, /^--rwfm-group-size: --stage grpo needs at least 2 samples per state, got 1$/],
    ['grpo', { numEnvs: 4 }, /^--num-envs: 4 is not a multiple of --rwfm-group-size 10/],
  ] as const)('--stage %s refuses %o, naming the field', async (stage, overrides, message) => {
    const err = await train.run(ctx({ stage, out: path.join(dir, 'refused'), checkpoint: from }, overrides)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('the config names rwfmGroupSize when it does not divide numEnvs', () => {
    const errs = crossFieldErrors({ ...defaultConfig(), numEnvs: 32, rwfmGroupSize: 10 });
    expect(errs.map((e) => e.field)).toEqual(['rwfmGroupSize']);
  });
});
