// A task's expert behind the RolloutPolicy interface: one expert (with its own simulator copy) per
// environment, so an env's actions never depend on the others'.
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
