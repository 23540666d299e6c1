import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config';
import { UsageError, type CommandContext } from '../command';
import { evalCommand, type EvalReport } from './eval';
import { merge } from './merge';

const SMALL = { episodeLength: 12, numEnvs: 2 };
function ctx(flags: Record<string, string>, json = true): CommandContext {
  return { config: { ...defaultConfig(), ...SMALL }, configFlags: new Set(), flags, switches: new Set(json ? ['json'] : []), log: () => {} };
}
/** The JSON as printed, with each cell's wall-clock seconds (the one thing two runs never share) zeroed. */
const printed = (r: EvalReport) => JSON.stringify(r, (key, value) => (key === 'seconds' ? 0 : value));
/** A report without its two lines that name the command and the date. */
const reportBody = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => !/^npm run sagr -- |^\| date \|/.test(l)).join('\n');

describe('eval --shard and merge', () => {
  it('merge the parts of three shards, in any order, into exactly the unsharded JSON and report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sagr-shards-'));
    for (const sub of ['whole', 'merged', 'parts']) mkdirSync(path.join(dir, sub));
    const evalFlags = { policy: 'expert,prior', suite: 'nominal,kick', episodes: '2', 'execute-steps': '4,8' };
    const whole = (await evalCommand.run(ctx({ ...evalFlags, report: path.join(dir, 'whole', 'results.md') }))) as EvalReport;
    const files: string[] = [];
    for (const i of [2, 0, 1]) {
      const part = (await evalCommand.run(ctx({ ...evalFlags, shard: `${i}/3` }))) as EvalReport;
      // expert (one n) × 2 suites + prior × 2 n × 2 suites = 6 cells: two per shard, every third from i.
      expect(Object.values(part.results).reduce((s, r) => s + Object.keys(r).length, 0)).toBe(2);
      files.push(path.join(dir, 'parts', `part-${i}.json`));
      writeFileSync(files.at(-1)!, JSON.stringify(part) + '\n');
    }
    const merged = (await merge.run(ctx({ parts: files.join(','), out: path.join(dir, 'merged.json'), report: path.join(dir, 'merged', 'results.md') }))) as EvalReport;
    expect(printed(merged)).toBe(printed(whole));
    expect(readFileSync(path.join(dir, 'merged.json'), 'utf8')).toBe(JSON.stringify(merged) + '\n');
    expect(reportBody(path.join(dir, 'merged', 'results.md'))).toBe(reportBody(path.join(dir, 'whole', 'results.md')));
    // A folder of parts is the same as their list; a missing or doubled shard, or another evaluation's part, is refused.
    expect(printed((await merge.run(ctx({ parts: path.join(dir, 'parts') }))) as EvalReport)).toBe(printed(whole));
    const refused = async (flags: Record<string, string>) => (await merge.run(ctx(flags)).catch((e: unknown) => e)) as Error;
    expect((await refused({ parts: files.slice(0, 2).join(',') })).message).toBe('--parts: shards 1/3 are missing');
    expect((await refused({ parts: [files[0], ...files].join(',') })).message).toBe('--parts: shard 2/3 is given twice');
    const other = JSON.parse(readFileSync(files[0], 'utf8'));
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ ...other, seed: 7 }));
    expect((await refused({ parts: [path.join(dir, 'other.json'), files[1], files[2]].join(',') })).message).toMatch(/^--parts: part 2 differs from part 1 in seed \(0 against 7\)/);
    expect((await refused({ parts: path.join(dir, 'whole', 'results.md') })).message).toMatch(/is neither JSON/);
  });

  it.each([
    [{ shard: '3/3' }, true, '--shard: shard 3 of 3 does not exist (shards are numbered 0 to 2)'],
    [{ shard: 'first' }, true, '--shard: "first" is not i/n (e.g. 0/4 for the first of four shards)'],
    [{ shard: '0/0' }, true, '--shard: 0 shards is outside [1, 10000]'],
    [{ shard: '0/2' }, false, '--shard: add --json and send it to a file (e.g. > runs/eval-part0.json); the part is that JSON object'],
    [{ shard: '0/2', report: 'docs/x.md' }, true, '--report: a shard holds part of the cells; give --report to merge, which combines the parts'],
  ])('eval refuses %o with a message naming the flag', async (flags, json, message) => {
    const err = await evalCommand.run(ctx({ policy: 'expert', episodes: '1', ...flags }, json)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(message);
  });
});
