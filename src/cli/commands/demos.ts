// `sagr demos --task push-t|push-3d --episodes N --seed S --out FILE [--npz FILE] [--json]`: records N
// successful expert episodes on the nominal task into the demonstration format of src/sim/dataset.ts (a header, a
// JSON manifest and float arrays, CRC-checked); --npz also writes them as a NumPy .npz (np.load(FILE)).
// `--recover-from DIR [--every K] [--base FILE]`: DAgger by expert takeover (src/eval/recordRecoveries.ts): the prior
// in DIR/prior runs N seeded episodes, the expert runs from its state every K steps (default 20), and the successful
// runs are appended to the base demonstrations (default: the task's shipped ones); train a prior on --out.
// --task is the config key (default push-t); the SDE keys (--sigma-max 0 --sigma-min 0 for the deterministic
// sample, as the reports evaluate) and --execute-steps shape the learner when recovering.
import { createExpertPolicy } from '../../eval/expertPolicy';
import { recordDemos } from '../../eval/recordDemos';
import { recordRecoveries } from '../../eval/recordRecoveries';
import { decodeDemos, encodeDemosNpz } from '../../sim/dataset';
import { simTask, validateTask, type TaskName } from '../../sim/tasks';
import { kebab, type Config } from '../../core/config';
import { UsageError, intFlag, writeFlagFile, type Command } from '../command';
import { loadLearnedPolicy } from '../learnedPolicy';
import { defaultDemos, readDemos } from '../demoFiles';

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

/** The base demonstrations plus the expert's recoveries from the states of the prior in `from` (recordRecoveries). */
async function recordFromLearner(from: string, config: Config, flags: Record<string, string>, task: TaskName, episodes: number, seed: number, { log, seconds }: Progress) {
  const every = intFlag(flags, 'every', RECOVER_EVERY, 1, 10_000);
  const baseFile = flags.base ?? defaultDemos(task);
  const base = readDemos(baseFile, task, 'base');
  const numEnvs = Math.min(RECOVER_ENVS, episodes);
  const learner = await loadLearnedPolicy('prior', from, config, simTask(task).spec, numEnvs);
  const expert = await createExpertPolicy(1, task);
  try {
    const r = await recordRecoveries(learner, expert, base, {
      task,
      episodes,
      seed,
      every,
      numEnvs,
      onRecovery: (done, total, recovered) => {
        if (done % 100 === 0 || done === total) log(`${done}/${total} expert runs from the learner's states, ${recovered} recovered (${seconds()} s)`);
      },
    });
    log(`the learner succeeded in ${(100 * r.learnerSuccessRate).toFixed(1)}% of its ${episodes} episodes; the expert recovered from ${r.recovered} of ${r.starts} of its states`);
    return { bytes: r.bytes, recovery: { from, every, base: baseFile, learnerSuccessRate: r.learnerSuccessRate, starts: r.starts, recovered: r.recovered } };
  } finally {
    learner.dispose();
    expert.dispose();
  }
}

export const demos: Command = {
  name: 'demos',
  summary: 'record successful expert demonstrations (--out FILE: binary + manifest; --npz FILE: NumPy archive)',
  values: ['episodes', 'seed', 'out', 'npz', 'recover-from', 'every', 'base'],
  switches: ['json'],
  acceptsConfig: false,
  configKeys: ['task', 'sigmaSchedule', 'sigmaMax', 'sigmaMin', 'sdeSteps', 'executeSteps'],
  async run({ config, configFlags, flags, log }) {
    const task = validateTask(config.task);
    const episodes = intFlag(flags, 'episodes', undefined, 1, MAX_EPISODES);
    const seed = intFlag(flags, 'seed', 0, 0, 2 ** 31 - 1);
    const out = flags.out;
    if (!out) throw new UsageError('--out is required (the dataset file to write)');
    if (flags.npz === '') throw new UsageError('--npz: needs a file name');
    const from = flags['recover-from'];
    if (from === '') throw new UsageError('--recover-from: needs the folder of a trained prior (DIR/prior)');
    if (from === undefined) {
      const extra = [...(['every', 'base'] as const).filter((f) => flags[f] !== undefined), ...[...configFlags].filter((k) => k !== 'task').map(kebab)].map((f) => `--${f}`);
      if (extra.length) throw new UsageError(`${extra[0]}: only with --recover-from (it shapes the learner's episodes)`);
    }
    const t0 = performance.now();
    const seconds = () => ((performance.now() - t0) / 1000).toFixed(0);
    const progress = { log, seconds };
    const { bytes, recovery } = from === undefined ? { bytes: await recordExpert(task, episodes, seed, progress), recovery: null } : await recordFromLearner(from, config, flags, task, episodes, seed, progress);
    // Decode what we are about to write: the file on disk is checked by the same reader every consumer uses.
    const dataset = decodeDemos(bytes);
    writeFlagFile('out', out, bytes);
    const m = dataset.manifest;
    log(`${task}: wrote ${m.episodes} episodes, ${m.steps} steps, ${(bytes.length / 1e6).toFixed(2)} MB to ${out}; expert success ${(100 * m.expert.successRate).toFixed(1)}% over ${m.expert.attempts} attempts, mean length ${m.expert.meanLength.toFixed(1)}`);
    let npzBytes: number | null = null;
    if (flags.npz !== undefined) {
      const npz = encodeDemosNpz(dataset);
      writeFlagFile('npz', flags.npz, npz);
      npzBytes = npz.length;
      log(`wrote ${flags.npz} (${(npz.length / 1e6).toFixed(2)} MB)`);
    }
    return { task, seed, out, bytes: bytes.length, npz: flags.npz ?? null, npzBytes, episodes: m.episodes, steps: m.steps, expert: m.expert, recovery };
  },
};
