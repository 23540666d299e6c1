// What the vectorised env, the evaluation runner and the demonstration recorder need from a task, so that
// Push-T and push-3d run through the same code. A task brings its TaskSpec (the contract with the policy
// stack), its physical state (a plain record of numbers, in `stateLayout` order for datasets), its suites,
// one simulator per env behind TaskEnv, and its expert. Registered by name in tasks.ts.
import type { Rng } from '../core/rng';
import type { SuiteTable, TaskPerturbation } from './perturbationSpec';
import type { TaskSpec } from './taskSpec';

/** What one control step did, for the vectorised env's buffers. */
export interface StepOutcome {
  /** Progress in [0, 1], reported where Push-T reports coverage (push-3d: the pose score). */
  score: number;
  /** The task reward r_task. */
  reward: number;
  success: boolean;
  /** Ended in failure (push-3d: fallen off the table or tipped over; Push-T never fails). */
  failed: boolean;
}

/** One simulated env of a task with its per-episode perturbation draws. */
export interface TaskEnv<Sim, State, P extends TaskPerturbation> {
  /** The simulator itself (for rendering, benchmarks, and experts that plan on a copy of its state). */
  readonly sim: Sim;
  /** Draws a start state from `resetRng` (the perturbation's own randomness from `perturbRng`), sets the
   * env's physical constants for `p`, and puts the simulator in that state (scratch: `state`). */
  startEpisode(p: P, resetRng: Rng, perturbRng: Rng, state: State): void;
  /** Acts at the start of control step `step` (0-based within the episode), before that step's action. */
  beforeControlStep(p: P, step: number): void;
  /** One control step towards `target` (world units, actionDim values, bias already added), clamped to the
   * task's action space. */
  act(target: Float64Array): void;
  outcome(out: StepOutcome): StepOutcome;
  /** The observation tokens, normalised, at out[offset…offset + N·3). */
  writeTokens(out: Float32Array, offset: number): void;
  getState(out: State): State;
  setState(s: State): void;
  free(): void;
}

/** A privileged policy in world units, one per env (it may hold a simulator copy). */
export interface TaskExpert<State> {
  reset(): void;
  /** The world target for state `s`, actionDim values into `out`. */
  act(s: State, out: Float64Array): void;
  free(): void;
}

export interface SimTask<Sim, State extends object, P extends TaskPerturbation> {
  readonly spec: TaskSpec;
  /** The state's keys in dataset order (DemoManifest.stateLayout). */
  readonly stateLayout: readonly (keyof State & string)[];
  readonly suites: SuiteTable<P>;
  /** Loads the physics engine (once); every other call needs it done. */
  init(): Promise<void>;
  createEnv(): TaskEnv<Sim, State, P>;
  zeroState(): State;
  /** Offset added to the commanded target on `axis` by `p` (a miscalibrated arm), world units. */
  targetBias(p: P, axis: number): number;
  /** The concrete perturbation of one episode of `p` (random times, directions and sizes drawn from `rng`). */
  episodePerturbation(p: P, rng: Rng): P;
  /** Stage 2's training distribution: a disturbance with probability `disturbed`, else nominal. */
  trainingDisturbance(rng: Rng, disturbed: number): P;
  createExpert(): TaskExpert<State>;
}

/** Any registered task, as generic code sees it: states as records of numbers. */
export type AnySimTask = SimTask<unknown, TaskState, TaskPerturbation>;
export type TaskState = Record<string, number>;

/** A state as its layout's values (a dataset row). */
export function stateRow(task: AnySimTask, s: TaskState, out: Float64Array = new Float64Array(task.stateLayout.length), offset = 0): Float64Array {
  task.stateLayout.forEach((k, i) => (out[offset + i] = s[k]));
  return out;
}

/** A dataset row back into a state. */
export function rowState(task: AnySimTask, row: ArrayLike<number>, offset: number, out: TaskState): TaskState {
  task.stateLayout.forEach((k, i) => (out[k] = row[offset + i]));
  return out;
}
