// The pipeline on the 3D task through the CLI's own argument parsing, with tiny networks and budgets: demos
// (the first shipped push-3d episodes) → train prior, world, reflex → one PPO iteration → eval of the reflex
// and the full method from those checkpoints. Then `--task` for every command, and refusals of inputs that
// belong to another task.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, kebab, type Config } from '../core/config';
import { decodeDemos, encodeDemos } from '../sim/dataset';
import { taskSpec } from '../sim/tasks';
import { UsageError, parseCommandLine, type Command } from './command';
import { bench } from './commands/bench';
import { demos } from './commands/demos';
import { evalCommand, type EvalReport } from './commands/eval';
import { train } from './commands/train';
import { defaultDemos } from './demoFiles';
import { writeDemoSubset } from './demoSubset';
import { shippedCheckpoints } from './learnedPolicy';
import type { PpoRunSummary } from './trainPpo';
import { TINY_NETS } from '../testing/tinyConfig';

const TINY: Partial<Config> = {
  ...TINY_NETS,
  priorBatch: 16,
  worldBatch: 16,
  reflexBatch: 16,
  strategyWidth: 8,
  criticWidth: 8,
  numEnvs: 2,
  episodeLength: 12,
  rolloutSteps: 6,
  epochs: 1,
  minibatches: 2,
  criticWarmupIters: 0,
};
const TINY_ARGS = Object.entries(TINY).flatMap(([k, v]) => [`--${kebab(k)}`, String(v)]);

/** Runs a command as main.ts does, from its arguments. */
const run = (cmd: Command, args: string[]) => cmd.run({ ...parseCommandLine(cmd, args), log: () => {} });
const failure = (cmd: Command, args: string[]) => run(cmd, args).then(() => null, (e: unknown) => e as Error);

const dir = mkdtempSync(path.join(tmpdir(), 'sagr-pipeline3d-'));
const demoFile = writeDemoSubset(defaultDemos('push-3d'), path.join(dir, 'push-3d-demos.bin'), 3);
const out = path.join(dir, 'run');
/** The same demonstrations with the state columns labelled in another order. */
const shuffledLayoutFile = (() => {
  const ds = decodeDemos(readFileSync(demoFile));
  const file = path.join(dir, 'shuffled-layout.bin');
  writeFileSync(file, encodeDemos({ ...ds.manifest, stateLayout: [...ds.manifest.stateLayout].reverse() }, ds));
  return file;
})();
/** The summaries without their wall times, which are all that may differ between two runs of one seed. */
const withoutSeconds = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'seconds' ? undefined : v)));

describe('the pipeline on push-3d', () => {
  it('trains prior, Φ and reflex on push-3d demonstrations, with the task in every checkpoint', async () => {
    for (const stage of ['prior', 'world', 'reflex']) {
      const summary = (await run(train, ['--task', 'push-3d', '--stage', stage, '--iters', '2', '--demos', demoFile, '--out', out, ...TINY_ARGS])) as {
        task: string;
        episodes: { train: number; heldOut: number };
        stages: Record<string, { iters: number }>;
      };
      expect(summary.task).toBe('push-3d');
      expect(summary.episodes).toEqual({ train: 2, heldOut: 1 });
      expect(summary.stages[stage].iters).toBe(2);
      const meta = JSON.parse(readFileSync(path.join(out, stage, 'model.json'), 'utf8')).userDefinedMetadata;
      expect(meta.task).toBe('push-3d');
      expect(meta.modules[stage].numTokens).toBe(taskSpec('push-3d').numTokens);
      expect(meta.modules[stage].actionDim).toBe(3);
    }
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((r) => `${r.stage}@${r.iter}`)).toEqual(['prior@1', 'prior@2', 'world@1', 'world@2', 'reflex@1', 'reflex@2']);
    for (const r of metrics) expect(Number.isFinite(r.trainLoss), `${r.stage}@${r.iter}`).toBe(true);
    // Φ's held-out transitions were replayed in the 3D simulator: finite error ratios for object and pusher.
    const world = metrics.find((r) => r.stage === 'world' && r.iter === 2);
    expect(Number.isFinite(world.objectErrorRatio) && Number.isFinite(world.agentErrorRatio)).toBe(true);
  });

  it('runs one PPO iteration on push-3d from those checkpoints', async () => {
    const summary = (await run(train, ['--task', 'push-3d', '--stage', 'ppo', '--iters', '1', '--checkpoint', out, '--out', out, ...TINY_ARGS])) as { stages: { ppo: PpoRunSummary } };
    const ppo = summary.stages.ppo;
    expect(ppo.iterations).toEqual({ start: 0, end: 1, total: 1 });
    for (const m of ['state', 'strategy', 'critic', 'reflex']) expect(existsSync(path.join(out, 'ppo', m, 'model.json')), m).toBe(true);
    const log = JSON.parse(readFileSync(path.join(out, 'ppo', 'metrics.jsonl'), 'utf8').trim());
    // 3 decisions × 2 steps × 2 envs of push-3d physics, every figure finite.
    expect(log.rollout.controlSteps).toBe(12);
    expect(Number.isFinite(log.ppo.pgLoss) && Number.isFinite(log.world.dynamicsLoss) && log.rollout.meanDeltaZ > 0).toBe(true);
    const meta = JSON.parse(readFileSync(path.join(out, 'ppo', 'strategy', 'model.json'), 'utf8')).userDefinedMetadata;
    expect(meta.task).toBe('push-3d');
  });

  it('evaluates the reflex and the full method on push-3d, the same numbers for the same seed', async () => {
    const evaluate = (policy: string, checkpoint: string) =>
      run(evalCommand, ['--task', 'push-3d', '--policy', policy, '--checkpoint', checkpoint, '--episodes', '2', '--seed', '3', ...TINY_ARGS]) as Promise<EvalReport>;
    for (const [policy, checkpoint] of [['reflex', out], ['sagr', path.join(out, 'ppo')]]) {
      const report = await evaluate(policy, checkpoint);
      expect(report.task).toBe('push-3d');
      const s = report.results[policy].nominal;
      expect(s.episodes).toBe(2);
      expect(s.meanEpisodeLength).toBeLessThanOrEqual(TINY.episodeLength!);
      expect(s.meanFinalCoverage.mean).toBeGreaterThanOrEqual(0);
      expect(s.meanMaxCoverage.mean).toBeLessThanOrEqual(1);
      expect(s.meanMaxCoverage.mean).toBeGreaterThanOrEqual(s.meanFinalCoverage.mean);
      expect(s.meanDeltaZ).toBeGreaterThan(0);
      expect(s.meanReflex).toBeGreaterThan(0);
      expect(withoutSeconds(await evaluate(policy, checkpoint))).toEqual(withoutSeconds(report));
    }
  });

  it('gives the same weights and PPO figures when run again with the same seed', async () => {
    const again = path.join(dir, 'again');
    for (const stage of ['prior', 'world', 'reflex']) await run(train, ['--task', 'push-3d', '--stage', stage, '--iters', '2', '--demos', demoFile, '--out', again, ...TINY_ARGS]);
    await run(train, ['--task', 'push-3d', '--stage', 'ppo', '--iters', '1', '--checkpoint', again, '--out', again, ...TINY_ARGS]);
    for (const module of ['prior', 'world', 'reflex', 'ppo/strategy', 'ppo/critic', 'ppo/world', 'ppo/reflex']) {
      expect(readFileSync(path.join(again, module, 'weights.bin')).equals(readFileSync(path.join(out, module, 'weights.bin'))), module).toBe(true);
    }
    const timing = new Set(['wallMs', 'updateMs', 'envStepsPerSec', 'physicsMs', 'inferenceMs']);
    const figures = (d: string) => JSON.parse(readFileSync(path.join(d, 'ppo', 'metrics.jsonl'), 'utf8'), (k, v) => (timing.has(k) ? undefined : v));
    expect(figures(again)).toEqual(figures(out));
  });
});

describe('--task', () => {
  it('is the config key for every command, validated with the flag named', () => {
    for (const cmd of [bench, demos, evalCommand, train]) {
      expect(parseCommandLine(cmd, ['--task', 'push-3d']).config.task).toBe('push-3d');
      expect(parseCommandLine(cmd, []).config.task).toBe('push-t');
      expect(() => parseCommandLine(cmd, ['--task', 'push-l'])).toThrow(ConfigError);
      expect(() => parseCommandLine(cmd, ['--task', 'push-l'])).toThrow(/^--task: "push-l" is not one of push-t, push-3d$/);
    }
    // Commands without hyperparameters take --task and the few keys they use (demos: the learner's SDE), nothing else.
    expect(() => parseCommandLine(demos, ['--task', 'push-3d', '--prior-lr', '0.001'])).toThrow(/^--prior-lr: unknown flag \(this command takes no hyperparameters\)$/);
    expect(() => parseCommandLine(bench, ['--episode-length', '20'])).toThrow(/^--episode-length: unknown flag \(this command takes no hyperparameters\)$/);
    // Refused before values are checked: --sigma-max 0 alone would break sigmaMin ≤ sigmaMax, which is not the problem here.
    expect(() => parseCommandLine(bench, ['--sigma-max', '0'])).toThrow(/^--sigma-max: unknown flag \(this command takes no hyperparameters\)$/);
  });

  it('comes from a --config file unless the flag overrides it', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ task: 'push-3d' }));
    expect(parseCommandLine(train, ['--config', file]).config.task).toBe('push-3d');
    expect(parseCommandLine(train, ['--config', file, '--task', 'push-t']).config.task).toBe('push-t');
  });
});

describe('inputs of another task are refused, naming the field', () => {
  it.each([
    [evalCommand, ['--task', 'push-3d', '--policy', 'reflex', '--checkpoint', shippedCheckpoints('push-t'), '--episodes', '1'], /^--checkpoint: cannot load the prior from .*push-t\/prior \(checkpoint: the prior was trained for 10 tokens and 2-D actions, task push-3d has 14 and 3\)$/],
    [train, ['--task', 'push-3d', '--stage', 'prior', '--out', path.join(dir, 'x'), '--demos', defaultDemos('push-t')], /^--demos: the file holds push-t demonstrations, not push-3d/],
    [train, ['--stage', 'prior', '--out', path.join(dir, 'x'), '--demos', demoFile], /^--demos: the file holds push-3d demonstrations, not push-t \(set --task push-3d/],
    [train, ['--task', 'push-3d', '--stage', 'world', '--out', path.join(dir, 'x'), '--demos', shuffledLayoutFile], /^--demos: the file's stateLayout \(objectWz, .*\) is not push-3d's \(pusherX, /],
    [train, ['--task', 'push-3d', '--stage', 'reflex', '--iters', '1', '--out', path.join(dir, 'x'), '--demos', demoFile, '--checkpoint', shippedCheckpoints('push-t')], /^--checkpoint: the reflex stage needs a trained world predictor in .*push-t\/world \(checkpoint: the world was trained for 10 tokens and 2-D actions, task push-3d has 14 and 3\)$/],
    [train, ['--task', 'push-3d', '--stage', 'ppo', '--out', path.join(dir, 'x'), '--checkpoint', shippedCheckpoints('push-t'), ...TINY_ARGS], /^--checkpoint: cannot load the prior from .*push-t\/prior \(checkpoint: the prior was trained for 10 tokens/],
    [train, ['--stage', 'ppo', '--out', out, '--iters', '2', '--resume'], /^--task: the run in .*run\/ppo trains push-3d, not push-t \(pass --task push-3d to resume it\)$/],
  ] as const)('%#: refuses it with a one-line reason', async (cmd, args, message) => {
    const err = await failure(cmd, [...args]);
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toMatch(message);
  });
});
