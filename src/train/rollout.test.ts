// Stage-2 rollouts count an episode as solved by the env's success flag, not by how it ended: push-3d episodes
// also terminate by failure (the object tipped over or fell off the table).
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { Critic, criticConfig } from '../policy/critic';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { Strategy, strategyConfig } from '../policy/strategy';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { parsePerturbationSpec } from '../sim/perturbationSpec';
import { TOKEN_DIM } from '../sim/taskSpec';
import { simTask } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { residualSteps } from '../policy/closedLoop';
import { sdeParams } from './ppoSagr';
import { RolloutBuffer, SagrRollout, decisionsPerRollout } from './rollout';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const TINY: Partial<Config> = {
  ...TINY_SAGR_NETS,
  task: 'push-3d',
  numEnvs: 2,
  executeSteps: 2,
  rolloutSteps: 8,
};

describe('SagrRollout on push-3d', () => {
  it('counts episodes that end by failure (the object tipped over at step 1) as failures', async () => {
    const c: Config = { ...defaultConfig(), ...TINY };
    const task = simTask(c.task);
    const spec = task.spec;
    // Tipped 1.4 rad at step 1, past the 1.0 rad at which push-3d calls the object tipped over.
    const env = await createVecEnv(task, { numEnvs: c.numEnvs, seed: 0, maxSteps: 100, perturbation: parsePerturbationSpec(task.suites, 'tilt:angle=1.4,at=1,jitter=1') });
    const modules = {
      prior: new FlowPrior(flowPriorConfig(c, spec), 1),
      world: new WorldPredictor(worldPredictorConfig(c, spec), 2),
      reflex: new Reflex(reflexConfig(c, spec), 3),
      strategy: new Strategy(strategyConfig(c, spec), 4),
    };
    const critic = new Critic(criticConfig(c, spec), 5);
    try {
      const rollout = new SagrRollout(env, modules, critic, c.executeSteps, c.discount, 11);
      const sde = sdeParams(c);
      const obsSize = spec.numTokens * TOKEN_DIM;
      const buf = new RolloutBuffer(decisionsPerRollout(c), c.numEnvs, obsSize, residualSteps(sde) * c.horizon * spec.actionDim, spec.actionDim, c.executeSteps, c.horizon, rollout.loop.history * obsSize);
      const stats = await rollout.collect(buf, { ...c, sde });
      // 8 control steps per env, each episode over after 2 (tipped at the start of the second): 4 per env.
      expect(stats.controlSteps).toBe(16);
      expect(stats.episodes).toBe(8);
      expect(stats.meanLength).toBe(2);
      expect(stats.successRate).toBe(0);
    } finally {
      env.free();
      critic.dispose();
      for (const m of Object.values(modules)) m.dispose();
    }
  });
});
