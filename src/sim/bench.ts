// Simulator speed: control steps per second of the Push-T env (one env; B = 64 vectorised) and of raw
// Rapier stepping of the same worlds, to show how much the wrapper (PD law, tokens, coverage, rewards,
// episode bookkeeping) costs on top of the physics.
//
// Workload: a pusher that circles 40 px around the block's centre of gravity (in contact almost all the
// time, so the contact solver works every substep). The raw figure replays the agent paths recorded
// from the very same episodes: per substep it only moves the kinematic agent, zeroes the block's
// velocity and steps the world (PushTEnv.advancePhysics), with no PD, tokens or coverage. (The wrapper
// figures also include the benchmark pusher's own few trigonometric calls per step.)
import { BLOCK_COG, SUBSTEPS_PER_ACTION, clampToWorkspace } from './pusht/geometry';
import { initRapier, type PushTEnv, type PushTState } from './pusht/pushTEnv';
import { actionsToNormalised, actionsToWorld } from './tokens';
import { PushTVecEnv } from './vecEnv';

export interface SimBenchResult {
  /** One env (PushTVecEnv with B = 1), full wrapper, control steps/s. */
  singleEnvStepsPerSec: number;
  /** B = 64 vectorised env, total control steps/s over all envs. */
  vecEnvStepsPerSec: number;
  /** The same 64 worlds, replayed agent paths, Rapier work only, control steps/s (the physics limit). */
  rawStepsPerSec: number;
  /** Wrapper time over raw physics time, minus 1 (0.25 = the wrapper costs 25% on top of Rapier). */
  wrapperOverhead: number;
  numEnvs: number;
  stepsPerEnv: number;
  substepsPerStep: number;
}

const BENCH_ENVS = 64;
const BENCH_STEPS = 300;
const SINGLE_ENV_STEPS = 1500;
const ROUNDS = 3;
/** Steps of the B = 64 env before any timing, so that V8 and the WASM tier-up compiler have settled. */
const WARMUP_STEPS = 100;
const CIRCLE_RADIUS_PX = 40;
const CIRCLE_RATE = 0.05; // radians per control step

/** The benchmark pusher: target on a circle around the block's centre of gravity, in pixels. */
function circlingTarget(env: PushTEnv, step: number, out: Float32Array, offset: number): void {
  const c = Math.cos(env.block.angle);
  const s = Math.sin(env.block.angle);
  const cogX = env.block.x + c * BLOCK_COG[0] - s * BLOCK_COG[1];
  const cogY = env.block.y + s * BLOCK_COG[0] + c * BLOCK_COG[1];
  out[offset] = cogX + CIRCLE_RADIUS_PX * Math.cos(CIRCLE_RATE * step);
  out[offset + 1] = cogY + CIRCLE_RADIUS_PX * Math.sin(CIRCLE_RATE * step);
}

/** Runs `steps` control steps of `vec` under the circling pusher; returns seconds. */
function runVec(vec: PushTVecEnv, steps: number, actions: Float32Array): number {
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < vec.numEnvs; i++) circlingTarget(vec.envs[i], vec.episodeStep[i], actions, 2 * i);
    actionsToNormalised(vec.spec, actions, actions);
    vec.step(actions);
  }
  return (performance.now() - t0) / 1000;
}

/** Records the agent's substep path from `starts` (untimed), with targets made exactly as runVec makes them. */
function recordPaths(vec: PushTVecEnv, starts: PushTState[], steps: number): Float64Array {
  const B = vec.numEnvs;
  const path = new Float64Array(B * steps * SUBSTEPS_PER_ACTION * 2);
  const target = new Float32Array(2);
  for (let i = 0; i < B; i++) {
    const env = vec.envs[i];
    env.setState(starts[i]);
    for (let t = 0; t < steps; t++) {
      circlingTarget(env, t, target, 0);
      actionsToWorld(vec.spec, actionsToNormalised(vec.spec, target, target), target);
      const tx = clampToWorkspace(target[0]);
      const ty = clampToWorkspace(target[1]);
      for (let k = 0; k < SUBSTEPS_PER_ACTION; k++) {
        env.substep(tx, ty);
        const o = 2 * ((t * B + i) * SUBSTEPS_PER_ACTION + k);
        path[o] = env.agentX;
        path[o + 1] = env.agentY;
      }
      env.readBlockPose();
    }
  }
  return path;
}

/** Raw physics: replays the paths from `starts`, step-major like the vectorised env; returns seconds. */
function replayPaths(vec: PushTVecEnv, starts: PushTState[], path: Float64Array, steps: number): number {
  const B = vec.numEnvs;
  for (let i = 0; i < B; i++) vec.envs[i].setState(starts[i]);
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < B; i++) {
      const env = vec.envs[i];
      for (let k = 0; k < SUBSTEPS_PER_ACTION; k++) {
        const o = 2 * ((t * B + i) * SUBSTEPS_PER_ACTION + k);
        env.agentX = path[o];
        env.agentY = path[o + 1];
        env.advancePhysics();
      }
    }
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Measures each figure ROUNDS times, interleaved, and keeps the fastest (the least disturbed by other
 * processes on a shared machine). Each round of the vectorised env replays the same episodes (env i is
 * reseeded with i), one full episode per env; a success would auto-reset an env early, which keeps the
 * workload comparable.
 */
export async function benchSim(): Promise<SimBenchResult> {
  await initRapier();
  const B = BENCH_ENVS;
  const vec = await PushTVecEnv.create({ numEnvs: B, seed: 0, maxSteps: BENCH_STEPS });
  const single = await PushTVecEnv.create({ numEnvs: 1, seed: 0 });
  const actions = new Float32Array(2 * B);
  const action1 = new Float32Array(2);
  runVec(vec, WARMUP_STEPS, actions);

  const startEpisodes = () => {
    for (let i = 0; i < B; i++) vec.reseed(i, i);
  };
  startEpisodes();
  const starts: PushTState[] = [];
  for (let i = 0; i < B; i++) starts.push(vec.getState(i));
  const path = recordPaths(vec, starts, BENCH_STEPS);

  let singleSec = Infinity;
  let vecSec = Infinity;
  let rawSec = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    single.reseed(0, 0);
    singleSec = Math.min(singleSec, runVec(single, SINGLE_ENV_STEPS, action1));
    startEpisodes();
    vecSec = Math.min(vecSec, runVec(vec, BENCH_STEPS, actions));
    rawSec = Math.min(rawSec, replayPaths(vec, starts, path, BENCH_STEPS));
  }
  single.free();
  vec.free();

  const total = B * BENCH_STEPS;
  return {
    singleEnvStepsPerSec: SINGLE_ENV_STEPS / singleSec,
    vecEnvStepsPerSec: total / vecSec,
    rawStepsPerSec: total / rawSec,
    wrapperOverhead: vecSec / rawSec - 1,
    numEnvs: B,
    stepsPerEnv: BENCH_STEPS,
    substepsPerStep: SUBSTEPS_PER_ACTION,
  };
}
