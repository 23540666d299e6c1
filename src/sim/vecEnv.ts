// B Push-T environments stepped together over flat buffers: the rollout interface of the policy stack.
//
//   step(actions)   actions: B×2 target positions in NORMALISED units (pixel = a·256 + 256), clamped to the
//                   workspace [0, 512]² after the bias perturbation (the original's action space).
//   after step():   rewards, coverage, success, terminated, truncated, dones describe the transition just
//                   taken; tokens holds the next observation, which for a finished env is already the first
//                   observation of its next episode (auto-reset); finalTokens holds the finished episode's
//                   last observation (for bootstrapping truncated episodes), as gym's final_observation.
//
// Determinism: env i draws its resets from its own stream deriveSeed(seed, 'push-t/reset', i) and its
// perturbation randomness from deriveSeed(seed, 'push-t/perturb', i), so a (seed, B) pair replays
// bit-for-bit. reseed(i, s) gives an env a fresh pair of streams (e.g. one per evaluation episode,
// so results do not depend on B).
import { deriveSeed, Rng } from '../core/rng';
import { coverage } from './coverage';
import { GOAL_POSE, MAX_STEPS, SUCCESS_COVERAGE, clampToWorkspace, pushTReward } from './pusht/geometry';
import { PushTEnv, initRapier, zeroState, type PushTState } from './pusht/pushTEnv';
import { pushTSpec } from './pusht/pushTSpec';
import { SUITES, beforeControlStep, startEpisode, targetBiasX, targetBiasY, type Perturbation, type PerturbationEpisode } from './perturbations';
import { TOKEN_DIM } from './taskSpec';
import { denormaliseCoord, writePushTTokens } from './tokens';

export interface VecEnvOptions {
  numEnvs: number;
  seed: number;
  /** Applied to every env, from each env's next episode start (default: nominal). */
  perturbation?: Perturbation;
  /** Control steps before an episode is cut (default 300, the original's). */
  maxSteps?: number;
}

const MAX_ENVS = 4096;

export class PushTVecEnv {
  readonly spec = pushTSpec;
  readonly numEnvs: number;
  readonly maxSteps: number;
  /** The per-env simulators (for rendering and for experts that plan on a copy of the state). */
  readonly envs: PushTEnv[];

  /** B×N×3 observation tokens, normalised. */
  readonly tokens: Float32Array;
  /** B×N×3: last observation of an episode that ended at the latest step (valid where dones[i] = 1). */
  readonly finalTokens: Float32Array;
  readonly rewards: Float32Array;
  readonly coverage: Float32Array;
  /** coverage > 0.95 after the latest step. */
  readonly success: Uint8Array;
  /** Ended by success. */
  readonly terminated: Uint8Array;
  /** Ended by the step limit (and not by success). */
  readonly truncated: Uint8Array;
  /** terminated or truncated. */
  readonly dones: Uint8Array;
  /** Control steps taken in each env's current episode. */
  readonly episodeStep: Int32Array;

  private perturbation: Perturbation;
  private readonly resetRngs: Rng[];
  private readonly perturbRngs: Rng[];
  private readonly episodes: PerturbationEpisode[];
  private readonly scratchState: PushTState = zeroState();

  private constructor(opts: VecEnvOptions) {
    const { numEnvs, seed } = opts;
    if (!Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > MAX_ENVS) throw new Error(`numEnvs: ${numEnvs} is not an integer in [1, ${MAX_ENVS}]`);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed: ${seed} is not a non-negative integer`);
    const maxSteps = opts.maxSteps ?? MAX_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`maxSteps: ${maxSteps} is not a positive integer`);
    this.numEnvs = numEnvs;
    this.maxSteps = maxSteps;
    this.perturbation = opts.perturbation ?? SUITES.nominal;
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
    this.envs = [];
    this.resetRngs = [];
    this.perturbRngs = [];
    this.episodes = [];
    for (let i = 0; i < numEnvs; i++) {
      this.envs.push(new PushTEnv());
      this.resetRngs.push(new Rng(deriveSeed(seed, 'push-t/reset', i)));
      this.perturbRngs.push(new Rng(deriveSeed(seed, 'push-t/perturb', i)));
      this.episodes.push({ kickAngle: 0 });
    }
    this.reset();
  }

  static async create(opts: VecEnvOptions): Promise<PushTVecEnv> {
    await initRapier();
    return new PushTVecEnv(opts);
  }

  /** Sets the perturbation; each env uses it from its next episode start (call reset() to apply now). */
  setPerturbation(p: Perturbation): void {
    this.perturbation = p;
  }

  getPerturbation(): Perturbation {
    return this.perturbation;
  }

  /** Starts a new episode in every env (each from its own stream); coverage is the start's, other flags 0. */
  reset(): void {
    for (let i = 0; i < this.numEnvs; i++) {
      this.startEpisode(i);
      this.coverage[i] = coverage(this.envs[i].block, GOAL_POSE);
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
    this.resetRngs[i] = new Rng(deriveSeed(seed, 'push-t/reset'));
    this.perturbRngs[i] = new Rng(deriveSeed(seed, 'push-t/perturb'));
    this.startEpisode(i);
    this.coverage[i] = coverage(this.envs[i].block, GOAL_POSE);
  }

  /** One control step of every env. `actions`: B×2, normalised. */
  step(actions: Float32Array): void {
    const B = this.numEnvs;
    if (actions.length !== B * this.spec.actionDim) throw new Error(`actions: length ${actions.length}, expected ${B}×${this.spec.actionDim}`);
    const p = this.perturbation;
    const biasX = targetBiasX(p);
    const biasY = targetBiasY(p);
    const obsStride = this.spec.numTokens * TOKEN_DIM;
    for (let i = 0; i < B; i++) {
      const ax = actions[2 * i];
      const ay = actions[2 * i + 1];
      if (!Number.isFinite(ax) || !Number.isFinite(ay)) throw new Error(`actions[${i}]: (${ax}, ${ay}) is not finite`);
      const env = this.envs[i];
      beforeControlStep(env, p, this.episodeStep[i], this.episodes[i]);
      const tx = clampToWorkspace(denormaliseCoord(this.spec, 0, ax) + biasX);
      const ty = clampToWorkspace(denormaliseCoord(this.spec, 1, ay) + biasY);
      env.step(tx, ty);
      const cov = coverage(env.block, GOAL_POSE);
      const steps = ++this.episodeStep[i];
      this.coverage[i] = cov;
      this.rewards[i] = pushTReward(cov);
      const succeeded = cov > SUCCESS_COVERAGE;
      this.success[i] = succeeded ? 1 : 0;
      this.terminated[i] = succeeded ? 1 : 0;
      this.truncated[i] = !succeeded && steps >= this.maxSteps ? 1 : 0;
      const done = this.terminated[i] | this.truncated[i];
      this.dones[i] = done;
      this.writeTokens(i);
      if (done) {
        this.finalTokens.set(this.tokens.subarray(i * obsStride, (i + 1) * obsStride), i * obsStride);
        this.startEpisode(i);
      }
    }
  }

  /** The physical state of env i (pixels). */
  getState(i: number, out: PushTState = zeroState()): PushTState {
    this.checkIndex(i);
    return this.envs[i].getState(out);
  }

  /** Puts env i in state `s` (its episode step count is kept) and refreshes its tokens and coverage. */
  setState(i: number, s: PushTState): void {
    this.checkIndex(i);
    const env = this.envs[i];
    env.setState(s);
    this.writeTokens(i);
    this.coverage[i] = coverage(env.block, GOAL_POSE);
  }

  /** Frees every world's WASM memory. */
  free(): void {
    for (const env of this.envs) env.free();
  }

  /** Starts env i's next episode and writes its first observation (the step's coverage etc. stay). */
  private startEpisode(i: number): void {
    startEpisode(this.envs[i], this.perturbation, this.resetRngs[i], this.perturbRngs[i], this.scratchState, this.episodes[i]);
    this.episodeStep[i] = 0;
    this.writeTokens(i);
  }

  private writeTokens(i: number): void {
    const env = this.envs[i];
    writePushTTokens(this.spec, env.block, env.agentX, env.agentY, this.tokens, i * this.spec.numTokens * TOKEN_DIM);
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs) throw new Error(`env index: ${i} is not in [0, ${this.numEnvs})`);
  }
}
