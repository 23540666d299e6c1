// `train --stage ppo` end to end with tiny modules: a run, its checkpoints and metrics, resume, the strategy
// ablation, eval of both from the run folders, and the refusals (bad flags, a NaN state).
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { saveCheckpoint } from '../nn/checkpoint';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { UsageError, type CommandContext } from './command';
import { evalCommand, type EvalReport } from './commands/eval';
import { train } from './commands/train';
import type { PpoRunSummary } from './trainPpo';

const tiny: Partial<Config> = {
  ...TINY_SAGR_NETS,
  executeSteps: 2,
  numEnvs: 2,
  episodeLength: 10,
  rolloutSteps: 6,
  epochs: 1,
  minibatches: 2,
  worldBatch: 8,
  criticWarmupIters: 1,
};
const config: Config = { ...defaultConfig(), ...tiny };

function ctx(flags: Record<string, string>, overrides: Partial<Config> = {}, switches: string[] = []): CommandContext {
  return { config: { ...config, ...overrides }, configFlags: new Set(Object.keys(overrides) as (keyof Config)[]), flags, switches: new Set(['json', ...switches]), log: () => {} };
}

const dir = mkdtempSync(path.join(tmpdir(), 'sagr-ppo-'));
const from = path.join(dir, 'stage01');

beforeAll(async () => {
  // Stage-0/1 checkpoints as `train` writes them (untrained weights: this tests the plumbing, not learning).
  await useNodeBackend('wasm');
  const modules = [new FlowPrior(flowPriorConfig(config, pushTSpec), 1), new WorldPredictor(worldPredictorConfig(config, pushTSpec), 2), new Reflex(reflexConfig(config, pushTSpec), 3)];
  for (const m of modules) await saveCheckpoint([m], nodeFileHandler(path.join(from, m.name)), { task: 'push-t', config });
  for (const m of modules) m.dispose();
});

const metricsLines = (run: string) => readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('train --stage ppo', () => {
  const out = path.join(dir, 'out');
  const run = path.join(out, 'ppo');

  it('writes a resumable run whose checkpoints eval runs as the sagr policy', async () => {
    const first = (await train.run(ctx({ stage: 'ppo', out, checkpoint: from, iters: '2' }))) as { stages: { ppo: PpoRunSummary } };
    expect(first.stages.ppo.run).toBe(run);
    expect(first.stages.ppo.iterations).toEqual({ start: 0, end: 2, total: 2 });
    for (const m of ['state', 'prior', 'world', 'reflex', 'strategy', 'critic']) expect(existsSync(path.join(run, m, 'model.json')), m).toBe(true);
    const logs = metricsLines(run);
    expect(logs.map((l) => [l.iteration, l.trainPolicy])).toEqual([[0, false], [1, true]]);
    expect(logs[1].ppo.firstRatioError).toBe(0);

    // An iteration logged after the saved state, and a line cut short by the interruption: the resumed run drops both.
    appendFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ iteration: 2, stale: true }) + '\n{"iteration": 3, "rol');
    const resumed = (await train.run(ctx({ stage: 'ppo', out, iters: '3' }, {}, ['resume']))) as { stages: { ppo: PpoRunSummary } };
    expect(resumed.stages.ppo.iterations).toEqual({ start: 2, end: 3, total: 3 });
    expect(metricsLines(run).map((l) => l.iteration)).toEqual([0, 1, 2]);
    expect(metricsLines(run)[2]).not.toHaveProperty('stale');
    const meta = JSON.parse(readFileSync(path.join(run, 'state', 'model.json'), 'utf8')).userDefinedMetadata;
    expect(meta.iteration).toBe(3);
    expect(Object.keys(meta.modules)).toEqual(['prior', 'world', 'reflex', 'strategy', 'critic', 'adam-strategy', 'adam-reflex', 'adam-critic', 'adam-world']);

    const report = (await evalCommand.run(ctx({ policy: 'sagr', checkpoint: run, episodes: '2' }))) as EvalReport;
    expect(report.results.sagr.nominal.episodes).toBe(2);
    expect(report.results.sagr.nominal.meanDeltaZ).not.toBeNull();
    expect(report.results.sagr.nominal.meanReflex).not.toBeNull();
  });

  it('trains the strategy ablation with --reflex-gain 0 into ppo-strategy, which eval runs as the strategy policy', async () => {
    const summary = (await train.run(ctx({ stage: 'ppo', out, checkpoint: from, iters: '1' }, { reflexGain: 0, criticWarmupIters: 0 }))) as { stages: { ppo: PpoRunSummary } };
    const strategyRun = path.join(out, 'ppo-strategy');
    expect(summary.stages.ppo.run).toBe(strategyRun);
    expect(existsSync(path.join(strategyRun, 'reflex'))).toBe(false);
    const report = (await evalCommand.run(ctx({ policy: 'strategy', checkpoint: strategyRun, episodes: '2' }))) as EvalReport;
    expect(report.results.strategy.nominal.episodes).toBe(2);
  });

  it.each([
    [{ stage: 'ppo', out: path.join(dir, 'fresh') }, {}, ['resume'], /^--resume: cannot continue from .*fresh\/ppo\/state/],
    [{ stage: 'ppo', out }, { sigmaMax: 0.2 }, ['resume'], /^--resume continues with the run's saved config; drop --sigma-max$/],
    [{ stage: 'ppo', out, iters: '3' }, {}, ['resume'], /^--iters: the run is already at iteration 3 of 3$/],
    [{ stage: 'prior', out }, {}, ['resume'], /^--resume: only --stage ppo, dsrl, reinflow can be resumed$/],
    [{ stage: 'ppo', out, demos: 'x.bin' }, {}, [], /^--demos: the ppo stage learns from its own rollouts/],
    [{ stage: 'ppo', out: path.join(dir, 'o2'), checkpoint: path.join(dir, 'nowhere') }, {}, [], /^--checkpoint: cannot load the prior from .*nowhere\/prior/],
    [{ stage: 'ppo', out: path.join(dir, 'o3'), checkpoint: from }, { horizon: 8 }, [], /^--horizon: 8, but the prior in .* was trained with horizon 4$/],
  ])('refuses %o %o %o with a one-line reason naming the flag', async (flags, overrides, switches, message) => {
    const err = await train.run(ctx(flags as Record<string, string>, overrides as Partial<Config>, switches as string[])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message as RegExp);
  });

  it('refuses to resume from a state holding a NaN', async () => {
    const weights = path.join(run, 'state', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes.writeFloatLE(NaN, 0);
    writeFileSync(weights, bytes);
    const err = await train.run(ctx({ stage: 'ppo', out, iters: '5' }, {}, ['resume'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--resume: cannot continue from .*state \(checkpoint: weight ".*" contains NaN or Inf\)$/);
  });
});
