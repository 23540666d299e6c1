// Runs a policy for N seeded episodes of a task on one perturbation with a vectorised env and records each episode.
// Episode k always gets the seed deriveSeed(root, 'eval/episode', k) (the env is reseeded with it and the
// policy told), so every policy, and every number of parallel envs, sees the same episodes.
import { deriveSeed } from '../core/rng';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import { simTask, type TaskName } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { addWorldErrors, zeroWorldErrorSums, type WorldErrorSums } from '../policy/worldError';
import type { EpisodeResult } from './metrics';
import type { PolicyObservation, RolloutPolicy } from './rolloutPolicy';

export interface RunEpisodesOptions {
  /** Default push-t. */
  task?: TaskName;
  /** One of the task's suites (its kinds and keys). */
  perturbation: TaskPerturbation;
  episodes: number;
  /** Root seed: episode seeds derive from it. */
  seed: number;
  /** Index of the first episode (default 0): a shard of a longer run runs episodes firstEpisode, firstEpisode + 1, … */
  firstEpisode?: number;
  /** Environments stepped in parallel (capped at the number of episodes). */
  numEnvs: number;
  /** Control steps before an episode is cut (default: the task's 300). */
  maxSteps?: number;
  /** Progress: called as each episode finishes, with the count finished so far. */
  onEpisode?: (result: EpisodeResult, finished: number) => void;
}

export function episodeSeed(rootSeed: number, index: number): number {
  return deriveSeed(rootSeed, 'eval/episode', index);
}

/** Running sums of one episode in progress. */
interface Slot {
  episode: number;
  steps: number;
  maxCoverage: number;
  deltaZSum: number;
  reflexSum: number;
  reported: number;
  priorCalls: number;
  /** Φ's errors and the no-motion baseline, while the policy predicts. */
  world: WorldErrorSums;
}

/** Returns one result per episode, in episode order. */
export async function runEpisodes(policy: RolloutPolicy, opts: RunEpisodesOptions): Promise<EpisodeResult[]> {
  const { episodes, seed, firstEpisode = 0 } = opts;
  if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`episodes: ${episodes} is not a positive integer`);
  if (!Number.isInteger(firstEpisode) || firstEpisode < 0) throw new Error(`firstEpisode: ${firstEpisode} is not a non-negative integer`);
  if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new Error(`numEnvs: ${opts.numEnvs} is not a positive integer`);
  const B = Math.min(opts.numEnvs, episodes);
  const task = simTask(opts.task ?? 'push-t');
  const env = await createVecEnv(task, { numEnvs: B, seed, perturbation: opts.perturbation, maxSteps: opts.maxSteps });
  try {
    const results: EpisodeResult[] = new Array(episodes);
    const slots: (Slot | null)[] = new Array(B).fill(null);
    let started = 0;
    let finished = 0;
    const start = (i: number) => {
      const s = episodeSeed(seed, firstEpisode + started);
      env.reseed(i, s);
      policy.resetEnv(i, s);
      slots[i] = { episode: started++, steps: 0, maxCoverage: 0, deltaZSum: 0, reflexSum: 0, reported: 0, priorCalls: 0, world: zeroWorldErrorSums() };
    };
    for (let i = 0; i < B; i++) start(i);
    const states = Array.from({ length: B }, () => task.zeroState());
    const obs: PolicyObservation = { numEnvs: B, tokens: env.tokens, episodeStep: env.episodeStep, states };
    const before = new Float32Array(env.tokens.length);
    const size = env.tokens.length / B;

    while (finished < episodes) {
      for (let i = 0; i < B; i++) env.getState(i, states[i]);
      const out = await policy.act(obs);
      if (out.actions.length !== B * env.spec.actionDim) throw new Error(`${policy.name}: returned ${out.actions.length} action values for ${B} envs`);
      if (out.predicted) before.set(env.tokens); // S_t, for Φ's no-motion baseline
      env.step(out.actions);
      policy.observe?.(env.tokens, env.dones, env.finalTokens);
      for (let i = 0; i < B; i++) {
        const slot = slots[i];
        if (slot === null) continue; // an env past the last episode keeps stepping; its results are not wanted
        slot.steps++;
        slot.maxCoverage = Math.max(slot.maxCoverage, env.coverage[i]);
        if (out.deltaZNorm || out.reflexNorm) slot.reported++;
        if (out.deltaZNorm) slot.deltaZSum += out.deltaZNorm[i];
        if (out.reflexNorm) slot.reflexSum += out.reflexNorm[i];
        if (out.replanned) slot.priorCalls += out.replanned[i];
        if (out.predicted) addWorldErrors(env.spec, slot.world, out.predicted, i * size, env.dones[i] ? env.finalTokens : env.tokens, i * size, before, i * size);
        if (!env.dones[i]) continue;
        const success = env.success[i] === 1;
        const result: EpisodeResult = {
          seed: episodeSeed(seed, firstEpisode + slot.episode),
          success,
          steps: slot.steps,
          stepsToSuccess: success ? slot.steps : null,
          finalCoverage: env.coverage[i],
          maxCoverage: slot.maxCoverage,
          meanDeltaZ: out.deltaZNorm ? slot.deltaZSum / slot.reported : null,
          meanReflex: out.reflexNorm ? slot.reflexSum / slot.reported : null,
          priorCalls: out.replanned ? slot.priorCalls : null,
          worldError: out.predicted ? slot.world : null,
        };
        results[slot.episode] = result;
        finished++;
        opts.onEpisode?.(result, finished);
        slots[i] = null;
        if (started < episodes) start(i);
      }
    }
    return results;
  } finally {
    env.free();
  }
}
