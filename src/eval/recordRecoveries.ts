// Expert recoveries from the states a learned policy reaches: DAgger (Ross et al., 2011) by expert takeover.
//
// Behaviour cloning compounds its own errors: the prior drifts into states the demonstrations never visit and has
// no example of how to come back from them. DAgger labels the learner's own states with the expert's actions. Here
// each label is a whole expert episode:
//   1. the learner runs `episodes` seeded nominal episodes; every `every` control steps its state is kept;
//   2. from each kept state the expert, planning from scratch, runs to the end of an episode (the task's step budget);
//   3. the expert's successful runs are recorded as demonstrations, after those of the base dataset.
// Training the prior on the result shows it how to recover from where its own mistakes lead; repeating the loop
// with the retrained prior is DAgger's iteration.
import type { ExpertStats, DemoDataset } from '../sim/dataset';
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

/** Runs the learner and keeps (episode seed, state) every `every` steps. */
async function learnerStarts(learner: RolloutPolicy, opts: RecordRecoveriesOptions): Promise<{ starts: Start[]; successRate: number }> {
  const starts: Start[] = [];
  const episodeSeeds: number[] = [];
  const keeping: RolloutPolicy = {
    name: learner.name,
    resetEnv(env, seed) {
      episodeSeeds[env] = seed;
      learner.resetEnv(env, seed);
    },
    act(obs: PolicyObservation) {
      for (let i = 0; i < obs.numEnvs; i++) if (obs.episodeStep[i] % opts.every === 0) starts.push({ seed: episodeSeeds[i], state: { ...obs.states[i] } });
      return learner.act(obs);
    },
    dispose() {},
  };
  const results = await runEpisodes(keeping, { task: opts.task, perturbation: suiteDefault(simTask(opts.task ?? 'push-t').suites, 'nominal'), episodes: opts.episodes, seed: opts.seed, numEnvs: opts.numEnvs });
  return { starts, successRate: results.filter((r) => r.success).length / results.length };
}

/** `expert` acts for one environment; `base` is the dataset the recoveries are appended to. */
export async function recordRecoveries(learner: RolloutPolicy, expert: RolloutPolicy, base: DemoDataset, opts: RecordRecoveriesOptions): Promise<RecoveriesResult> {
  if (!Number.isInteger(opts.every) || opts.every < 1) throw new Error(`every: ${opts.every} is not a positive integer`);
  const task = simTask(opts.task ?? 'push-t');
  const recorder = new DemoRecorder(task, base);
  const { starts, successRate } = await learnerStarts(learner, opts);
  const recoveredSoFar = () => recorder.episodes - base.manifest.episodes;
  let maxCoverageSum = 0;
  for (const [k, start] of starts.entries()) {
    // A fresh world per run, as recordDemos does, so nothing from an earlier run carries over.
    const env = await createVecEnv(task, { numEnvs: 1, seed: opts.seed, perturbation: suiteDefault(task.suites, 'nominal') });
    try {
      env.reseed(0, start.seed);
      env.setState(0, start.state);
      expert.resetEnv(0, start.seed);
      maxCoverageSum += (await recorder.record(env, expert, start.seed)).maxCoverage;
    } finally {
      env.free();
    }
    opts.onRecovery?.(k + 1, starts.length, recoveredSoFar());
  }
  const b = base.manifest.expert;
  const recovered = recoveredSoFar();
  // The record covers both sources: the base recording's attempts and the recovery runs.
  const expertStats: ExpertStats = {
    name: `${b.name}+recoveries`,
    attempts: b.attempts + starts.length,
    successes: b.successes + recovered,
    successRate: (b.successes + recovered) / (b.attempts + starts.length),
    meanLength: recorder.steps / recorder.episodes,
    meanMaxCoverage: (b.meanMaxCoverage * b.attempts + maxCoverageSum) / (b.attempts + starts.length),
  };
  return { bytes: recorder.encode(base.manifest.seed, expertStats), learnerSuccessRate: successRate, starts: starts.length, recovered };
}
