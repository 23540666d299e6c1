// B environments of one task stepped together over flat buffers: the rollout interface of the policy stack.
// The task (simTask.ts; Push-T, push-3d) supplies the simulators, tokens, outcome and perturbations.
//
//   step(actions)   actions: B×actionDim target positions in NORMALISED units (world = a·worldScale +
//                   worldOffset), offset by the bias perturbation, then clamped by the task to its action
//                   space (Push-T: the original's [0, 512]²).
//   after step():   rewards, coverage, success, terminated, truncated, dones describe the transition just
//                   taken; tokens holds the next observation, which for a finished env is already the first
//                   observation of its next episode (auto-reset); finalTokens holds the finished episode's
//                   last observation (for bootstrapping truncated episodes), as gym's final_observation.
//                   terminated = success or failure (push-3d's object fallen or tipped over; Push-T never
//                   fails), so success, not terminated, says whether an episode was solved.
//
// Determinism: env i draws its resets from its own stream deriveSeed(seed, '<task>/reset', i) and its
// perturbation randomness from deriveSeed(seed, '<task>/perturb', i), so a (seed, B) pair replays
// bit-for-bit. reseed(i, s) gives an env a fresh pair of streams (e.g. one per evaluation episode,
// so results do not depend on B).
import { deriveSeed, Rng } from '../core/rng';
import type { Perturbation } from './perturbations';
import { suiteDefault, type TaskPerturbation } from './perturbationSpec';
import { initRapier, type PushTEnv, type PushTState } from './pusht/pushTEnv';
import { pushTTask } from './pusht/pushTTask';
import type { SimTask, StepOutcome, TaskEnv } from './simTask';
import { TOKEN_DIM, type TaskSpec } from './taskSpec';
import { denormaliseCoord } from './tokens';

export interface VecEnvOptions<P extends TaskPerturbation = Perturbation> {
  numEnvs: number;
  seed: number;
  /** Applied to every env, from each env's next episode start (default: nominal). */
  perturbation?: P;
  /** Control steps before an episode is cut (default: the task's, 300 for both tasks). */
  maxSteps?: number;
  /**
   * Stage 2's mixture: a fraction of episodes, in (0, 1], that each draw a disturbance from the task's training
   * distribution (task.trainingDisturbance) instead of running `perturbation`. 0 or absent: none.
   */
  trainingDisturbances?: number;
}

const MAX_ENVS = 4096;

export class VecEnv<Sim, State extends object, P extends TaskPerturbation> {
  readonly task: SimTask<Sim, State, P>;
  readonly spec: TaskSpec;
  readonly numEnvs: number;
  readonly maxSteps: number;
  /** The per-env simulators (for rendering and for experts that plan on a copy of the state). */
  readonly envs: Sim[];

  /** B×N×3 observation tokens, normalised. */
  readonly tokens: Float32Array;
  /** B×N×3: last observation of an episode that ended at the latest step (valid where dones[i] = 1). */
  readonly finalTokens: Float32Array;
  readonly rewards: Float32Array;
  /** The task's progress score in [0, 1] after the latest step (Push-T: goal coverage; push-3d: pose score). */
  readonly coverage: Float32Array;
  /** Success after the latest step (Push-T: coverage > 0.95). */
  readonly success: Uint8Array;
  /** Ended by success or failure. */
  readonly terminated: Uint8Array;
  /** Ended by the step limit (and not terminated). */
  readonly truncated: Uint8Array;
  /** terminated or truncated. */
  readonly dones: Uint8Array;
  /** Control steps taken in each env's current episode. */
  readonly episodeStep: Int32Array;

  private perturbation: P;
  /** Each env's current episode's concrete perturbation (episodePerturbation of the configured one, or a training draw). */
  private readonly episodePerturbations: P[];
  private readonly trainingDisturbances: number;
  private readonly taskEnvs: TaskEnv<Sim, State, P>[];
  private readonly resetRngs: Rng[];
  private readonly perturbRngs: Rng[];
  private readonly disturbanceRngs: Rng[];
  private readonly scratchState: State;
  private readonly target: Float64Array;
  private readonly outcome: StepOutcome = { score: 0, reward: 0, success: false, failed: false };

  /** Requires task.init() first (the static create functions do it). */
  constructor(task: SimTask<Sim, State, P>, opts: VecEnvOptions<P>) {
    const { numEnvs, seed } = opts;
    if (!Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > MAX_ENVS) throw new Error(`numEnvs: ${numEnvs} is not an integer in [1, ${MAX_ENVS}]`);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed: ${seed} is not a non-negative integer`);
    const maxSteps = opts.maxSteps ?? task.spec.maxSteps;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`maxSteps: ${maxSteps} is not a positive integer`);
    this.task = task;
    this.spec = task.spec;
    this.numEnvs = numEnvs;
    this.maxSteps = maxSteps;
    this.perturbation = opts.perturbation ?? suiteDefault(task.suites, 'nominal');
    this.trainingDisturbances = opts.trainingDisturbances ?? 0;
    if (!(this.trainingDisturbances >= 0 && this.trainingDisturbances <= 1)) throw new Error(`trainingDisturbances: ${this.trainingDisturbances} is not in [0, 1]`);
    this.episodePerturbations = new Array<P>(numEnvs).fill(this.perturbation);
    const obsSize = numEnvs * this.spec.numTokens * TOKEN_DIM;
    this.tokens = new Float32Array(obsSize);
    this.finalTokens = new Float32Array(obsSize);
    this.rewards = new Float32Array(numEnvs);
    this.coverage = new Float32Array(numEnvs);
    this.success = new Uint8Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.dones = new Uint8Array(numEnvs);
    this.episodeStep = new Int32Array(numEnvs);
    this.scratchState = task.zeroState();
    this.target = new Float64Array(this.spec.actionDim);
    this.taskEnvs = [];
    this.envs = [];
    this.resetRngs = [];
    this.perturbRngs = [];
    this.disturbanceRngs = [];
    for (let i = 0; i < numEnvs; i++) {
      const env = task.createEnv();
      this.taskEnvs.push(env);
      this.envs.push(env.sim);
      this.resetRngs.push(new Rng(deriveSeed(seed, `${this.spec.name}/reset`, i)));
      this.perturbRngs.push(new Rng(deriveSeed(seed, `${this.spec.name}/perturb`, i)));
      this.disturbanceRngs.push(new Rng(deriveSeed(seed, `${this.spec.name}/disturbance`, i)));
    }
    this.reset();
  }

  /** Sets the perturbation; each env uses it from its next episode start (call reset() to apply now). */
  setPerturbation(p: P): void {
    this.perturbation = p;
  }

  getPerturbation(): P {
    return this.perturbation;
  }

  /** Env i's current episode runs `p` from now on (its random parts drawn now): a lasting condition set mid-episode. */
  setEpisodePerturbation(i: number, p: P): void {
    this.checkIndex(i);
    this.episodePerturbations[i] = this.task.episodePerturbation(p, this.perturbRngs[i]);
  }

  /** What env i's current episode runs (random times, directions and training draws resolved). */
  episodePerturbation(i: number): P {
    this.checkIndex(i);
    return this.episodePerturbations[i];
  }

  /** Starts a new episode in every env (each from its own stream); coverage is the start's, other flags 0. */
  reset(): void {
    for (let i = 0; i < this.numEnvs; i++) {
      this.startEpisode(i);
      this.coverage[i] = this.taskEnvs[i].outcome(this.outcome).score;
    }
    this.rewards.fill(0);
    this.success.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.dones.fill(0);
  }

  /** Gives env i fresh streams derived from `seed` alone and starts a new episode there. */
  reseed(i: number, seed: number): void {
    this.checkIndex(i);
    this.resetRngs[i] = new Rng(deriveSeed(seed, `${this.spec.name}/reset`));
    this.perturbRngs[i] = new Rng(deriveSeed(seed, `${this.spec.name}/perturb`));
    this.disturbanceRngs[i] = new Rng(deriveSeed(seed, `${this.spec.name}/disturbance`));
    this.startEpisode(i);
    this.coverage[i] = this.taskEnvs[i].outcome(this.outcome).score;
  }

  /** One control step of every env. `actions`: B×actionDim, normalised. */
  step(actions: Float32Array): void {
    const B = this.numEnvs;
    const D = this.spec.actionDim;
    if (actions.length !== B * D) throw new Error(`actions: length ${actions.length}, expected ${B}×${D}`);
    const obsStride = this.spec.numTokens * TOKEN_DIM;
    const target = this.target;
    for (let i = 0; i < B; i++) {
      const p = this.episodePerturbations[i];
      for (let d = 0; d < D; d++) {
        if (!Number.isFinite(actions[i * D + d])) throw new Error(`actions[${i}]: (${Array.from(actions.subarray(i * D, (i + 1) * D)).join(', ')}) is not finite`);
      }
      const env = this.taskEnvs[i];
      env.beforeControlStep(p, this.episodeStep[i]);
      for (let d = 0; d < D; d++) target[d] = denormaliseCoord(this.spec, d, actions[i * D + d]) + this.task.targetBias(p, d);
      env.act(target);
      const out = env.outcome(this.outcome);
      const steps = ++this.episodeStep[i];
      this.coverage[i] = out.score;
      this.rewards[i] = out.reward;
      this.success[i] = out.success ? 1 : 0;
      this.terminated[i] = out.success || out.failed ? 1 : 0;
      this.truncated[i] = !this.terminated[i] && steps >= this.maxSteps ? 1 : 0;
      const done = this.terminated[i] | this.truncated[i];
      this.dones[i] = done;
      env.writeTokens(this.tokens, i * obsStride);
      if (done) {
        this.finalTokens.set(this.tokens.subarray(i * obsStride, (i + 1) * obsStride), i * obsStride);
        this.startEpisode(i);
      }
    }
  }

  /** The physical state of env i (the task's units). */
  getState(i: number, out: State = this.task.zeroState()): State {
    this.checkIndex(i);
    return this.taskEnvs[i].getState(out);
  }

  /** Puts env i in state `s` (its episode step count is kept) and refreshes its tokens and coverage. */
  setState(i: number, s: State): void {
    this.checkIndex(i);
    const env = this.taskEnvs[i];
    env.setState(s);
    env.writeTokens(this.tokens, i * this.spec.numTokens * TOKEN_DIM);
    this.coverage[i] = env.outcome(this.outcome).score;
  }

  /**
   * Env `to` takes env `from`'s physical state and episode step count: the two then continue from ONE simulator
   * state (GRPO's samples per state, src/train/rwfm.ts). The episode's perturbation is each env's own, so reseed
   * both with the same seed first to make them the same episode.
   */
  copyEnv(from: number, to: number): void {
    this.checkIndex(from);
    this.setState(to, this.getState(from, this.scratchState));
    this.episodeStep[to] = this.episodeStep[from];
  }

  /** Frees every world's WASM memory. */
  free(): void {
    for (const env of this.taskEnvs) env.free();
  }

  /** Starts env i's next episode and writes its first observation (the step's coverage etc. stay). */
  private startEpisode(i: number): void {
    const env = this.taskEnvs[i];
    const drawn = this.trainingDisturbances > 0 ? this.task.trainingDisturbance(this.disturbanceRngs[i], this.trainingDisturbances) : this.perturbation;
    const p = (this.episodePerturbations[i] = this.task.episodePerturbation(drawn, this.perturbRngs[i]));
    env.startEpisode(p, this.resetRngs[i], this.perturbRngs[i], this.scratchState);
    this.episodeStep[i] = 0;
    env.writeTokens(this.tokens, i * this.spec.numTokens * TOKEN_DIM);
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs) throw new Error(`env index: ${i} is not in [0, ${this.numEnvs})`);
  }
}

/** Builds a vectorised env of `task` (loading its physics engine first). */
export async function createVecEnv<Sim, State extends object, P extends TaskPerturbation>(task: SimTask<Sim, State, P>, opts: VecEnvOptions<P>): Promise<VecEnv<Sim, State, P>> {
  await task.init();
  return new VecEnv(task, opts);
}

/** B Push-T environments. */
export class PushTVecEnv extends VecEnv<PushTEnv, PushTState, Perturbation> {
  constructor(opts: VecEnvOptions) {
    super(pushTTask, opts);
  }

  static async create(opts: VecEnvOptions): Promise<PushTVecEnv> {
    await initRapier();
    return new PushTVecEnv(opts);
  }
}
