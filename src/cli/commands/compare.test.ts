import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config';
import type { Comparison, EvalRun } from '../../eval/compareEvals';
import { UsageError, type CommandContext } from '../command';
import { compare } from './compare';
import { evalCommand, type EvalReport } from './eval';

const SMALL = { episodeLength: 12, numEnvs: 2 };
function ctx(flags: Record<string, string>): CommandContext {
  return { config: { ...defaultConfig(), ...SMALL }, configFlags: new Set(), flags, switches: new Set(['json']), log: () => {} };
}

/** A report holding `policy` with the given outcomes per cell key. */
function run(executeSteps: number[], policy: string, cells: Record<string, string>, over: Partial<EvalRun> = {}): EvalRun {
  const results = { [policy]: Object.fromEntries(Object.entries(cells).map(([k, outcomes]) => [k, { outcomes, perturbation: k.split(' ')[0] }])) };
  return { task: 'push-t', seed: 0, episodes: 5, maxSteps: 300, numEnvs: 25, executeSteps, results, ...over };
}

describe('sagr compare', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagr-compare-'));
  const write = (name: string, r: object) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(r));
    return file;
  };

  it('pairs a sweep\'s "suite n=N" cells with a one-n run\'s and gives McNemar\'s exact p per cell and pooled', async () => {
    // A sweep over n = 4, 8 and a run at n = 8 only: the n = 8 cells pair, the n = 4 ones have no partner.
    const a = write('a.json', run([4, 8], 'prior', { 'nominal n=4': '11111', 'nominal n=8': '11000', 'kick n=8': '00000' }));
    const b = write('b.json', run([8], 'sagr', { nominal: '10111', kick: '11110' }, { episodes: 5 }));
    const r = (await compare.run(ctx({ a: `${a}:prior`, b }))) as Comparison;
    expect(r.cells.map((c) => `${c.suite} n=${c.n}`)).toEqual(['nominal n=8', 'kick n=8']);
    // nominal: B only at episodes 3, 4, 5, A only at 2: p = 2·P(X ≤ 1 | 4, ½) = 2·5/16.
    expect(r.cells[0]).toMatchObject({ a: { successes: 2, episodes: 5 }, b: { successes: 4, episodes: 5 }, differencePoints: 40, bOnly: 3, aOnly: 1 });
    expect(r.cells[0].pValue).toBeCloseTo(0.625, 12);
    // kick: 4 won, none lost: 2/16. Pooled: 7 won, 1 lost of 10 episodes: 2·(1 + 7)/128.
    expect(r.cells[1].pValue).toBeCloseTo(0.125, 12);
    expect(r.pooled).toMatchObject({ a: { successes: 2, episodes: 10 }, b: { successes: 8, episodes: 10 }, differencePoints: 60, bOnly: 7, aOnly: 1 });
    expect(r.pooled.pValue).toBeCloseTo(0.0703125, 12);
  });

  it('reads what eval --json writes: a sweep\'s n = 8 cells and a one-n run at n = 8 are the same episodes', async () => {
    const flags = { policy: 'prior', suite: 'nominal,kick', episodes: '3' };
    const sweep = (await evalCommand.run(ctx({ ...flags, 'execute-steps': '4,8' }))) as EvalReport;
    const single = (await evalCommand.run(ctx({ ...flags, 'execute-steps': '8' }))) as EvalReport;
    // The pairing compare relies on: the same episodes, whatever else the run held (the coverage the prior reached, to the bit).
    for (const suite of ['nominal', 'kick']) expect(single.results.prior[suite].meanFinalCoverage).toEqual(sweep.results.prior[`${suite} n=8`].meanFinalCoverage);
    const r = (await compare.run(ctx({ a: write('sweep.json', sweep), b: write('single.json', single) }))) as Comparison;
    expect(r.cells.map((c) => [c.suite, c.n, c.bOnly, c.aOnly, c.pValue])).toEqual([
      ['nominal', 8, 0, 0, 1],
      ['kick', 8, 0, 0, 1],
    ]);
    expect(r.pooled.a).toEqual(r.pooled.b);
  }, 120_000);

  it.each([
    [{ a: 'ONE' }, '--b is required: an eval --json file, optionally :POLICY (e.g. runs/eval.json:sagr)'],
    [{ a: 'missing.json', b: 'missing.json' }, /^--a: cannot read "missing.json" as JSON/],
    [{ a: 'TWO', b: 'ONE' }, /^--a: ".*two.json" holds prior, sagr; name one as FILE:POLICY$/],
    [{ a: 'TWO:reflex', b: 'ONE' }, /^--a: ".*two.json" has no policy "reflex" \(it has prior, sagr\)$/],
    [{ a: 'TWO:prior', b: 'SEED' }, '--b: the two evaluations differ in seed (0 against 7), so their episodes are not the same ones'],
    [{ a: 'TWO:prior', b: 'OTHER_KICK' }, '--b: cell kick n=4: the two evaluations ran different disturbances (kick against kick:magnitude=9)'],
    [{ a: 'TWO:prior', b: 'N16' }, '--b: no cell is in both evaluations (first: kick n=4; second: kick n=16)'],
  ])('refuses %o with a message naming the flag', async (flags, message) => {
    const files: Record<string, string> = {
      TWO: write('two.json', { ...run([4], 'prior', { kick: '10101' }), results: { ...run([4], 'prior', { kick: '10101' }).results, ...run([4], 'sagr', { kick: '11111' }).results } }),
      ONE: write('one.json', run([4], 'sagr', { kick: '11111' })),
      SEED: write('seed.json', run([4], 'sagr', { kick: '11111' }, { seed: 7 })),
      OTHER_KICK: write('other.json', { ...run([4], 'sagr', {}), results: { sagr: { kick: { outcomes: '11111', perturbation: 'kick:magnitude=9' } } } }),
      N16: write('n16.json', run([16], 'sagr', { kick: '11111' })),
    };
    const resolved = Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, v.replace(/^[A-Z_0-9]+/, (f) => files[f] ?? f)]));
    const err = await compare.run(ctx(resolved)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  });
});
