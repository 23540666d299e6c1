// The average command on real (tiny) priors written by saveCheckpoint: the output is the weights' mean, loads as a
// prior, and records what it was made from; bad inputs are refused naming the flag, with nothing written.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config';
import { useNodeBackend } from '../../engine/nodeBackend';
import { nodeFileHandler } from '../../engine/nodeCheckpoint';
import { loadCheckpoint, readCheckpoint, saveCheckpoint } from '../../nn/checkpoint';
import { FlowPrior } from '../../policy/flowPrior';
import { tinyPrior } from '../../policy/testFixtures';
import { UsageError, type CommandContext } from '../command';
import { average } from './average';

const dir = mkdtempSync(path.join(tmpdir(), 'sagr-average-'));
beforeAll(async () => {
  await useNodeBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = (flags: Record<string, string>): CommandContext => ({ config: defaultConfig(), configFlags: new Set(), flags, switches: new Set(), log: () => {} });

async function writePrior(name: string, seed: number, width = tinyPrior.width): Promise<string> {
  const prior = new FlowPrior({ ...tinyPrior, width }, seed);
  const command = `npm run sagr -- train --stage prior --out ${name}`;
  await saveCheckpoint([prior], nodeFileHandler(path.join(dir, name, 'prior')), { task: 'push-t', stage: 'prior', config: defaultConfig(), report: { iters: seed }, command });
  prior.dispose();
  return path.join(dir, name);
}

describe('average command', () => {
  it('writes the mean of the priors, which loads as a prior and names its inputs', async () => {
    const runs = [await writePrior('a', 1), await writePrior('b', 2), await writePrior('c', 3)];
    const out = path.join(dir, 'soup');
    await average.run(ctx({ checkpoints: runs.join(','), out }));
    const inputs = await Promise.all(runs.map((r) => readCheckpoint(nodeFileHandler(path.join(r, 'prior')))));
    const soup = await readCheckpoint(nodeFileHandler(path.join(out, 'prior')));
    const names = Object.keys(inputs[0].weights);
    expect(Object.keys(soup.weights).sort()).toEqual([...names].sort());
    let worst = 0;
    for (const n of names) {
      const got = await soup.weights[n].data();
      const each = await Promise.all(inputs.map((i) => i.weights[n].data()));
      got.forEach((g, k) => (worst = Math.max(worst, Math.abs(g - (each[0][k] + each[1][k] + each[2][k]) / 3))));
    }
    expect(worst).toBeLessThan(1e-6);
    expect(soup.metadata.modules.prior).toEqual(inputs[0].metadata.modules.prior);
    expect(soup.metadata.stage).toBe('prior');
    const report = soup.metadata.report as { averageOf: { checkpoint: string; command: string; report: { iters: number } }[] };
    expect(report.averageOf.map((x) => [x.checkpoint, x.report.iters])).toEqual([[runs[0], 1], [runs[1], 2], [runs[2], 3]]);
    expect(report.averageOf[0].command).toMatch(/--stage prior --out a$/);
    const prior = new FlowPrior(tinyPrior, 9);
    await loadCheckpoint([prior], nodeFileHandler(path.join(out, 'prior')));
    prior.dispose();
    for (const c of [...inputs, soup]) tf.dispose(c.weights);
  });

  it.each([
    [{ checkpoints: 'a', out: 'x' }, /^--checkpoints: give at least 2 checkpoint folders, comma-separated$/],
    [{ checkpoints: 'a,b' }, /^--out is required/],
    [{ checkpoints: 'a,b', out: 'x', module: 'brain' }, /^--module: "brain" is not one of prior, world, reflex, strategy, critic$/],
    [{ checkpoints: 'a,missing', out: 'x' }, /^--checkpoints: cannot load the prior from .*missing\/prior/],
    [{ checkpoints: 'a,wide', out: 'x' }, /^--checkpoints: .*wide's prior was built with another config than .*a's$/],
    [{ checkpoints: 'a,b', out: 'x', module: 'world' }, /^--checkpoints: cannot load the world from .*a\/world/],
  ] as [Record<string, string>, RegExp][])('refuses %o naming the flag, writing nothing', async (flags, message) => {
    if (!existsSync(path.join(dir, 'wide'))) await writePrior('wide', 4, 2 * tinyPrior.width);
    const given = { ...flags, checkpoints: flags.checkpoints.split(',').map((d) => path.join(dir, d)).join(','), ...(flags.out ? { out: path.join(dir, flags.out) } : {}) };
    const err = await average.run(ctx(given)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
