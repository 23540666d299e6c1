// The start-up probe of the backend choice: one control step of the full policy at B = 1 on throwaway modules.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { benchControlStep, withBenchModules } from './inferenceBench';
import { useNodeBackend } from './nodeBackend';
import type { ShippedLoad } from './policyModules';

const NONE_SHIPPED: ShippedLoad = { modules: new Map(), found: [], problems: [] };
const config: Config = { ...defaultConfig(), ...TINY_SAGR_NETS };

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('benchControlStep', () => {
  it('times the per-step pass, then the chunk decision spread over the executed steps, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const t = await withBenchModules(NONE_SHIPPED, config, pushTSpec, (m) => benchControlStep(m, pushTSpec, config, 1, 2, Infinity));
    expect(t.stepMs).toBeGreaterThan(0);
    // per control step = reflex + Φ every step + one decision every executeSteps steps, so strictly more than the pass.
    expect(t.perControlStepMs).not.toBeNull();
    expect(t.perControlStepMs!).toBeGreaterThan(t.stepMs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops after the per-step pass once that alone has lost to the best figure so far', async () => {
    const before = tf.memory().numTensors;
    const t = await withBenchModules(NONE_SHIPPED, config, pushTSpec, (m) => benchControlStep(m, pushTSpec, config, 1, 2, 0));
    expect(t.stepMs).toBeGreaterThan(0);
    expect(t.perControlStepMs).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });
});
