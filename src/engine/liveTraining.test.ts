import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { evalEveryFor, LiveTraining } from './liveTraining';

describe('live training', () => {
  it('evaluates about twenty times a run, never more often than every 5 iterations', () => {
    expect(evalEveryFor(10)).toBe(5);
    expect(evalEveryFor(4000)).toBe(200);
    expect(evalEveryFor(1)).toBe(5);
    expect(Math.ceil(3000 / evalEveryFor(3000))).toBeLessThanOrEqual(20);
  });

  it('refuses a bad request with a message naming the field, before touching anything', async () => {
    const posted: unknown[] = [];
    const t = new LiveTraining((p) => posted.push(p), (job) => job(), pushTSpec);
    const start = (stage: unknown, iters: unknown, url: unknown = 'http://localhost/demos.bin') => t.start(stage, iters, url, defaultConfig(), null as never);
    await expect(start('ppo', 10)).rejects.toThrow('trainStart.stage: "ppo" is not one of prior, world, reflex');
    await expect(start('prior', 0)).rejects.toThrow(/^trainStart.iters: 0 is not an integer/);
    await expect(start('prior', 2.5)).rejects.toThrow(/^trainStart.iters/);
    await expect(start('world', 10, 42)).rejects.toThrow('trainStart.demosUrl: expected a URL');
    expect(posted).toEqual([]);
    expect(t.running).toBe(false);
  });
});
