import { beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed } from '../core/rng';
import { PushTExpert } from './expert';
import { parsePerturbation } from './perturbations';
import { initRapier } from './pusht/pushTEnv';
import { PushTVecEnv } from './vecEnv';
import { normaliseCoord } from './tokens';
import { pushTSpec } from './pusht/pushTSpec';

/** Runs the expert for up to `steps` control steps of one episode; returns whether it succeeded and when. */
async function runExpert(seed: number, perturb: string, steps: number) {
  const env = await PushTVecEnv.create({ numEnvs: 1, seed: 0, perturbation: parsePerturbation(perturb) });
  const expert = new PushTExpert();
  env.reseed(0, seed);
  const action = new Float32Array(2);
  try {
    for (let t = 1; t <= steps; t++) {
      const [x, y] = expert.act(env.getState(0));
      action[0] = normaliseCoord(pushTSpec, 0, x);
      action[1] = normaliseCoord(pushTSpec, 1, y);
      env.step(action);
      if (env.dones[0]) return { success: env.terminated[0] === 1, steps: t, expert };
    }
    return { success: false, steps, expert };
  } finally {
    env.free();
    expert.free();
  }
}

describe('Push-T expert', () => {
  beforeAll(() => initRapier());

  // Two of the evaluation's nominal episodes (seed 0, episodes 1 and 4) that the expert solves in < 70 steps.
  it.each([1, 4])('solves nominal evaluation episode %i', async (k) => {
    const r = await runExpert(deriveSeed(0, 'eval/episode', k), 'nominal', 300);
    expect(r.success).toBe(true);
    expect(r.steps).toBeLessThan(100);
  });

  it('estimates a target bias exactly from its own motion', async () => {
    const r = await runExpert(deriveSeed(7, 'expert-test', 0), 'bias:dx=8,dy=-5', 12);
    const [bx, by] = r.expert.biasEstimate;
    expect(bx).toBeCloseTo(8, 3);
    expect(by).toBeCloseTo(-5, 3);
  });

  it('estimates no bias on the nominal task', async () => {
    const r = await runExpert(deriveSeed(7, 'expert-test', 0), 'nominal', 12);
    const [bx, by] = r.expert.biasEstimate;
    expect(Math.abs(bx)).toBeLessThan(1e-3);
    expect(Math.abs(by)).toBeLessThan(1e-3);
  });
});
