import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config';
import { decodeRecoveryPart, encodeRecoveryPart } from '../../eval/recoveryShards';
import { decodeDemos } from '../../sim/dataset';
import { UsageError, type CommandContext } from '../command';
import { shippedCheckpoints } from '../learnedPolicy';
import { demos } from './demos';
import { merge } from './merge';

function ctx(flags: Record<string, string>): CommandContext {
  return { config: defaultConfig(), configFlags: new Set(), flags, switches: new Set(['json']), log: () => {} };
}
/** The shipped prior as the learner: its episodes end at different steps (it succeeds), so a batch of them has envs
 * stepping past their last episode, and 4 episodes in 3 shards are blocks of 1, 1 and 2 run with 1, 1 and 2 envs
 * against 4 unsharded. Kept states at steps 0 and 150 only, so that the expert's runs stay few. */
const RUN = { 'recover-from': shippedCheckpoints('push-t'), episodes: '4', every: '150', seed: '3' };
const SHARDS = 3;

const refusal = async (run: Promise<unknown>) => {
  const err = await run.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  return (err as Error).message;
};

describe('demos --recover-from --shard and merge', () => {
  it('merge the parts of three shards, in any order, into exactly the unsharded file and JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sagr-demo-shards-'));
    mkdirSync(path.join(dir, 'parts'));
    const wholeFile = path.join(dir, 'whole.bin');
    const whole = (await demos.run(ctx({ ...RUN, out: wholeFile }))) as { out: string; recovery: { starts: number } };
    const files: string[] = [];
    for (const i of [2, 0, 1]) {
      files.push(path.join(dir, 'parts', `part-${i}.bin`));
      const part = (await demos.run(ctx({ ...RUN, shard: `${i}/${SHARDS}`, out: files.at(-1)! }))) as { shard: unknown };
      expect(part.shard).toEqual({ index: i, count: SHARDS });
    }
    const mergedFile = path.join(dir, 'merged.bin');
    const merged = await merge.run(ctx({ parts: files.join(','), out: mergedFile }));
    expect(Buffer.compare(readFileSync(mergedFile), readFileSync(wholeFile))).toBe(0);
    expect({ ...(merged as object), out: wholeFile }).toEqual(whole);
    expect(whole.recovery.starts).toBeGreaterThanOrEqual(4); // step 0 of every episode at least

    // A folder of parts is the same as their list.
    await merge.run(ctx({ parts: path.join(dir, 'parts'), out: mergedFile }));
    expect(Buffer.compare(readFileSync(mergedFile), readFileSync(wholeFile))).toBe(0);

    // A missing or doubled shard, a part of another run, another base, or a mix with an evaluation's parts is refused.
    const refused = (parts: string[], flags: Record<string, string> = {}) => refusal(merge.run(ctx({ parts: parts.join(','), out: mergedFile, ...flags })));
    expect(await refused(files.slice(0, 2))).toBe('--parts: shards 1/3 are missing');
    expect(await refused([files[0], ...files])).toBe('--parts: shard 2/3 is given twice');
    const other = decodeRecoveryPart(readFileSync(files[1]));
    writeFileSync(path.join(dir, 'other.bin'), encodeRecoveryPart({ ...other, run: { ...other.run, seed: 7 } }));
    expect(await refused([files[0], path.join(dir, 'other.bin'), files[2]])).toBe('--parts: part 2 differs from part 1 in seed (7 against 3): not the same run');
    expect(await refused(files, { base: wholeFile })).toMatch(/^--parts: the base demonstrations are not those the shards recovered onto \(checksum \d+ against \d+\)/);
    writeFileSync(path.join(dir, 'eval.json'), '{}');
    expect(await refused([...files, path.join(dir, 'eval.json')])).toMatch(/^--parts: the files mix evaluation parts \(eval --shard\) and demonstration parts/);
    expect(await refused([wholeFile])).toMatch(/: a whole demonstration file, not a shard's part/);
    expect(await refused(files, { report: path.join(dir, 'r.md') })).toMatch(/^--report: the parts are demonstrations/);
    // A part is no dataset to train on or to recover onto.
    expect(decodeDemos(readFileSync(files[0])).manifest.part).toBeDefined();
    expect(await refusal(demos.run(ctx({ ...RUN, base: files[0], out: path.join(dir, 'x.bin') })))).toMatch(/^--base: the file is one shard's part of a sharded demos --recover-from; merge the parts first/);
  });

  it.each([
    [{ shard: '0/2' }, '--shard: only with --recover-from (the learner\'s episodes are split; expert demonstrations are one sequence of attempts)'],
    [{ ...RUN, shard: '0/5' }, '--shard: 5 shards for 4 learner episodes (--episodes) would leave a shard without one'],
    [{ ...RUN, shard: '2/2' }, '--shard: shard 2 of 2 does not exist (shards are numbered 0 to 1)'],
    [{ ...RUN, shard: '0/2', npz: 'x.npz' }, '--npz: a shard holds part of the recoveries; give --npz to merge, which writes the whole dataset'],
  ])('demos refuses %o with a message naming the flag', async (flags, message) => {
    expect(await refusal(demos.run(ctx({ episodes: '4', out: path.join(tmpdir(), 'never.bin'), ...flags })))).toBe(message);
  });
});
