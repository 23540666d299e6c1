import { describe, expect, it } from 'vitest';
import { SUITES } from '../sim/perturbations';
import { createExpertPolicy } from './expertPolicy';
import { episodeSeed, runEpisodes } from './runEpisodes';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

/** Pushes towards the block's first keypoint and reports ‖Δz‖ = 1 + step/10, ‖b‖ = 0.5, to check the bookkeeping. */
function probePolicy(numEnvs: number): RolloutPolicy & { resets: [number, number][] } {
  const actions = new Float32Array(2 * numEnvs);
  const dz = new Float32Array(numEnvs);
  const b = new Float32Array(numEnvs).fill(0.5);
  const resets: [number, number][] = [];
  return {
    name: 'probe',
    resets,
    resetEnv: (env, seed) => resets.push([env, seed]),
    act(obs: PolicyObservation): Promise<PolicyOutput> {
      const stride = obs.tokens.length / obs.numEnvs;
      for (let i = 0; i < obs.numEnvs; i++) {
        actions[2 * i] = obs.tokens[i * stride];
        actions[2 * i + 1] = obs.tokens[i * stride + 1];
        dz[i] = 1 + obs.episodeStep[i] / 10;
      }
      return Promise.resolve({ actions, deltaZNorm: dz, reflexNorm: b });
    },
    dispose() {},
  };
}

describe('runEpisodes', () => {
  it('records every episode once, in order, with the policy’s residual norms', async () => {
    const policy = probePolicy(2);
    const results = await runEpisodes(policy, { perturbation: SUITES.nominal, episodes: 3, seed: 11, numEnvs: 2, maxSteps: 5 });
    expect(results.map((r) => r.seed)).toEqual([0, 1, 2].map((k) => episodeSeed(11, k)));
    // Episode 2 reuses env 0 or 1 after its first episode; every episode is announced to the policy with its seed.
    expect(policy.resets.map(([, s]) => s)).toEqual([0, 1, 2].map((k) => episodeSeed(11, k)));
    for (const r of results) {
      expect(r.steps).toBe(5);
      expect(r.success).toBe(false);
      expect(r.stepsToSuccess).toBeNull();
      // ‖Δz‖ over steps 0..4: mean of 1.0, 1.1, 1.2, 1.3, 1.4.
      expect(r.meanDeltaZ).toBeCloseTo(1.2, 6);
      expect(r.meanReflex).toBeCloseTo(0.5, 6);
      expect(r.maxCoverage).toBeGreaterThanOrEqual(r.finalCoverage);
    }
  });

  it('scores a predictor of no motion at exactly 1 against no motion, and reports nothing for a policy without Φ', async () => {
    const inner = probePolicy(2);
    const stay: RolloutPolicy = { ...inner, act: async (obs) => ({ ...(await inner.act(obs)), predicted: obs.tokens.slice() }) };
    const results = await runEpisodes(stay, { perturbation: SUITES.nominal, episodes: 3, seed: 11, numEnvs: 2, maxSteps: 5 });
    for (const r of results) {
      const w = r.worldError!;
      expect(w.objectMotion + w.agentMotion).toBeGreaterThan(0);
      expect(w.objectError).toBeCloseTo(w.objectMotion, 5);
      expect(w.agentError).toBeCloseTo(w.agentMotion, 5);
    }
    expect((await runEpisodes(probePolicy(2), { perturbation: SUITES.nominal, episodes: 2, seed: 11, numEnvs: 2, maxSteps: 5 }))[0].worldError).toBeNull();
  });

  it('gives identical results for the same seed, whatever the number of parallel envs', async () => {
    const run = async (numEnvs: number) => {
      const policy = await createExpertPolicy(numEnvs);
      try {
        return await runEpisodes(policy, { perturbation: SUITES.kick, episodes: 3, seed: 5, numEnvs, maxSteps: 15 });
      } finally {
        policy.dispose();
      }
    };
    const one = await run(1);
    expect(await run(1)).toEqual(one);
    expect(await run(3)).toEqual(one);
    expect(one.every((r) => r.meanDeltaZ === null && r.meanReflex === null)).toBe(true);
  });

  it('refuses a policy that returns the wrong number of actions', async () => {
    const bad: RolloutPolicy = { name: 'bad', resetEnv() {}, act: () => ({ actions: new Float32Array(1) }), dispose() {} };
    await expect(runEpisodes(bad, { perturbation: SUITES.nominal, episodes: 1, seed: 0, numEnvs: 1, maxSteps: 3 })).rejects.toThrow(/bad: returned 1 action values for 1 envs/);
  });
});
