// The Push-T expert behind the RolloutPolicy interface: one PushTExpert (with its own simulator copy)
// per environment, so an env's actions never depend on the others'.
import { PushTExpert } from '../sim/expert';
import { initRapier } from '../sim/pusht/pushTEnv';
import { normaliseCoord } from '../sim/tokens';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

export async function createExpertPolicy(numEnvs: number): Promise<RolloutPolicy> {
  await initRapier();
  const experts = Array.from({ length: numEnvs }, () => new PushTExpert());
  const actions = new Float32Array(numEnvs * pushTSpec.actionDim);
  return {
    name: 'expert',
    resetEnv(env: number) {
      experts[env].reset();
    },
    act(obs: PolicyObservation): PolicyOutput {
      for (let i = 0; i < numEnvs; i++) {
        const [x, y] = experts[i].act(obs.states[i]);
        actions[2 * i] = normaliseCoord(pushTSpec, 0, x);
        actions[2 * i + 1] = normaliseCoord(pushTSpec, 1, y);
      }
      return { actions };
    },
    dispose() {
      for (const e of experts) e.free();
    },
  };
}
