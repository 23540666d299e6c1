import { beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed } from '../../core/rng';
import { createExpertPolicy } from '../../eval/expertPolicy';
import { runEpisodes } from '../../eval/runEpisodes';
import { normaliseCoord } from '../tokens';
import { createVecEnv } from '../vecEnv';
import { Push3DExpert } from './expert3d';
import { PUSH_3D_SUITES, parsePerturbation3d } from './perturbations3d';
import { initRapier3d } from './push3dEnv';
import { push3dSpec } from './push3dSpec';
import { push3dTask } from './push3dTask';

/** Runs the expert for up to `steps` control steps of one episode; returns whether it succeeded and when. */
async function runExpert(seed: number, perturb: string, steps: number) {
  const env = await createVecEnv(push3dTask, { numEnvs: 1, seed: 0, perturbation: parsePerturbation3d(perturb) });
  const expert = new Push3DExpert();
  env.reseed(0, seed);
  const action = new Float32Array(3);
  try {
    for (let t = 1; t <= steps; t++) {
      const target = expert.act(env.getState(0));
      for (let d = 0; d < 3; d++) action[d] = normaliseCoord(push3dSpec, d, target[d]);
      env.step(action);
      if (env.dones[0]) return { success: env.success[0] === 1, steps: t, expert };
    }
    return { success: false, steps, expert };
  } finally {
    env.free();
    expert.free();
  }
}

describe('push-3d expert', () => {
  beforeAll(() => initRapier3d());

  // One of the evaluation's nominal episodes (seed 0, episode 3) that the expert solves in 75 steps.
  it('solves nominal evaluation episode 3', async () => {
    const r = await runExpert(deriveSeed(0, 'eval/episode', 3), 'nominal', 300);
    expect(r.success).toBe(true);
    expect(r.steps).toBeLessThan(100);
  });

  it('estimates a target bias exactly from its own motion, on every axis', async () => {
    const r = await runExpert(deriveSeed(7, 'expert-test', 0), 'bias:dx=0.008,dy=-0.005,dz=0.01', 12);
    const [bx, by, bz] = r.expert.biasEstimate;
    expect(bx).toBeCloseTo(0.008, 6);
    expect(by).toBeCloseTo(-0.005, 6);
    expect(bz).toBeCloseTo(0.01, 6);
  });

  it('estimates no bias on the nominal task', async () => {
    const r = await runExpert(deriveSeed(7, 'expert-test', 0), 'nominal', 12);
    for (const b of r.expert.biasEstimate) expect(Math.abs(b)).toBeLessThan(1e-6);
  });
});

describe('push-3d evaluation', () => {
  it('gives identical results for the same seed whatever the number of parallel envs (episodes clear the worlds\' history)', async () => {
    const run = async (numEnvs: number) => {
      const policy = await createExpertPolicy(numEnvs, 'push-3d');
      try {
        return await runEpisodes(policy, { task: 'push-3d', perturbation: PUSH_3D_SUITES.defaults.kick, episodes: 2, seed: 5, numEnvs, maxSteps: 12 });
      } finally {
        policy.dispose();
      }
    };
    const one = await run(1);
    expect(await run(2)).toEqual(one);
    expect(one[0]).not.toEqual(one[1]);
  });
});
