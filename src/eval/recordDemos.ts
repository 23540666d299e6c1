// Records successful episodes of a policy (the expert) as a demonstration dataset (src/sim/dataset.ts).
// Attempt k uses the seed deriveSeed(root, 'demos/episode', k); failed attempts are dropped and counted.
// Actions are stored exactly as the env consumed them (float32, normalised), and the state before every
// action is stored in float64. Each attempt runs in a freshly built world, as a replay does, so nothing
// carried over from an earlier episode (contact pairs, solver warm starts) can make them differ:
// setState(first state) + the stored actions in a new env replay an episode bit for bit.
import { deriveSeed } from '../core/rng';
import { encodeDemos, type DemoDataset, type DemoMeta, type ExpertStats } from '../sim/dataset';
import { suiteDefault, type TaskPerturbation } from '../sim/perturbationSpec';
import { stateRow, type AnySimTask, type TaskState } from '../sim/simTask';
import { TOKEN_DIM } from '../sim/taskSpec';
import { simTask, type TaskName } from '../sim/tasks';
import { createVecEnv, type VecEnv } from '../sim/vecEnv';
import type { RolloutPolicy } from './rolloutPolicy';

export interface RecordDemosOptions {
  /** Default push-t. */
  task?: TaskName;
  episodes: number;
  seed: number;
  /** Give up after this many attempts (default 4 × episodes). */
  maxAttempts?: number;
  /** Progress: after each attempt. */
  onAttempt?: (attempt: number, recorded: number, success: boolean, steps: number) => void;
}

export function demoAttemptSeed(rootSeed: number, attempt: number): number {
  return deriveSeed(rootSeed, 'demos/episode', attempt);
}

/** Growable float buffer (episodes have unknown lengths until they end). */
class Floats<T extends Float32Array | Float64Array> {
  length = 0;
  constructor(private data: T) {}
  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(Math.max(2 * this.data.length, this.length + values.length));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }
  truncate(length: number): void {
    this.length = length;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const AXES = ['x', 'y', 'z'];

/** Rounds of set-then-read before giving up on a fixed point (one or two suffice in practice). */
const MAX_SETTLE_ROUNDS = 8;

/**
 * Rapier stores rotations as f32 unit complex numbers or quaternions (renormalised when set), so a pose
 * read back and set again can land one ulp away. Moving the start state to a fixed point of
 * setState∘getState makes the stored first state reproduce the episode's start exactly (the change is
 * below 1e-6 in every unit).
 */
function settleStartState(task: AnySimTask, env: VecEnv<unknown, TaskState, TaskPerturbation>): void {
  const a = task.zeroState();
  const b = task.zeroState();
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    env.getState(0, a);
    env.setState(0, a);
    env.getState(0, b);
    if (task.stateLayout.every((k) => a[k] === b[k])) return;
  }
}

/**
 * The arrays of a dataset being recorded, one episode at a time; an episode that fails is dropped. It may start
 * from an existing dataset of the same task, whose episodes then come first, and take in whole datasets (append).
 */
export class DemoRecorder {
  private readonly tokens = new Floats(new Float32Array(1 << 16));
  private readonly states = new Floats(new Float64Array(1 << 14));
  private readonly actions = new Floats(new Float32Array(1 << 12));
  private readonly rewards = new Floats(new Float32Array(1 << 12));
  private readonly coverage = new Floats(new Float32Array(1 << 12));
  private readonly episodeSeeds: number[] = [];
  private readonly episodeLengths: number[] = [];
  private readonly state: TaskState;
  private readonly row: Float64Array;

  constructor(
    private readonly task: AnySimTask,
    base?: DemoDataset,
  ) {
    this.state = task.zeroState();
    this.row = new Float64Array(task.stateLayout.length);
    if (base !== undefined) this.append(base);
  }

  /** Appends the episodes of a dataset of the same task (they come after those kept so far). */
  append(ds: DemoDataset): void {
    const m = ds.manifest;
    const task = this.task;
    const same = m.task === task.spec.name && m.numTokens === task.spec.numTokens && m.actionDim === task.spec.actionDim && m.stateLayout.join() === task.stateLayout.join();
    if (!same) throw new Error(`demos: the dataset holds ${m.task} demonstrations (${m.numTokens} tokens, state ${m.stateLayout.join(',')}), not ${task.spec.name}'s`);
    this.tokens.push(ds.tokens);
    this.states.push(ds.states);
    this.actions.push(ds.actions);
    this.rewards.push(ds.rewards);
    this.coverage.push(ds.coverage);
    this.episodeSeeds.push(...m.episodeSeeds);
    this.episodeLengths.push(...m.episodeLengths);
  }

  get episodes(): number {
    return this.episodeLengths.length;
  }

  /** Control steps of the episodes kept so far. */
  get steps(): number {
    return this.episodeLengths.reduce((a, b) => a + b, 0);
  }

  /** Runs `policy` in env 0 of `env`, which stands at the episode's start, to the episode's end; keeps it if it succeeded. */
  async record(env: VecEnv<unknown, TaskState, TaskPerturbation>, policy: RolloutPolicy, seed: number): Promise<{ success: boolean; steps: number; maxCoverage: number }> {
    const obsWidth = this.task.spec.numTokens * TOKEN_DIM;
    const buffers = [this.tokens, this.states, this.actions, this.rewards, this.coverage];
    const marks = buffers.map((b) => b.length);
    const obs = { numEnvs: 1, tokens: env.tokens, episodeStep: env.episodeStep, states: [this.state] };
    let steps = 0;
    let maxCoverage = 0;
    for (;;) {
      this.tokens.push(env.tokens);
      this.states.push(stateRow(this.task, env.getState(0, this.state), this.row));
      const { actions: a } = await policy.act(obs);
      this.actions.push(a);
      env.step(a);
      steps++;
      this.rewards.push(env.rewards);
      this.coverage.push(env.coverage);
      maxCoverage = Math.max(maxCoverage, env.coverage[0]);
      if (env.dones[0]) break;
    }
    this.tokens.push(env.finalTokens.subarray(0, obsWidth));
    const success = env.success[0] === 1;
    if (success) {
      this.episodeSeeds.push(seed);
      this.episodeLengths.push(steps);
    } else {
      buffers.forEach((b, k) => b.truncate(marks[k]));
    }
    return { success, steps, maxCoverage };
  }

  /** The dataset file of every episode kept so far; `part` marks a shard's part (DemoManifest.part). */
  encode(seed: number, expert: ExpertStats, part?: unknown): Uint8Array {
    const spec = this.task.spec;
    const meta: DemoMeta = {
      task: spec.name,
      seed,
      episodes: this.episodes,
      numTokens: spec.numTokens,
      tokenDim: TOKEN_DIM,
      actionDim: spec.actionDim,
      stateLayout: this.task.stateLayout,
      episodeSeeds: this.episodeSeeds,
      episodeLengths: this.episodeLengths,
      normalisation: { worldScale: spec.worldScale, worldOffset: spec.worldOffset, rule: `world = normalised · worldScale + worldOffset (tokens x, y, z; actions ${AXES.slice(0, spec.actionDim).join(', ')})` },
      expert,
      part,
    };
    return encodeDemos(meta, { tokens: this.tokens.view(), states: this.states.view(), actions: this.actions.view(), rewards: this.rewards.view(), coverage: this.coverage.view() });
  }
}

/** Runs the policy on the nominal task until `episodes` successes; returns the encoded dataset file. */
export async function recordDemos(policy: RolloutPolicy, opts: RecordDemosOptions): Promise<{ bytes: Uint8Array; attempts: number }> {
  const { episodes, seed } = opts;
  if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`episodes: ${episodes} is not a positive integer`);
  const maxAttempts = opts.maxAttempts ?? 4 * episodes;
  const task = simTask(opts.task ?? 'push-t');
  const recorder = new DemoRecorder(task);
  let maxCoverageSum = 0;
  let attempts = 0;
  while (recorder.episodes < episodes) {
    if (attempts >= maxAttempts) throw new Error(`demos: only ${recorder.episodes} of ${episodes} episodes succeeded in ${attempts} attempts`);
    const s = demoAttemptSeed(seed, attempts++);
    const env = await createVecEnv(task, { numEnvs: 1, seed, perturbation: suiteDefault(task.suites, 'nominal') });
    try {
      env.reseed(0, s);
      settleStartState(task, env);
      policy.resetEnv(0, s);
      const r = await recorder.record(env, policy, s);
      maxCoverageSum += r.maxCoverage;
      opts.onAttempt?.(attempts, recorder.episodes, r.success, r.steps);
    } finally {
      env.free();
    }
  }
  const bytes = recorder.encode(seed, {
    name: policy.name,
    attempts,
    successes: episodes,
    successRate: episodes / attempts,
    meanLength: recorder.steps / episodes,
    meanMaxCoverage: maxCoverageSum / attempts,
  });
  return { bytes, attempts };
}
