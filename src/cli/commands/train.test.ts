import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../core/config';
import { UsageError, type CommandContext } from '../command';
import { writeDemoSubset } from '../demoSubset';
import { demos } from './demos';
import { evalCommand, type EvalReport } from './eval';
import { defaultDemos } from '../demoFiles';
import { train } from './train';
import { TINY_NETS } from '../../testing/tinyConfig';

const tiny: Partial<Config> = {
  ...TINY_NETS,
  priorBatch: 16,
  worldBatch: 16,
  reflexBatch: 16,
  numEnvs: 2,
  episodeLength: 10,
};

function ctx(flags: Record<string, string>, overrides: Partial<Config> = {}): CommandContext {
  return { config: { ...defaultConfig(), ...overrides }, configFlags: new Set(), flags, switches: new Set(['json']), log: () => {} };
}

describe('train command', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagr-train-'));

  it.each([
    [{ out: dir }, /^--stage is required \(one of prior, world, reflex, meanflow, ppo, dsrl, reinflow, rwfm, grpo, all\)$/],
    [{ stage: 'prior' }, /^--out is required/],
    [{ stage: 'ppo2', out: dir }, /^--stage: "ppo2" is not one of prior, world, reflex, meanflow, ppo, dsrl, reinflow, rwfm, grpo, all$/],
    [{ stage: 'meanflow', out: path.join(dir, 'mf'), checkpoint: path.join(dir, 'nowhere'), iters: '1', workers: '1' }, /^--checkpoint: the meanflow stage distils the K-step prior in .*nowhere\/prior/],
    [{ stage: 'meanflow', out: dir, init: dir }, /^--init: fine-tunes one module; use it with --stage prior, world, reflex, not meanflow$/],
    [{ stage: 'prior', out: dir, iters: '0' }, /^--iters: 0 is outside \[1, 1000000\]$/],
    [{ stage: 'prior', out: dir, demos: path.join(dir, 'missing.bin') }, /^--demos: cannot read ".*missing\.bin"/],
    [{ stage: 'reflex', out: path.join(dir, 'empty'), iters: '1' }, /^--checkpoint: the reflex stage needs a trained world predictor in .*empty\/world/],
    [{ stage: 'ppo', out: dir, init: dir }, /^--init: fine-tunes one module; use it with --stage prior, world, reflex, not ppo$/],
    [{ stage: 'prior', out: path.join(dir, 'x'), init: path.join(dir, 'nowhere'), iters: '1' }, /^--init: cannot load the prior from .*nowhere\/prior/],
    [{ stage: 'prior', out: dir, workers: '0' }, /^--workers: 0 is outside \[1, 64\]$/],
    [{ stage: 'prior', out: dir, workers: 'two' }, /^--workers: "two" is not an integer$/],
    [{ stage: 'all', out: dir, workers: '17' }, /^--workers: 17 is more than the smallest batch to split, 16 \(prior 16, world 16\)$/],
    [{ stage: 'ppo', out: dir, workers: '2' }, /^--workers: the ppo stage runs in one thread; data-parallel training is for the prior and world stages$/],
  ])('refuses %o with a one-line reason naming the flag', async (flags, message) => {
    const err = await train.run(ctx(flags, tiny)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses the behaviour-cloning term (--bc-coef) for a stage-2 run that keeps v_θ frozen', async () => {
    const err = await train.run(ctx({ stage: 'ppo', out: dir }, { ...tiny, bcCoef: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--bc-coef: the behaviour-cloning term regularises the v_θ that ReinFlow fine-tunes \(--stage reinflow\); the chunk-rate strategy keeps v_θ frozen$/);
  });

  it('refuses a file that is not a demonstration file', async () => {
    const bad = path.join(dir, 'bad.bin');
    writeFileSync(bad, 'not demos');
    await expect(train.run(ctx({ stage: 'prior', out: dir, demos: bad }, tiny))).rejects.toThrow(/^--demos: demos: file is 9 bytes, shorter than the 24-byte header/);
  });

  it('--workers 2 trains the prior on two workers, says so, and records it', async () => {
    const logs: string[] = [];
    const demosFile = writeDemoSubset(defaultDemos('push-t'), path.join(dir, 'demos-workers.bin'), 4);
    const summary = (await train.run({ ...ctx({ stage: 'prior', out: path.join(dir, 'workers'), demos: demosFile, iters: '2', workers: '2' }, tiny), log: (m) => logs.push(m) })) as {
      workers: number;
      stages: { prior: { workers: number } };
    };
    expect(logs).toContain('training on 2 workers (--workers)');
    expect(summary.workers).toBe(2);
    expect(summary.stages.prior.workers).toBe(2);
  });

  it('--stage all writes three checkpoints, metrics and the config, then a ppo run; eval runs the prior and the reflex from them', async () => {
    const out = path.join(dir, 'run');
    const demosFile = writeDemoSubset(defaultDemos('push-t'), path.join(dir, 'demos.bin'), 4);
    // One thread: worker start-up would double this test's time; the data-parallel path has its own test above.
    const summary = (await train.run(ctx({ stage: 'all', out, demos: demosFile, iters: '3', workers: '1' }, tiny))) as { stages: Record<string, { iters: number; checkpoint: string }> };
    expect(Object.keys(summary.stages)).toEqual(['prior', 'world', 'reflex', 'ppo']);
    expect(existsSync(path.join(out, 'ppo', 'strategy', 'model.json'))).toBe(true);
    for (const stage of ['prior', 'world', 'reflex']) {
      expect(summary.stages[stage].iters).toBe(3);
      expect(existsSync(path.join(out, stage, 'model.json')) && existsSync(path.join(out, stage, 'weights.bin'))).toBe(true);
    }
    const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // --iters 3: an evaluation after every iteration of each stage.
    expect(metrics.map((r) => `${r.stage}@${r.iter}`)).toEqual(['prior@1', 'prior@2', 'prior@3', 'world@1', 'world@2', 'world@3', 'reflex@1', 'reflex@2', 'reflex@3']);
    expect(metrics[8]).toHaveProperty('r2');
    // Each module's folder carries its own stage's evaluations.
    const reflexMetrics = readFileSync(path.join(out, 'reflex', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(reflexMetrics).toEqual(metrics.slice(6));
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).priorWidth).toBe(16);
    const meta = JSON.parse(readFileSync(path.join(out, 'prior', 'model.json'), 'utf8')).userDefinedMetadata;
    expect(meta.stage).toBe('prior');
    expect(meta.config.horizon).toBe(4);

    for (const policy of ['prior', 'reflex'] as const) {
      const report = (await evalCommand.run(ctx({ policy, checkpoint: out, episodes: '2' }, tiny))) as EvalReport;
      expect(report.results[policy].nominal.episodes).toBe(2);
      if (policy === 'reflex') expect(report.results.reflex.nominal.meanDeltaZ).not.toBeNull();
    }
    const err = await evalCommand.run(ctx({ policy: 'prior', checkpoint: path.join(dir, 'nowhere'), episodes: '1' }, tiny)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--checkpoint: cannot load the prior from .*nowhere\/prior/);

    // The one-step prior (MeanFlow) distilled from that prior: a prior checkpoint with the meanFlow flag in DIR/meanflow/prior,
    // which eval runs as --policy meanflow; a K-step prior is refused there, and the one-step prior as a teacher.
    const mf = (await train.run(ctx({ stage: 'meanflow', checkpoint: out, out, demos: demosFile, iters: '2', workers: '1' }, tiny))) as { stages: { meanflow: { iters: number; checkpoint: string; relativeToKStep: number } } };
    expect(mf.stages.meanflow.iters).toBe(2);
    expect(mf.stages.meanflow.checkpoint).toBe(path.join(out, 'meanflow', 'prior'));
    expect(Number.isFinite(mf.stages.meanflow.relativeToKStep)).toBe(true);
    const mfMeta = JSON.parse(readFileSync(path.join(out, 'meanflow', 'prior', 'model.json'), 'utf8')).userDefinedMetadata;
    expect([mfMeta.stage, mfMeta.modules.prior.meanFlow, mfMeta.report.teacher]).toEqual(['meanflow', true, path.join(out, 'prior')]);
    const mfReport = (await evalCommand.run(ctx({ policy: 'meanflow', checkpoint: path.join(out, 'meanflow'), episodes: '2' }, tiny))) as EvalReport;
    expect(mfReport.results.meanflow.nominal.episodes).toBe(2);
    const kStepErr = await evalCommand.run(ctx({ policy: 'meanflow', checkpoint: out, episodes: '1' }, tiny)).catch((e: unknown) => e);
    expect(kStepErr).toBeInstanceOf(UsageError);
    expect((kStepErr as Error).message).toMatch(/^--checkpoint: .*\/prior is a K-step prior; --policy meanflow needs a one-step \(MeanFlow\) prior/);
    await expect(train.run(ctx({ stage: 'meanflow', checkpoint: path.join(out, 'meanflow'), out: path.join(dir, 'mf2'), demos: demosFile, iters: '1', workers: '1' }, tiny))).rejects.toThrow(
      /^--checkpoint: .*meanflow\/prior holds a one-step \(MeanFlow\) prior; the meanflow stage needs a K-step prior to distil$/,
    );

    // DAgger's loop: expert recoveries from the prior's states, then the prior fine-tuned on them (--init).
    const recovered = path.join(dir, 'recovered.bin');
    const rec = (await demos.run(ctx({ 'recover-from': out, episodes: '1', every: '100', out: recovered, base: demosFile }, tiny))) as { episodes: number; recovery: { starts: number; recovered: number } };
    expect(rec.recovery.starts).toBe(3); // a tiny prior never solves the task: states at steps 0, 100, 200
    expect(rec.episodes).toBe(4 + rec.recovery.recovered);
    await expect(demos.run(ctx({ episodes: '1', every: '5', out: recovered }, tiny))).rejects.toThrow(/^--every: only with --recover-from/);
    const tuned = path.join(dir, 'tuned');
    const fine = (await train.run(ctx({ stage: 'prior', out: tuned, demos: recovered, init: out, iters: '1', workers: '1' }, { ...tiny, priorLr: 1e-7 }))) as { stages: { prior: { init: string } } };
    expect(fine.stages.prior.init).toBe(out);
    // Φ too (any stage's module): one step at a learning rate of 1e-7 leaves the weights where --init found them.
    await train.run(ctx({ stage: 'world', out: tuned, demos: demosFile, init: out, iters: '1', workers: '1' }, { ...tiny, worldLr: 1e-7 }));
    for (const module of ['prior', 'world']) {
      const weights = (d: string) => new Float32Array(readFileSync(path.join(d, module, 'weights.bin')).buffer.slice(0));
      const [before, after] = [weights(out), weights(tuned)];
      expect(after.length).toBe(before.length);
      expect(Math.max(...after.map((w, i) => Math.abs(w - before[i])))).toBeLessThan(1e-4);
    }
  });
});
