// The field's baselines (issue 19) end to end with tiny modules, from one set of stage-0/1 modules:
// `train --stage dsrl` (DSRL: PPO over the prior's initial noise a_0): the run folder, the prior left bit-identical
// while the latent actor learns, PPO's first ratio at 1, eval of the run as the dsrl policy, and the flags that would
// stop it being DSRL.
// `train --stage reinflow` (ReinFlow: PPO over the flow chain with a learned noise σ_k(s), v_θ fine-tuned): the run
// folder, the prior fine-tuned, PPO's first ratio at 1 and an entropy, no tensor left behind, eval of the run as the
// reinflow policy (deterministic per seed), and the flags that would stop it being ReinFlow; with --reflex-gain 1,
// ReinFlow with the reflex in its rollouts: its own run folder, the reflex as stage 1 left it, eval as reinflow-reflex.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { readCheckpoint, saveCheckpoint } from '../nn/checkpoint';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { UsageError, type CommandContext } from './command';
import { evalCommand, type EvalReport } from './commands/eval';
import { train } from './commands/train';
import type { PpoRunSummary } from './trainPpo';

const config: Config = {
  ...defaultConfig(),
  ...TINY_SAGR_NETS,
  executeSteps: 2,
  numEnvs: 2,
  episodeLength: 10,
  rolloutSteps: 6,
  epochs: 2,
  minibatches: 2,
  worldBatch: 8,
  criticWarmupIters: 1,
  targetKl: 0,
};

function ctx(flags: Record<string, string>, overrides: Partial<Config> = {}): CommandContext {
  return { config: { ...config, ...overrides }, configFlags: new Set(Object.keys(overrides) as (keyof Config)[]), flags, switches: new Set(['json']), log: () => {} };
}

const dir = mkdtempSync(path.join(tmpdir(), 'sagr-baselines-'));
const from = path.join(dir, 'stage01');

/** Every weight of the checkpoint in `folder`, as plain arrays by name. */
async function weightsOf(folder: string): Promise<Record<string, number[]>> {
  const c = await readCheckpoint(nodeFileHandler(folder));
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(c.weights)) out[name] = Array.from(await t.data());
  tf.dispose(Object.values(c.weights));
  return out;
}

/** `eval --policy POLICY` of the run in `run`, twice at σ = 0 on the same seed: two seeded episodes, the same figures, a reflex only in reinflow-reflex. */
async function expectDeterministicEval(policy: 'dsrl' | 'reinflow' | 'reinflow-reflex', run: string): Promise<void> {
  const evaluate = async () => ((await evalCommand.run(ctx({ policy, checkpoint: run, episodes: '2' }, { sigmaMax: 0, sigmaMin: 0 }))) as EvalReport).results[policy].nominal;
  const [a, b] = [await evaluate(), await evaluate()];
  expect(a.episodes).toBe(2);
  expect(a.meanReflex === null).toBe(policy !== 'reinflow-reflex');
  expect(b).toEqual({ ...a, seconds: b.seconds });
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  const modules = [new FlowPrior(flowPriorConfig(config, pushTSpec), 1), new WorldPredictor(worldPredictorConfig(config, pushTSpec), 2), new Reflex(reflexConfig(config, pushTSpec), 3)];
  for (const m of modules) await saveCheckpoint([m], nodeFileHandler(path.join(from, m.name)), { task: 'push-t', config });
  for (const m of modules) m.dispose();
});

describe('train --stage dsrl', () => {
  const out = path.join(dir, 'out');
  const run = path.join(out, 'dsrl');

  it('trains only the latent actor (the prior stays bit-identical) with an exact first ratio, and eval runs it as dsrl', async () => {
    const summary = (await train.run(ctx({ stage: 'dsrl', out, checkpoint: from, iters: '3' }))) as { stages: { dsrl: PpoRunSummary } };
    expect(summary.stages.dsrl.run).toBe(run);
    for (const m of ['state', 'prior', 'strategy', 'critic']) expect(existsSync(path.join(run, m, 'model.json')), m).toBe(true);
    expect(existsSync(path.join(run, 'reflex'))).toBe(false);
    const saved = JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')) as Config;
    expect([saved.strategyRate, saved.reflexGain, saved.beta, saved.sigmaMax, saved.clipEps]).toEqual(['latent', 0, 0, 0, 0.2]);

    expect(await weightsOf(path.join(run, 'prior'))).toEqual(await weightsOf(path.join(from, 'prior')));
    const strategyMeta = JSON.parse(readFileSync(path.join(run, 'strategy', 'model.json'), 'utf8')).userDefinedMetadata.modules.strategy;
    expect(strategyMeta).toMatchObject({ rate: 'latent', horizon: config.horizon });
    const logs = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logs.map((l) => l.trainPolicy)).toEqual([false, true, true]);
    // The rollout's log N(a_0; μ, σ²) and PPO's recomputation agree before the first step.
    expect(logs[1].ppo.firstRatioError).toBeLessThan(1e-5);
    expect(logs[1].ppo.entropy).not.toBeNull();
    // The actor moved: log σ_φ starts at 0 and PPO's entropy term or its gradient moves it.
    const logStd = Object.entries(await weightsOf(path.join(run, 'strategy'))).find(([name]) => name.endsWith('logStd'))![1];
    expect(logStd.some((x) => x !== 0)).toBe(true);

    await expectDeterministicEval('dsrl', run);
  });

  it.each([
    [{ reflexGain: 1 }, /^--reflex-gain: --stage dsrl needs 0 \(that is what makes it DSRL\); leave the flag out$/],
    [{ strategyRate: 'chunk' as const }, /^--strategy-rate: --stage dsrl needs latent/],
  ])('refuses %o, which would not be DSRL', async (overrides, message) => {
    const err = await train.run(ctx({ stage: 'dsrl', out: path.join(dir, 'o2'), checkpoint: from }, overrides)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('train --stage reinflow', () => {
  const out = path.join(dir, 'out');
  const run = path.join(out, 'reinflow');

  it('fine-tunes v_θ with the noise net σ_k(s) from an exact first ratio, leaks no tensor, and eval runs it as reinflow', async () => {
    const tensors = tf.memory().numTensors;
    const summary = (await train.run(ctx({ stage: 'reinflow', out, checkpoint: from, iters: '3' }))) as { stages: { reinflow: PpoRunSummary } };
    expect(tf.memory().numTensors).toBe(tensors);
    expect(summary.stages.reinflow.run).toBe(run);
    for (const m of ['state', 'prior', 'strategy', 'critic']) expect(existsSync(path.join(run, m, 'model.json')), m).toBe(true);
    expect(existsSync(path.join(run, 'reflex'))).toBe(false);
    const saved = JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')) as Config;
    expect([saved.strategyRate, saved.reflexGain, saved.beta, saved.sdeMode, saved.sigmaMin, saved.sigmaMax, saved.clipEps, saved.entCoef]).toEqual(['noise', 0, 0, 'chain', 0.08, 0.24, 0.01, 0.03]);
    const strategyMeta = JSON.parse(readFileSync(path.join(run, 'strategy', 'model.json'), 'utf8')).userDefinedMetadata.modules.strategy;
    expect(strategyMeta).toMatchObject({ rate: 'noise', sdeSteps: config.sdeSteps, noiseBounds: [0.08, 0.24] });

    const logs = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logs.map((l) => l.trainPolicy)).toEqual([false, true, true]);
    // The rollout's chain log π and PPO's recomputation under the same v_θ and σ_k agree before the first step.
    for (const l of logs) expect(l.ppo.firstRatioError).toBeLessThan(1e-5);
    expect(logs[1].ppo.entropy).not.toBeNull();
    // The logged σ is the learned one (from the middle of its bounds), not the bound sigmaMax.
    for (const l of logs) expect([l.sigma > 0.08, l.sigma < 0.24]).toEqual([true, true]);
    // ReinFlow's own choice: v_θ is fine-tuned (not so DSRL's frozen prior); the critic warm-up left it alone.
    const [tuned, prior] = [await weightsOf(path.join(run, 'prior')), await weightsOf(path.join(from, 'prior'))];
    expect(Object.keys(tuned)).toEqual(Object.keys(prior));
    expect(Object.keys(tuned).some((name) => tuned[name].some((x, i) => x !== prior[name][i]))).toBe(true);

    await expectDeterministicEval('reinflow', run);
  });

  it('with --reflex-gain 1 runs the warmed-up reflex and Φ in its rollouts, leaves them as they were, and eval runs it as reinflow-reflex', async () => {
    const summary = (await train.run(ctx({ stage: 'reinflow', out, checkpoint: from, iters: '3' }, { reflexGain: 1 }))) as { stages: { reinflow: PpoRunSummary } };
    const withReflex = path.join(out, 'reinflow-reflex');
    expect(summary.stages.reinflow.run).toBe(withReflex);
    for (const m of ['state', 'prior', 'world', 'reflex', 'strategy', 'critic']) expect(existsSync(path.join(withReflex, m, 'model.json')), m).toBe(true);
    const saved = JSON.parse(readFileSync(path.join(withReflex, 'config.json'), 'utf8')) as Config;
    expect([saved.strategyRate, saved.reflexGain, saved.beta, saved.gamma, saved.clipEps, saved.lrReflex, saved.lrWorld]).toEqual(['noise', 1, 0, 0, 0.01, 1e-7, 1e-7]);
    const logs = readFileSync(path.join(withReflex, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const l of logs) expect(l.ppo.firstRatioError).toBeLessThan(1e-5);
    // ReinFlow's likelihood gives b_ψ no gradient: the reflex is the warmed-up one, bit for bit; v_θ is fine-tuned.
    expect(await weightsOf(path.join(withReflex, 'reflex'))).toEqual(await weightsOf(path.join(from, 'reflex')));
    const [tuned, prior] = [await weightsOf(path.join(withReflex, 'prior')), await weightsOf(path.join(from, 'prior'))];
    expect(Object.keys(tuned).some((name) => tuned[name].some((x, i) => x !== prior[name][i]))).toBe(true);

    await expectDeterministicEval('reinflow-reflex', withReflex);
  });

  it.each([
    [{ strategyRate: 'latent' as const }, /^--strategy-rate: --stage reinflow needs noise/],
    [{ sdeMode: 'terminal' as const }, /^--sde-mode: --stage reinflow needs chain/],
    [{ sigmaMin: 0 }, /^--sigma-min: 0; ReinFlow's learned noise/],
  ])('refuses %o, which would not be ReinFlow', async (overrides, message) => {
    const err = await train.run(ctx({ stage: 'reinflow', out: path.join(dir, 'o2'), checkpoint: from }, overrides)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});
