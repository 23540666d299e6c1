// The closed-loop refinement's samples: what the reflex read in the loop, with the target −d of the episode's
// actuator offset, and the share of the offsets the loop left uncancelled.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { pushTSpec as spec } from '../sim/pusht/pushTSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { collectRefineSamples, OFFSET_MAX } from './reflexRefine';

const c: Config = { ...defaultConfig(), ...TINY_SAGR_NETS, reflexHistory: 2, executeSteps: 2, episodeLength: 50 };

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('closed-loop refinement samples', () => {
  it('pair what the reflex read with −d, constant within an episode, reproducibly', async () => {
    const modules = [new FlowPrior(flowPriorConfig(c, spec), 1), new WorldPredictor(worldPredictorConfig(c, spec), 2), new Reflex(reflexConfig(c, spec), 3)] as const;
    const run = () => collectRefineSamples(...modules, spec, c, 5, { envs: 6, steps: 12 });
    const s = await run();
    expect(s.count).toBe(72);
    expect(s.inputs.length).toBe(72 * spec.numTokens * 2 * 3);
    // Env i's targets at every step of its (single, 12-step) episode: one offset, |d| ≤ OFFSET_MAX, some zero (nominal).
    const norms = [];
    for (let i = 0; i < 6; i++) {
      const first = [s.targets[i * 2], s.targets[i * 2 + 1]];
      for (let t = 1; t < 12; t++) expect([s.targets[(t * 6 + i) * 2], s.targets[(t * 6 + i) * 2 + 1]]).toEqual(first);
      norms.push(Math.hypot(first[0], first[1]));
    }
    norms.forEach((x) => expect(x).toBeLessThanOrEqual(OFFSET_MAX + 1e-6));
    // The reflex's residual history is zero at each episode's first step and not after.
    const h = spec.numTokens * 2 * 3;
    for (let i = 0; i < 6; i++) {
      expect(s.inputs.subarray(i * h, (i + 1) * h).every((x) => x === 0)).toBe(true);
      expect(s.inputs.subarray((2 * 6 + i) * h, (2 * 6 + i + 1) * h).some((x) => x !== 0)).toBe(true);
    }
    // An untrained reflex (output ≈ 0) leaves about all of the offsets.
    expect(s.residualShare).toBeGreaterThan(0.9);
    expect(s.residualShare).toBeLessThan(1.1);
    const again = await run();
    expect(Array.from(again.targets)).toEqual(Array.from(s.targets));
    expect(Array.from(again.inputs)).toEqual(Array.from(s.inputs));
    for (const m of modules) m.dispose();
  });
});
