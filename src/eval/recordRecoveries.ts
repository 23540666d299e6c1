// Expert recoveries from the states a learned policy reaches: DAgger (Ross et al., 2011) by expert takeover.
//
// Behaviour cloning compounds its own errors: the prior drifts into states the demonstrations never visit and has
// no example of how to come back from them. DAgger labels the learner's own states with the expert's actions. Here
// each label is a whole expert episode:
//   1. the learner runs `episodes` seeded nominal episodes; every `every` control steps its state is kept;
//   2. from each kept state the expert, planning from scratch, runs to the end of an episode (the task's step budget);
//   3. the expert's successful runs are recorded as demonstrations, after those of the base dataset, in the order of
//      their starts: by learner episode, then by step.
// Training the prior on the result shows it how to recover from where its own mistakes lead; repeating the loop
// with the retrained prior is DAgger's iteration.
//
// Every learner episode depends on its index alone (its seed is episodeSeed(seed, k), the policy's noise is reseeded
// per episode, and a row's numbers do not depend on the other rows of a batch), and every expert run on its start
// alone (a fresh world, the expert reset). So a block of episodes can be recorded on its own (recordRecoveryPart,
// one shard of a sharded run) and the blocks combined (combineRecoveries) into what one run of all of them records.
import { decodeDemos, type DemoDataset, type ExpertStats } from '../sim/dataset';
import { suiteDefault } from '../sim/perturbationSpec';
import type { TaskState } from '../sim/simTask';
import { simTask, type TaskName } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { DemoRecorder } from './recordDemos';
import type { PolicyObservation, RolloutPolicy } from './rolloutPolicy';
import { runEpisodes } from './runEpisodes';

export interface RecordRecoveriesOptions {
  /** Default push-t. */
  task?: TaskName;
  /** Learner episodes (seeded by runEpisodes from `seed`). */
  episodes: number;
  seed: number;
  /** Keep the learner's state every this many control steps (from step 0). */
  every: number;
  /** Learner environments stepped in parallel. */
  numEnvs: number;
  /** Progress: after each expert run, with the counts so far. */
  onRecovery?: (done: number, total: number, recovered: number) => void;
}

export interface RecoveryPartOptions extends RecordRecoveriesOptions {
  /** Index of the part's first learner episode (its `episodes` follow it). */
  firstEpisode: number;
}

/** The expert's recoveries from a block of learner episodes: all of a run's, or one shard's. */
export interface RecoveryPart {
  /** The expert's successful runs, in the order of their starts, as a dataset of their own (no base). */
  dataset: DemoDataset;
  firstEpisode: number;
  learnerEpisodes: number;
  learnerSuccesses: number;
  /** Every expert run's maximum coverage (failed runs too), in the order of their starts: one per start. */
  maxCoverages: number[];
}

export interface RecoveriesResult {
  /** The base episodes followed by the recoveries, as a dataset file. */
  bytes: Uint8Array;
  /** The learner's success rate over its episodes. */
  learnerSuccessRate: number;
  /** States the expert started from, and how many of its runs succeeded (and were recorded). */
  starts: number;
  recovered: number;
}

interface Start {
  seed: number;
  state: TaskState;
}

/**
 * Runs the learner and keeps (episode seed, state) every `every` steps, in episode order, then step order. An env
 * whose episode has ended keeps stepping until the last one ends (runEpisodes): its states belong to no episode of the
 * run, and which env that is depends on the batching, so they are not kept.
 */
async function learnerStarts(learner: RolloutPolicy, opts: RecoveryPartOptions): Promise<{ starts: Start[]; successes: number }> {
  const episodes: { seed: number; starts: Start[] }[] = [];
  /** The episode (index into `episodes`) each env is running, null once it has ended. */
  const running: (number | null)[] = [];
  const keeping: RolloutPolicy = {
    name: learner.name,
    // runEpisodes starts its episodes in index order, so the n-th reset begins the part's n-th episode.
    resetEnv(env, seed) {
      running[env] = episodes.length;
      episodes.push({ seed, starts: [] });
      learner.resetEnv(env, seed);
    },
    act(obs: PolicyObservation) {
      for (let i = 0; i < obs.numEnvs; i++) {
        const episode = running[i];
        if (episode !== null && obs.episodeStep[i] % opts.every === 0) episodes[episode].starts.push({ seed: episodes[episode].seed, state: { ...obs.states[i] } });
      }
      return learner.act(obs);
    },
    observe(tokens, dones, finalTokens) {
      dones.forEach((done, i) => {
        if (done) running[i] = null;
      });
      learner.observe?.(tokens, dones, finalTokens);
    },
    dispose() {},
  };
  const perturbation = suiteDefault(simTask(opts.task ?? 'push-t').suites, 'nominal');
  const results = await runEpisodes(keeping, { task: opts.task, perturbation, episodes: opts.episodes, seed: opts.seed, firstEpisode: opts.firstEpisode, numEnvs: opts.numEnvs });
  return { starts: episodes.flatMap((e) => e.starts), successes: results.filter((r) => r.success).length };
}

/** The learner's episodes [firstEpisode, firstEpisode + episodes) and the expert's runs from their kept states. */
export async function recordRecoveryPart(learner: RolloutPolicy, expert: RolloutPolicy, opts: RecoveryPartOptions): Promise<RecoveryPart> {
  if (!Number.isInteger(opts.every) || opts.every < 1) throw new Error(`every: ${opts.every} is not a positive integer`);
  const task = simTask(opts.task ?? 'push-t');
  const recorder = new DemoRecorder(task);
  const { starts, successes } = await learnerStarts(learner, opts);
  const maxCoverages: number[] = [];
  for (const start of starts) {
    // A fresh world per run, as recordDemos does, so nothing from an earlier run carries over.
    const env = await createVecEnv(task, { numEnvs: 1, seed: opts.seed, perturbation: suiteDefault(task.suites, 'nominal') });
    try {
      env.reseed(0, start.seed);
      env.setState(0, start.state);
      expert.resetEnv(0, start.seed);
      maxCoverages.push((await recorder.record(env, expert, start.seed)).maxCoverage);
    } finally {
      env.free();
    }
    opts.onRecovery?.(maxCoverages.length, starts.length, recorder.episodes);
  }
  const recovered = recorder.episodes;
  const stats: ExpertStats = {
    name: expert.name,
    attempts: starts.length,
    successes: recovered,
    successRate: starts.length ? recovered / starts.length : 0,
    meanLength: recovered ? recorder.steps / recovered : 0,
    meanMaxCoverage: starts.length ? sum(maxCoverages) / starts.length : 0,
  };
  return { dataset: decodeDemos(recorder.encode(opts.seed, stats)), firstEpisode: opts.firstEpisode, learnerEpisodes: opts.episodes, learnerSuccesses: successes, maxCoverages };
}

/** Left to right from 0, so that the parts' values in order sum to the whole run's sum. */
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The base followed by the parts' recoveries, in the parts' order (consecutive blocks of one run's episodes). */
export function combineRecoveries(base: DemoDataset, parts: readonly RecoveryPart[], taskName: TaskName = 'push-t'): RecoveriesResult {
  const recorder = new DemoRecorder(simTask(taskName), base);
  for (const part of parts) recorder.append(part.dataset);
  const maxCoverages = parts.flatMap((p) => p.maxCoverages);
  const starts = maxCoverages.length;
  const recovered = recorder.episodes - base.manifest.episodes;
  const learnerEpisodes = sum(parts.map((p) => p.learnerEpisodes));
  const b = base.manifest.expert;
  // The record covers both sources: the base recording's attempts and the recovery runs.
  const expertStats: ExpertStats = {
    name: `${b.name}+recoveries`,
    attempts: b.attempts + starts,
    successes: b.successes + recovered,
    successRate: (b.successes + recovered) / (b.attempts + starts),
    meanLength: recorder.steps / recorder.episodes,
    meanMaxCoverage: (b.meanMaxCoverage * b.attempts + sum(maxCoverages)) / (b.attempts + starts),
  };
  return { bytes: recorder.encode(base.manifest.seed, expertStats), learnerSuccessRate: sum(parts.map((p) => p.learnerSuccesses)) / learnerEpisodes, starts, recovered };
}

/** `expert` acts for one environment; `base` is the dataset the recoveries are appended to. */
export async function recordRecoveries(learner: RolloutPolicy, expert: RolloutPolicy, base: DemoDataset, opts: RecordRecoveriesOptions): Promise<RecoveriesResult> {
  return combineRecoveries(base, [await recordRecoveryPart(learner, expert, { ...opts, firstEpisode: 0 })], opts.task);
}
