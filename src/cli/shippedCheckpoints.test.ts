// The embedded checkpoints of each task (public/checkpoints/<task>): each module loads for the task, records how
// it was made, and the learned policies run from them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { loadPrior, loadReflex, loadWorld } from '../eval/learnedCheckpoints';
import { runEpisodes } from '../eval/runEpisodes';
import { simTask, taskSpec, TASK_NAMES } from '../sim/tasks';
import { defaultCheckpoint, loadLearnedPolicy, shippedCheckpoints } from './learnedPolicy';


beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

describe.each(TASK_NAMES)('shipped %s checkpoints', (task) => {
  const DIR = shippedCheckpoints(task);
  const spec = taskSpec(task);
  const nominal = simTask(task).suites.defaults.nominal;
  const metadata = (module: string) => JSON.parse(readFileSync(path.join(DIR, module, 'model.json'), 'utf8')).userDefinedMetadata;

  it('hold a finished prior, world predictor and reflex for the task, each with the commands that made it', async () => {
    for (const module of ['prior', 'world', 'reflex']) {
      const m = metadata(module);
      expect(m.task).toBe(task);
      expect(m.stage).toBe(module);
      // A module is either trained or the `average` of trained ones: every training run it comes from finished cleanly.
      const runs = /^npm run sagr -- average /.test(m.command) ? m.report.averageOf : [m];
      expect(runs.length).toBeGreaterThan(0);
      for (const run of runs) {
        expect(run.report.partial).toBeUndefined();
        expect(run.report.skippedSteps).toBe(0);
        expect(run.command).toMatch(new RegExp(`^npm run sagr -- train .*--stage (${module}|all)`));
      }
    }
    const prior = await loadPrior(nodeFileHandler(path.join(DIR, 'prior')), spec);
    const world = await loadWorld(nodeFileHandler(path.join(DIR, 'world')), spec);
    const reflex = await loadReflex(nodeFileHandler(path.join(DIR, 'reflex')), spec);
    expect(prior.config.horizon).toBe(defaultConfig().horizon);
    // The reflex was warmed up against this world predictor.
    expect(metadata('reflex').report.world).toMatch(/world$/);
    for (const m of [prior, world, reflex]) m.dispose();
  });

  it('run as the reflex policy in a short seeded episode', async () => {
    const policy = await loadLearnedPolicy('reflex', DIR, defaultConfig(), spec, 2);
    const results = await runEpisodes(policy, { task, perturbation: nominal, episodes: 2, seed: 0, numEnvs: 2, maxSteps: 20 });
    policy.dispose();
    expect(results).toHaveLength(2);
    expect(results[0].meanDeltaZ).toBeGreaterThan(0);
    expect(results[0].meanReflex).toBeGreaterThan(0);
  });

  it('hold the stage-2 runs (sagr, strategy, and on Push-T the per-step residual, DSRL and ReinFlow) made from these stage-0/1 modules, each running a short seeded episode', async () => {
    const prior = readFileSync(path.join(DIR, 'prior', 'weights.bin'));
    for (const name of task === 'push-t' ? (['sagr', 'strategy', 'residual', 'dsrl', 'reinflow'] as const) : (['sagr', 'strategy'] as const)) {
      const dir = defaultCheckpoint(name, task);
      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
      expect(config.reflexGain === 0).toBe(name !== 'sagr');
      if (name === 'residual') expect(config.strategyRate).toBe('step');
      if (name === 'dsrl') expect([config.strategyRate, config.beta, config.gamma]).toEqual(['latent', 0, 0]);
      if (name === 'reinflow') expect([config.strategyRate, config.beta, config.gamma, config.clipEps, config.entCoef]).toEqual(['noise', 0, 0, 0.01, 0.03]);
      // The frozen prior is the shipped one, byte for byte; ReinFlow's is the shipped one fine-tuned (same shape).
      const own = readFileSync(path.join(dir, 'prior', 'weights.bin'));
      expect(own.equals(prior)).toBe(name !== 'reinflow');
      expect(own.length).toBe(prior.length);
      const iterations = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
      expect(iterations.length).toBe(config.ppoIters);
      const policy = await loadLearnedPolicy(name, dir, defaultConfig(), spec, 2);
      const results = await runEpisodes(policy, { task, perturbation: nominal, episodes: 2, seed: 0, numEnvs: 2, maxSteps: 20 });
      policy.dispose();
      expect(results).toHaveLength(2);
      expect(results[0].meanReflex === null).toBe(name !== 'sagr');
    }
  });
});
