// `sagr demos --task push-t|push-3d --episodes N --seed S --out FILE [--npz FILE] [--json]`: records N
// successful expert episodes on the nominal task into the demonstration format of src/sim/dataset.ts (a header, a
// JSON manifest and float arrays, CRC-checked); --npz also writes them as a NumPy .npz (np.load(FILE)).
// `--recover-from DIR [--every K] [--base FILE]`: DAgger by expert takeover (src/eval/recordRecoveries.ts): the prior
// in DIR/prior runs N seeded episodes, the expert runs from its state every K steps (default 20), and the successful
// runs are appended to the base demonstrations (default: the task's shipped ones); train a prior on --out.
// `--shard i/n` (with --recover-from) records block i of n of the learner's episodes and the expert's runs from them
// into a part file (src/eval/recoveryShards.ts); `merge --parts` combines the parts into the unsharded run's file.
// --task is the config key (default push-t); the SDE keys (--sigma-max 0 --sigma-min 0 for the deterministic
// sample, as the reports evaluate) and --execute-steps shape the learner when recovering.
import { createExpertPolicy } from '../../eval/expertPolicy';
import { recordDemos } from '../../eval/recordDemos';
import { combineRecoveries, recordRecoveryPart, type RecoveriesResult } from '../../eval/recordRecoveries';
import { encodeRecoveryPart, type RecoveryRun } from '../../eval/recoveryShards';
import { parseShard, shardBlock, type Shard } from '../../eval/shards';
import { decodeDemos, encodeDemosNpz } from '../../sim/dataset';
import { simTask, validateTask, type TaskName } from '../../sim/tasks';
import { kebab, type Config, type ConfigKey } from '../../core/config';
import { UsageError, intFlag, writeFlagFile, type Command } from '../command';
import { loadLearnedPolicy } from '../learnedPolicy';
import { defaultDemos, readDemosFile } from '../demoFiles';

const MAX_EPISODES = 10_000;
/** Default spacing of the learner states the expert recovers from, control steps. */
const RECOVER_EVERY = 20;
/** Learner environments stepped in parallel while recovering. */
const RECOVER_ENVS = 25;

interface Progress {
  log: (msg: string) => void;
  seconds: () => string;
}

/** N successful expert episodes (recordDemos). */
async function recordExpert(task: TaskName, episodes: number, seed: number, { log, seconds }: Progress): Promise<Uint8Array> {
  const policy = await createExpertPolicy(1, task);
  try {
    const result = await recordDemos(policy, {
      task,
      episodes,
      seed,
      onAttempt: (attempt, recorded, success, steps) => {
        if (!success) log(`attempt ${attempt}: failed after ${steps} steps (dropped)`);
        else if (recorded % 20 === 0) log(`${recorded}/${episodes} episodes recorded (${attempt} attempts, ${seconds()} s)`);
      },
    });
    return result.bytes;
  } finally {
    policy.dispose();
  }
}

/** The config keys that shape the learner's episodes (and so must agree across the shards of one run). */
const LEARNER_KEYS = ['sigmaSchedule', 'sigmaMax', 'sigmaMin', 'sdeSteps', 'executeSteps'] as const satisfies readonly ConfigKey[];

/** What `--json` prints for a recording from the learner (the unsharded run's, and so merge's). */
export interface RecoverySummary {
  from: string;
  every: number;
  base: string;
  learnerSuccessRate: number;
  starts: number;
  recovered: number;
}

export function recoverySummary(run: RecoveryRun, r: RecoveriesResult): RecoverySummary {
  return { from: run.from, every: run.every, base: run.base.file ?? defaultDemos(run.task), learnerSuccessRate: r.learnerSuccessRate, starts: r.starts, recovered: r.recovered };
}

/**
 * The base demonstrations plus the expert's recoveries from the states of the prior in `from` (recordRecoveries); or,
 * on a shard, the part of them from its block of the learner's episodes (recoveryShards.ts).
 */
async function recordFromLearner(from: string, config: Config, flags: Record<string, string>, task: TaskName, episodes: number, seed: number, shard: Shard | null, { log, seconds }: Progress) {
  const every = intFlag(flags, 'every', RECOVER_EVERY, 1, 10_000);
  const base = readDemosFile(flags.base ?? defaultDemos(task), task, 'base');
  const run: RecoveryRun = { task, seed, episodes, every, from, learner: Object.fromEntries(LEARNER_KEYS.map((k) => [k, config[k]])), base: { file: flags.base ?? null, checksum: base.checksum } };
  const block = shard ? shardBlock(shard, episodes) : { first: 0, count: episodes };
  const numEnvs = Math.min(RECOVER_ENVS, block.count);
  const learner = await loadLearnedPolicy('prior', from, config, simTask(task).spec, numEnvs);
  const expert = await createExpertPolicy(1, task);
  try {
    if (shard) log(`shard ${shard.index}/${shard.count}: the learner's episodes ${block.first}–${block.first + block.count - 1} of ${episodes}`);
    const part = await recordRecoveryPart(learner, expert, {
      task,
      episodes: block.count,
      firstEpisode: block.first,
      seed,
      every,
      numEnvs,
      onRecovery: (done, total, recovered) => {
        if (done % 100 === 0 || done === total) log(`${done}/${total} expert runs from the learner's states, ${recovered} recovered (${seconds()} s)`);
      },
    });
    const recovered = part.dataset.manifest.episodes;
    log(`the learner succeeded in ${(100 * part.learnerSuccesses / block.count).toFixed(1)}% of its ${block.count} episodes; the expert recovered from ${recovered} of ${part.maxCoverages.length} of its states`);
    if (shard) return { bytes: encodeRecoveryPart({ shard, run, part }), recovery: null, shard };
    const r = combineRecoveries(base.dataset, [part], task);
    return { bytes: r.bytes, recovery: recoverySummary(run, r), shard: null };
  } finally {
    learner.dispose();
    expert.dispose();
  }
}

/** --shard i/n: only with --recover-from (the learner's episodes are what is split), a block for every shard, no --npz. */
function shardFlag(flags: Record<string, string>, episodes: number): Shard | null {
  if (flags.shard === undefined) return null;
  if (flags['recover-from'] === undefined) throw new UsageError('--shard: only with --recover-from (the learner\'s episodes are split; expert demonstrations are one sequence of attempts)');
  if (flags.npz !== undefined) throw new UsageError('--npz: a shard holds part of the recoveries; give --npz to merge, which writes the whole dataset');
  let shard: Shard;
  try {
    shard = parseShard(flags.shard);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (shard.count > episodes) throw new UsageError(`--shard: ${shard.count} shards for ${episodes} learner episodes (--episodes) would leave a shard without one`);
  return shard;
}

/** The dataset file `bytes` written to --out (and --npz), and the JSON demos and merge print for it. */
export function writeDemos(bytes: Uint8Array, flags: Record<string, string>, log: (msg: string) => void) {
  // Decode what we are about to write: the file on disk is checked by the same reader every consumer uses.
  const dataset = decodeDemos(bytes);
  const out = flags.out;
  writeFlagFile('out', out, bytes);
  const m = dataset.manifest;
  log(`${m.task}: wrote ${m.episodes} episodes, ${m.steps} steps, ${(bytes.length / 1e6).toFixed(2)} MB to ${out}; expert success ${(100 * m.expert.successRate).toFixed(1)}% over ${m.expert.attempts} attempts, mean length ${m.expert.meanLength.toFixed(1)}`);
  let npzBytes: number | null = null;
  if (flags.npz !== undefined) {
    const npz = encodeDemosNpz(dataset);
    writeFlagFile('npz', flags.npz, npz);
    npzBytes = npz.length;
    log(`wrote ${flags.npz} (${(npz.length / 1e6).toFixed(2)} MB)`);
  }
  return { out, bytes: bytes.length, npz: flags.npz ?? null, npzBytes, episodes: m.episodes, steps: m.steps, expert: m.expert };
}

export const demos: Command = {
  name: 'demos',
  summary: 'record successful expert demonstrations (--out FILE: binary + manifest; --npz FILE: NumPy archive)',
  values: ['episodes', 'seed', 'out', 'npz', 'recover-from', 'every', 'base', 'shard'],
  switches: ['json'],
  acceptsConfig: false,
  configKeys: ['task', ...LEARNER_KEYS],
  async run({ config, configFlags, flags, log }) {
    const task = validateTask(config.task);
    const episodes = intFlag(flags, 'episodes', undefined, 1, MAX_EPISODES);
    const seed = intFlag(flags, 'seed', 0, 0, 2 ** 31 - 1);
    if (!flags.out) throw new UsageError('--out is required (the dataset file to write)');
    if (flags.npz === '') throw new UsageError('--npz: needs a file name');
    const from = flags['recover-from'];
    if (from === '') throw new UsageError('--recover-from: needs the folder of a trained prior (DIR/prior)');
    if (from === undefined) {
      const extra = [...(['every', 'base'] as const).filter((f) => flags[f] !== undefined), ...[...configFlags].filter((k) => k !== 'task').map(kebab)].map((f) => `--${f}`);
      if (extra.length) throw new UsageError(`${extra[0]}: only with --recover-from (it shapes the learner's episodes)`);
    }
    const shard = shardFlag(flags, episodes);
    const t0 = performance.now();
    const seconds = () => ((performance.now() - t0) / 1000).toFixed(0);
    const progress = { log, seconds };
    const { bytes, recovery, shard: part } = from === undefined ? { bytes: await recordExpert(task, episodes, seed, progress), recovery: null, shard: null } : await recordFromLearner(from, config, flags, task, episodes, seed, shard, progress);
    const written = writeDemos(bytes, flags, log);
    return part ? { task, seed, ...written, shard: part } : { task, seed, ...written, recovery };
  },
};
