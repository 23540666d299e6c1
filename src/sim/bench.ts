// Simulator speed, per task: control steps per second of the task's env (one env; B = 64 vectorised) and
// of raw physics stepping of the same worlds, to show how much the wrapper (PD law, tokens, score, rewards,
// episode bookkeeping) costs on top of the physics.
//
// Workload: a pusher that circles around the object's centre of mass, in contact much of the time, so the
// contact solver works (Push-T: 40 px about the centre of gravity, in contact almost always; push-3d: 8 cm
// at 3 cm height, brushing the pillar's ends; a tighter circle knocks it over every few steps). The raw
// figure replays the pusher paths recorded from a run of the very same episodes (restarting episodes where
// they ended): per substep it only moves the kinematic pusher and steps the world (Push-T also zeroes its
// quasi-static block's velocity), with no PD, tokens or score. (The wrapper figures also include the
// benchmark pusher's own few trigonometric calls per step.)
//
// The replay must meet the very contacts the wrapper run did, or the two figures time different physics: it
// restarts an episode as the env does, and push-3d's episode start rebuilds the world (clearHistory), which
// the replay therefore does too (both figures include it). Replayed without it, push-3d's worlds kept the last
// episode's contact cache, most of them left the recorded trajectory within a step, and the raw figure timed
// other (on the whole cheaper) contacts: a 25–36% "overhead", against ~3% of actual wrapper work.
import { comWorld } from './push3d/pose3';
import { SUBSTEPS_PER_ACTION as SUBSTEPS_3D } from './push3d/geometry';
import type { Push3DEnv } from './push3d/push3dEnv';
import { push3dTask } from './push3d/push3dTask';
import { BLOCK_COG, SUBSTEPS_PER_ACTION } from './pusht/geometry';
import type { PushTEnv } from './pusht/pushTEnv';
import { pushTTask } from './pusht/pushTTask';
import type { TaskPerturbation } from './perturbationSpec';
import type { SimTask } from './simTask';
import { actionsToNormalised } from './tokens';
import { createVecEnv, type VecEnv } from './vecEnv';

export interface SimBenchResult {
  task: string;
  /** One env (a vectorised env with B = 1), full wrapper, control steps/s. */
  singleEnvStepsPerSec: number;
  /** B = 64 vectorised env, total control steps/s over all envs. */
  vecEnvStepsPerSec: number;
  /** The same 64 worlds, replayed pusher paths, physics only, control steps/s (the physics limit). */
  rawStepsPerSec: number;
  /** Wrapper time over raw physics time, minus 1 (0.25 = the wrapper costs 25% on top of the physics), in CPU
   * time: on a shared machine the wall-clock ratio of two runs swings by tens of percent with the other load. */
  wrapperOverhead: number;
  numEnvs: number;
  stepsPerEnv: number;
  substepsPerStep: number;
}

/** What the benchmark needs to drive one task's simulator directly. */
export interface BenchDriver<Sim> {
  substepsPerStep: number;
  /** The benchmark pusher's world target at control step `step`, into out[offset…offset + actionDim). */
  circlingTarget(sim: Sim, step: number, out: Float32Array, offset: number): void;
  /** Writes the pusher's position to path[offset…]; moves the pusher to it. */
  pusherTo(sim: Sim, path: Float64Array, offset: number, write: boolean): void;
  advancePhysics(sim: Sim): void;
  /** What an episode start does to the simulator beyond setting its state (push-3d: a fresh world). */
  freshWorld(sim: Sim): void;
}

const BENCH_ENVS = 64;
const BENCH_STEPS = 300;
const SINGLE_ENV_STEPS = 1500;
const ROUNDS = 3;
/** Steps of the B = 64 env before any timing, so that V8 and the WASM tier-up compiler have settled. */
const WARMUP_STEPS = 100;
const CIRCLE_RATE = 0.05; // radians per control step

export const pushTDriver: BenchDriver<PushTEnv> = {
  substepsPerStep: SUBSTEPS_PER_ACTION,
  circlingTarget(env, step, out, offset) {
    const radius = 40; // px
    const c = Math.cos(env.block.angle);
    const s = Math.sin(env.block.angle);
    out[offset] = env.block.x + c * BLOCK_COG[0] - s * BLOCK_COG[1] + radius * Math.cos(CIRCLE_RATE * step);
    out[offset + 1] = env.block.y + s * BLOCK_COG[0] + c * BLOCK_COG[1] + radius * Math.sin(CIRCLE_RATE * step);
  },
  pusherTo(env, path, o, write) {
    if (write) {
      path[o] = env.agentX;
      path[o + 1] = env.agentY;
    } else {
      env.agentX = path[o];
      env.agentY = path[o + 1];
    }
  },
  advancePhysics: (env) => env.advancePhysics(),
  freshWorld: () => {},
};

const PUSH_HEIGHT_3D = 0.03;
export const push3dDriver: BenchDriver<Push3DEnv> = {
  substepsPerStep: SUBSTEPS_3D,
  circlingTarget(env, step, out, offset) {
    const radius = 0.08; // m
    const c = comWorld(env.object);
    out[offset] = c[0] + radius * Math.cos(CIRCLE_RATE * step);
    out[offset + 1] = c[1] + radius * Math.sin(CIRCLE_RATE * step);
    out[offset + 2] = PUSH_HEIGHT_3D;
  },
  pusherTo(env, path, o, write) {
    if (write) {
      path[o] = env.pusherX;
      path[o + 1] = env.pusherY;
      path[o + 2] = env.pusherZ;
    } else {
      env.pusherX = path[o];
      env.pusherY = path[o + 1];
      env.pusherZ = path[o + 2];
    }
  },
  advancePhysics: (env) => env.advancePhysics(),
  freshWorld: (env) => env.clearHistory(),
};

/** Wall-clock and CPU seconds of a piece of work. */
interface Timing {
  wall: number;
  cpu: number;
}

/** CPU time of this process, seconds (Node: the benchmark runs from the CLI). */
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function timed(work: () => void): Timing {
  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  work();
  return { wall: (performance.now() - wall0) / 1000, cpu: cpuSeconds() - cpu0 };
}

/** The faster of two timings, field by field. */
const fastest = (a: Timing, b: Timing): Timing => ({ wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) });
const NOT_YET: Timing = { wall: Infinity, cpu: Infinity };

/** Runs `steps` control steps of `vec` under the circling pusher. */
function runVec<Sim, S extends object, P extends TaskPerturbation>(vec: VecEnv<Sim, S, P>, driver: BenchDriver<Sim>, steps: number, actions: Float32Array): void {
  const D = vec.spec.actionDim;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < vec.numEnvs; i++) driver.circlingTarget(vec.envs[i], vec.episodeStep[i], actions, D * i);
    actionsToNormalised(vec.spec, actions, actions);
    vec.step(actions);
  }
}

/** A recorded run: every physics substep's pusher position, and the states episodes (re)started from. */
interface Recording<S> {
  path: Float64Array;
  /** restarts[t][i]: the state env i starts control step t from, where an episode (re)starts there. */
  restarts: Map<number, S>[];
}

/**
 * Records the substep path of a full wrapper run from the episodes startEpisodes() sets up (untimed):
 * each simulator's advancePhysics is wrapped for the run to log the pusher's position, and every episode
 * start (the first, and each auto-reset after a success or a failure) is kept, so the replay meets the
 * same contacts the wrapper did.
 */
export function record<Sim, S extends object, P extends TaskPerturbation>(vec: VecEnv<Sim, S, P>, driver: BenchDriver<Sim>, startEpisodes: () => void, steps: number): Recording<S> {
  const B = vec.numEnvs;
  const D = vec.spec.actionDim;
  const K = driver.substepsPerStep;
  const path = new Float64Array(B * steps * K * D);
  const restarts: Map<number, S>[] = Array.from({ length: steps }, () => new Map());
  let at = 0;
  for (const sim of vec.envs) {
    const own = sim as { advancePhysics(): void };
    const advance = own.advancePhysics.bind(sim);
    own.advancePhysics = () => {
      driver.pusherTo(sim, path, at, true);
      at += D;
      advance();
    };
  }
  startEpisodes();
  const actions = new Float32Array(D * B);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < B; i++) if (t === 0 || vec.dones[i]) restarts[t].set(i, vec.getState(i));
    runVec(vec, driver, 1, actions);
  }
  for (const sim of vec.envs) delete (sim as { advancePhysics?: unknown }).advancePhysics;
  return { path, restarts };
}

/** Raw physics: replays a recording, step-major like the vectorised env. */
export function replay<Sim, S extends object, P extends TaskPerturbation>(vec: VecEnv<Sim, S, P>, driver: BenchDriver<Sim>, rec: Recording<S>, steps: number): void {
  const B = vec.numEnvs;
  const D = vec.spec.actionDim;
  const K = driver.substepsPerStep;
  let at = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < B; i++) {
      const start = rec.restarts[t].get(i);
      const sim = vec.envs[i];
      if (start) {
        vec.setState(i, start);
        driver.freshWorld(sim);
      }
      for (let k = 0; k < K; k++, at += D) {
        driver.pusherTo(sim, rec.path, at, false);
        driver.advancePhysics(sim);
      }
    }
  }
}

/**
 * Measures each figure ROUNDS times, interleaved, and keeps the fastest (the least disturbed by other
 * processes on a shared machine), in wall-clock and in CPU time. Each round of the vectorised env replays the same episodes (env i is
 * reseeded with i) for one episode length; episodes that end auto-reset, and the raw replay restarts them
 * where the recorded run did.
 */
async function benchTask<Sim, State extends object, P extends TaskPerturbation>(task: SimTask<Sim, State, P>, driver: BenchDriver<Sim>): Promise<SimBenchResult> {
  const B = BENCH_ENVS;
  const vec = await createVecEnv(task, { numEnvs: B, seed: 0, maxSteps: BENCH_STEPS });
  const single = await createVecEnv(task, { numEnvs: 1, seed: 0 });
  const actions = new Float32Array(task.spec.actionDim * B);
  const action1 = new Float32Array(task.spec.actionDim);
  runVec(vec, driver, WARMUP_STEPS, actions);

  const startEpisodes = () => {
    for (let i = 0; i < B; i++) vec.reseed(i, i);
  };
  const rec = record(vec, driver, startEpisodes, BENCH_STEPS);

  let single1 = NOT_YET;
  let vecB = NOT_YET;
  let raw = NOT_YET;
  for (let r = 0; r < ROUNDS; r++) {
    single.reseed(0, 0);
    single1 = fastest(single1, timed(() => runVec(single, driver, SINGLE_ENV_STEPS, action1)));
    startEpisodes();
    vecB = fastest(vecB, timed(() => runVec(vec, driver, BENCH_STEPS, actions)));
    raw = fastest(raw, timed(() => replay(vec, driver, rec, BENCH_STEPS)));
  }
  single.free();
  vec.free();

  const total = B * BENCH_STEPS;
  return {
    task: task.spec.name,
    singleEnvStepsPerSec: SINGLE_ENV_STEPS / single1.wall,
    vecEnvStepsPerSec: total / vecB.wall,
    rawStepsPerSec: total / raw.wall,
    wrapperOverhead: vecB.cpu / raw.cpu - 1,
    numEnvs: B,
    stepsPerEnv: BENCH_STEPS,
    substepsPerStep: driver.substepsPerStep,
  };
}

/** Push-T's simulator figures. */
export function benchSim(): Promise<SimBenchResult> {
  return benchTask(pushTTask, pushTDriver);
}

/** push-3d's simulator figures. */
export function benchSim3d(): Promise<SimBenchResult> {
  return benchTask(push3dTask, push3dDriver);
}
