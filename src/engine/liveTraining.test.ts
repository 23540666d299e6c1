import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { TINY_NETS } from '../testing/tinyConfig';
import type { ModuleName } from './livePolicies';
import { evalEveryFor, LiveTraining } from './liveTraining';
import { useNodeBackend } from './nodeBackend';
import type { Playground } from './playground';
import { standIn, type ModuleTypes } from './policyModules';
import type { TrainingProgress } from './trainingProgress';

beforeAll(async () => {
  await useNodeBackend('wasm');
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** fetch answers every URL with the shipped demonstrations of `task` (public/data). */
function serveDemos(task: string): void {
  const bytes = readFileSync(new URL(`../../public/data/${task}-demos.bin`, import.meta.url));
  vi.stubGlobal('fetch', async () => new Response(bytes));
}

describe('live training', () => {
  it('evaluates about twenty times a run, never more often than every 5 iterations', () => {
    expect(evalEveryFor(10)).toBe(5);
    expect(evalEveryFor(4000)).toBe(200);
    expect(evalEveryFor(1)).toBe(5);
    expect(Math.ceil(3000 / evalEveryFor(3000))).toBeLessThanOrEqual(20);
  });

  it('refuses a bad request with a message naming the field, before touching anything', async () => {
    const posted: unknown[] = [];
    const t = new LiveTraining((p) => posted.push(p), (job) => job());
    const start = (stage: unknown, iters: unknown, url: unknown = 'http://localhost/demos.bin') => t.start(stage, iters, url, defaultConfig(), null as never);
    await expect(start('ppo', 10)).rejects.toThrow('trainStart.stage: "ppo" is not one of prior, world, reflex');
    await expect(start('prior', 0)).rejects.toThrow(/^trainStart.iters: 0 is not an integer/);
    await expect(start('prior', 2.5)).rejects.toThrow(/^trainStart.iters/);
    await expect(start('world', 10, 42)).rejects.toThrow('trainStart.demosUrl: expected a URL');
    expect(posted).toEqual([]);
    expect(t.running).toBe(false);
  });

  it("trains the push-3d playground's prior on push-3d's demonstrations, and refuses another task's", async () => {
    const config: Config = { ...defaultConfig(), ...TINY_NETS, task: 'push-3d', priorBatch: 8 };
    const prior = standIn('prior', config, push3dSpec);
    const before = [...prior.variables.values()].map((v) => Array.from(v.dataSync()));
    const adopted: string[] = [];
    const playground = {
      spec: push3dSpec,
      trainableModule: <K extends ModuleName>(name: K) => (name === 'prior' ? prior : null) as ModuleTypes[K],
      async adopted(name: ModuleName, source: string) {
        adopted.push(`${name}: ${source}`);
      },
    } as unknown as Playground;
    const posted: TrainingProgress[] = [];
    const t = new LiveTraining((p) => posted.push(structuredClone(p)), (job) => job());

    serveDemos('push-t');
    await expect(t.start('prior', 2, 'http://localhost/push-t-demos.bin', config, playground)).rejects.toThrow('trainStart.demosUrl: http://localhost/push-t-demos.bin holds push-t demonstrations; the playground runs push-3d');

    serveDemos('push-3d');
    await t.start('prior', 2, 'http://localhost/push-3d-demos.bin', config, playground);
    await expect.poll(() => posted.at(-1)?.running, { timeout: 30_000 }).toBe(false);
    const last = posted.at(-1)!;
    expect(last).toMatchObject({ task: 'push-3d', stage: 'prior', iters: 2, outcome: 'done', message: 'push-3d prior: done after 2 of 2 iterations' });
    expect(posted[0].message).toBe('push-3d prior: starting');
    expect(last.records.at(-1)).toMatchObject({ stage: 'prior', iter: 2 });
    expect(adopted).toEqual(['prior: this session (2 iterations of prior training)']);
    const after = [...prior.variables.values()].map((v) => Array.from(v.dataSync()));
    expect(after).not.toEqual(before);
    prior.dispose();
  });
});
