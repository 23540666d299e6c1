// A task's expert behind the RolloutPolicy interface: one expert (with its own simulator copy) per
// environment, so an env's actions never depend on the others'. And the expert executing its own plans open loop,
// n actions per chunk: the ceiling of the long-chunk regime.
import type { TaskState } from '../sim/simTask';
import { simTask, type TaskName } from '../sim/tasks';
import { normaliseCoord } from '../sim/tokens';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

export async function createExpertPolicy(numEnvs: number, task: TaskName = 'push-t'): Promise<RolloutPolicy> {
  const sim = simTask(task);
  await sim.init();
  const experts = Array.from({ length: numEnvs }, () => sim.createExpert());
  const D = sim.spec.actionDim;
  const actions = new Float32Array(numEnvs * D);
  const target = new Float64Array(D);
  return {
    name: 'expert',
    resetEnv(env: number) {
      experts[env].reset();
    },
    act(obs: PolicyObservation): PolicyOutput {
      for (let i = 0; i < numEnvs; i++) {
        experts[i].act(obs.states[i], target);
        for (let d = 0; d < D; d++) actions[i * D + d] = normaliseCoord(sim.spec, d, target[d]);
      }
      return { actions };
    },
    dispose() {
      for (const e of experts) e.free();
    },
  };
}

/**
 * The expert executing open-loop chunks: at an env's chunk start it plans `executeSteps` control steps ahead on a
 * copy of the state, from scratch (reset, as DAgger's labels are made) and under nominal physics (it cannot know a
 * shove, kick or actuator offset to come), then commands those targets whatever happens. It is what a prior whose
 * chunks matched the expert's would do at that n, so it bounds what open-loop chunks can reach there.
 */
export async function createExpertChunkPolicy(numEnvs: number, task: TaskName, executeSteps: number): Promise<RolloutPolicy> {
  const sim = simTask(task);
  await sim.init();
  const planner = sim.createExpert();
  const scratch = sim.createEnv();
  const state = sim.zeroState();
  const D = sim.spec.actionDim;
  const n = executeSteps;
  const plans = new Float32Array(numEnvs * n * D);
  const next = new Int32Array(numEnvs); // the index of an env's next action within its chunk; n: plan a new one
  next.fill(n);
  const actions = new Float32Array(numEnvs * D);
  const replanned = new Uint8Array(numEnvs);
  const target = new Float64Array(D);
  const plan = (env: number, start: TaskState) => {
    planner.reset();
    scratch.setState(start);
    for (let k = 0; k < n; k++) {
      scratch.getState(state);
      planner.act(state, target);
      for (let d = 0; d < D; d++) plans[(env * n + k) * D + d] = normaliseCoord(sim.spec, d, target[d]);
      scratch.act(target);
    }
  };
  return {
    name: 'expert-chunks',
    resetEnv(env: number) {
      next[env] = n;
    },
    act(obs: PolicyObservation): PolicyOutput {
      for (let i = 0; i < numEnvs; i++) {
        replanned[i] = next[i] === n ? 1 : 0;
        if (replanned[i]) {
          plan(i, obs.states[i]);
          next[i] = 0;
        }
        for (let d = 0; d < D; d++) actions[i * D + d] = plans[(i * n + next[i]) * D + d];
        next[i]++;
      }
      return { actions, replanned };
    },
    dispose() {
      planner.free();
      scratch.free();
    },
  };
}
