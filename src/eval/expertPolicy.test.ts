import { beforeAll, describe, expect, it } from 'vitest';
import { loadLearnedPolicy, shippedCheckpoints } from '../cli/learnedPolicy';
import { defaultConfig } from '../core/config';
import { useProjectWasm } from '../engine/nodeBackend';
import { SUITES } from '../sim/perturbations';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import type { TaskState } from '../sim/simTask';
import { createExpertChunkPolicy, createExpertPolicy } from './expertPolicy';
import type { PolicyObservation, RolloutPolicy } from './rolloutPolicy';
import { runEpisodes } from './runEpisodes';

const observe = (states: TaskState[]): PolicyObservation => ({
  numEnvs: states.length,
  tokens: new Float32Array(states.length * pushTSpec.numTokens * 3),
  episodeStep: new Int32Array(states.length),
  states,
});

// expert-chunks runs its plans through the closed loop (tfjs), on the backend every evaluation uses.
beforeAll(useProjectWasm);

const START: TaskState = { agentX: 100, agentY: 420, agentVx: 0, agentVy: 0, blockX: 256, blockY: 256, blockAngle: 0.8 };
// The block shoved 50 px: what a displace or kick does in the middle of a chunk.
const MOVED: TaskState = { ...START, blockX: START.blockX + 40, blockY: START.blockY - 30 };

describe('expert-chunks: the expert executing its own plans open loop', () => {
  it('keeps executing its chunk when the block moves mid-chunk, and plans the next chunk from where the block went', async () => {
    const n = 8;
    const policy = await createExpertChunkPolicy(2, 'push-t', n);
    const expert = await createExpertPolicy(1);
    try {
      const first = await policy.act(observe([START, START]));
      expect([...first.replanned!]).toEqual([1, 1]);
      const a0 = [...first.actions];
      expect(a0.slice(0, 2)).toEqual(a0.slice(2, 4));
      // The chunk starts where the closed-loop expert would act from that state.
      expect(a0.slice(0, 2)).toEqual([...(await expert.act(observe([START]))).actions]);
      for (let k = 1; k < n; k++) {
        const out = await policy.act(observe([START, MOVED]));
        expect([...out.replanned!]).toEqual([0, 0]);
        expect(out.actions[2]).toBe(out.actions[0]);
        expect(out.actions[3]).toBe(out.actions[1]);
      }
      const next = await policy.act(observe([START, MOVED]));
      expect([...next.replanned!]).toEqual([1, 1]);
      expect(Math.hypot(next.actions[2] - next.actions[0], next.actions[3] - next.actions[1])).toBeGreaterThan(0.01);
      // A new episode starts a new chunk at once.
      policy.resetEnv(0, 0);
      expect([...(await policy.act(observe([START, MOVED]))).replanned!]).toEqual([1, 0]);
    } finally {
      policy.dispose();
      expert.dispose();
    }
  });

  it('solves nominal episodes executing 16 actions per chunk', async () => {
    const policy = await createExpertChunkPolicy(2, 'push-t', 16);
    try {
      const results = await runEpisodes(policy, { perturbation: SUITES.nominal, episodes: 4, seed: 0, numEnvs: 2, maxSteps: 300 });
      expect(results.filter((r) => r.success).length).toBe(4);
      // A chunk every 16 steps: the prior-call count the report gives.
      for (const r of results) expect(r.priorCalls).toBe(Math.ceil(r.steps / 16));
    } finally {
      policy.dispose();
    }
  }, 60_000);
});

describe('expert-chunks-reflex: the shipped Φ and reflex correcting the expert’s open-loop plans', () => {
  // Constant actuator offsets of 4–12 px in random directions (the offset suite), chunks of 8: open loop, the
  // expert's plans miss by the offset for 8 steps at a time; the reflex reads Δz and cancels it.
  const config = { ...defaultConfig(), executeSteps: 8, sigmaMax: 0, sigmaMin: 0 };
  const [SEED, EPISODES, MARGIN] = [7, 8, 3];
  const run = async (policy: RolloutPolicy) => {
    try {
      return await runEpisodes(policy, { perturbation: SUITES.offset, episodes: EPISODES, seed: SEED, numEnvs: 4, maxSteps: config.episodeLength });
    } finally {
      policy.dispose();
    }
  };

  it('solves more offset episodes than the plans alone, with ‖b‖ of the offset’s size', async () => {
    const dir = shippedCheckpoints('push-t');
    const open = await run(await createExpertChunkPolicy(4, 'push-t', 8));
    const reflex = await run(await loadLearnedPolicy('expert-chunks-reflex', dir, config, pushTSpec, 4));
    const solved = (rs: { success: boolean }[]) => rs.filter((r) => r.success).length;
    console.log(`offset, n = 8, ${EPISODES} episodes: plans alone ${solved(open)}, with the reflex ${solved(reflex)}`);
    expect(solved(reflex)).toBeGreaterThanOrEqual(solved(open) + MARGIN);
    // The reflex's mean ‖b‖ is of the offset's size (4–12 px = 0.016–0.047 normalised), not zero and not double.
    const meanB = reflex.reduce((s, r) => s + r.meanReflex!, 0) / reflex.length;
    expect(meanB).toBeGreaterThan(0.01);
    expect(meanB).toBeLessThan(0.06);
  }, 120_000);
});
