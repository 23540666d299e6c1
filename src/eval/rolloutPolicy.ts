// What a policy offers to the evaluation runner (and to the demonstration recorder): actions for B
// environments at once. The expert implements it now; the learned policies (prior, reflex, strategy,
// SA-GR) implement it in the policy stack, where act() is async because tfjs reads back asynchronously.
import type { TaskState } from '../sim/simTask';

export interface PolicyObservation {
  numEnvs: number;
  /** B×N×3 observation tokens, normalised (the TaskSpec's layout). */
  tokens: Float32Array;
  /** Control steps taken so far in each env's episode. */
  episodeStep: Int32Array;
  /** Privileged simulator state of each env (the task's state, its units): for experts only; learned policies must not read it. */
  states: readonly TaskState[];
}

export interface PolicyOutput {
  /** B×actionDim actions, normalised (Push-T: target position, pixel = a·256 + 256). */
  actions: Float32Array;
  /** Per env, ‖Δz_t‖ this step (Frobenius norm over the N×3 residual), when the policy has a world predictor. */
  deltaZNorm?: Float32Array;
  /** B×N×3: Φ's prediction Ŝ_{t+1} of the observation this step's actions lead to, when the policy has a world predictor. */
  predicted?: Float32Array;
  /** Per env, ‖b_t‖ of the reflex correction this step, when the policy has a reflex. */
  reflexNorm?: Float32Array;
  /** Per env, 1 where the policy sampled a new chunk from its prior this step (a prior call), when it has a prior. */
  replanned?: Uint8Array;
}

export interface RolloutPolicy {
  readonly name: string;
  /** Env `env` starts a new episode with this seed: clear its memory (action chunk, last prediction) and reseed its noise. */
  resetEnv(env: number, episodeSeed: number): void;
  act(obs: PolicyObservation): PolicyOutput | Promise<PolicyOutput>;
  /**
   * After the env step: the next observation (B×N×3); for envs flagged in `dones` it already starts the next
   * episode and `finalTokens` holds the finished one's last (resetEnv follows for those). Policies with a world
   * predictor form Δz here.
   */
  observe?(tokens: Float32Array, dones: Uint8Array, finalTokens: Float32Array): void;
  /** Frees what the policy holds (simulator copies, tensors). */
  dispose(): void;
}
