// `sagr demos --task push-t|push-3d --episodes N --seed S --out FILE [--npz FILE] [--json]`: records N
// successful expert episodes on the nominal task into the demonstration format of src/sim/dataset.ts (a header, a
// JSON manifest and float arrays, CRC-checked); --npz also writes them as a NumPy .npz (np.load(FILE)).
// --task is the config key (default push-t), the one hyperparameter this command takes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createExpertPolicy } from '../../eval/expertPolicy';
import { recordDemos } from '../../eval/recordDemos';
import { decodeDemos, encodeDemosNpz } from '../../sim/dataset';
import { validateTask } from '../../sim/tasks';
import { UsageError, intFlag, type Command } from '../command';

const MAX_EPISODES = 10_000;

function writeOut(flag: string, path: string, bytes: Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot write "${path.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
  }
}

export const demos: Command = {
  name: 'demos',
  summary: 'record successful expert demonstrations (--out FILE: binary + manifest; --npz FILE: NumPy archive)',
  values: ['episodes', 'seed', 'out', 'npz'],
  switches: ['json'],
  acceptsConfig: false,
  configKeys: ['task'],
  async run({ config, flags, log }) {
    const task = validateTask(config.task);
    const episodes = intFlag(flags, 'episodes', undefined, 1, MAX_EPISODES);
    const seed = intFlag(flags, 'seed', 0, 0, 2 ** 31 - 1);
    const out = flags.out;
    if (!out) throw new UsageError('--out is required (the dataset file to write)');
    if (flags.npz === '') throw new UsageError('--npz: needs a file name');

    const policy = await createExpertPolicy(1, task);
    const t0 = performance.now();
    let result;
    try {
      result = await recordDemos(policy, {
        task,
        episodes,
        seed,
        onAttempt: (attempt, recorded, success, steps) => {
          if (!success) log(`attempt ${attempt}: failed after ${steps} steps (dropped)`);
          else if (recorded % 20 === 0) log(`${recorded}/${episodes} episodes recorded (${attempt} attempts, ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        },
      });
    } finally {
      policy.dispose();
    }
    // Decode what we are about to write: the file on disk is checked by the same reader every consumer uses.
    const dataset = decodeDemos(result.bytes);
    writeOut('out', out, result.bytes);
    const m = dataset.manifest;
    log(`${task}: wrote ${m.episodes} episodes, ${m.steps} steps, ${(result.bytes.length / 1e6).toFixed(2)} MB to ${out}; expert success ${(100 * m.expert.successRate).toFixed(1)}% over ${m.expert.attempts} attempts, mean length ${m.expert.meanLength.toFixed(1)}`);
    let npzBytes: number | null = null;
    if (flags.npz !== undefined) {
      const npz = encodeDemosNpz(dataset);
      writeOut('npz', flags.npz, npz);
      npzBytes = npz.length;
      log(`wrote ${flags.npz} (${(npz.length / 1e6).toFixed(2)} MB)`);
    }
    return { task, seed, out, bytes: result.bytes.length, npz: flags.npz ?? null, npzBytes, episodes: m.episodes, steps: m.steps, expert: m.expert };
  },
};
