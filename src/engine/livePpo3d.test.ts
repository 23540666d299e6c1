// Stage 2 in the worker on push-3d: the run takes its task from the playground (PpoHost.spec), so its envs, the
// fresh strategy and critic and the copies it trains are push-3d's (14 tokens, 3-D actions), and its progress
// names the task. Tiny modules, one iteration.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import type { ModuleName } from './livePolicies';
import { LivePpo, type PpoHost } from './livePpo';
import { useNodeBackend } from './nodeBackend';
import { standIn, type ModuleTypes } from './policyModules';
import type { TrainingProgress } from './trainingProgress';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const config: Config = { ...defaultConfig(), ...TINY_SAGR_NETS, task: 'push-3d', numEnvs: 2, episodeLength: 10, executeSteps: 3, rolloutSteps: 6, epochs: 1, minibatches: 1, criticWarmupIters: 0, targetKl: 0 };

describe('PPO in the engine worker on push-3d', () => {
  it("trains copies of the playground's push-3d modules and hands them to the sagr slots, naming the task", async () => {
    const top: Record<string, ModuleTypes[ModuleName]> = { prior: standIn('prior', config, push3dSpec), world: standIn('world', config, push3dSpec), reflex: standIn('reflex', config, push3dSpec) };
    const slots = new Map<string, ModuleTypes[ModuleName]>();
    const host: PpoHost = {
      spec: push3dSpec,
      moduleAt: (key) => slots.get(key) ?? top[key],
      async replaceModules(entries) {
        for (const [key, m] of entries) slots.set(key, m);
      },
      relabel: () => {},
    };
    const posts: TrainingProgress[] = [];
    let end: (p: TrainingProgress) => void = () => {};
    const ended = new Promise<TrainingProgress>((r) => (end = r));
    const ppo = new LivePpo(
      (p) => {
        posts.push(structuredClone(p));
        if (!p.running) end(structuredClone(p));
      },
      (job) => job(),
    );
    await ppo.start('ppo-sagr', 1, config, host);
    const last = await ended;
    expect(posts[0]).toMatchObject({ task: 'push-3d', message: 'push-3d ppo-sagr: starting (B = 2 envs × T = 6 steps per iteration)' });
    expect(last).toMatchObject({ task: 'push-3d', outcome: 'done', iter: 1 });
    expect(last.records[0].envStepsPerSec).toBeGreaterThan(0);
    const strategy = slots.get('ppo/strategy') as ModuleTypes['strategy'];
    expect(strategy.config).toMatchObject({ numTokens: 14, actionDim: 3 });
    expect((slots.get('ppo/prior') as ModuleTypes['prior']).config.actionDim).toBe(3);
    ppo.forget('the test ended');
    for (const m of [...Object.values(top), ...slots.values()]) m.dispose();
  });
});
