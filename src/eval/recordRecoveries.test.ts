import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATE_DIM, decodeDemos, episodeStepRows, type DemoDataset } from '../sim/dataset';
import { SUITES } from '../sim/perturbations';
import { PushTVecEnv } from '../sim/vecEnv';
import { expectReplay } from '../testing/shippedDemos';
import { createExpertPolicy } from './expertPolicy';
import { recordRecoveries } from './recordRecoveries';
import type { RolloutPolicy } from './rolloutPolicy';
import { episodeSeed } from './runEpisodes';

const base = decodeDemos(readFileSync(new URL('../../public/data/push-t-demos.bin', import.meta.url)));
/** A learner that always commands the same point (normalised), so it never solves the task and runs 300 steps. */
const STUCK_TARGET = [-0.6, 0.7];
const SEED = 5;
const EVERY = 150;

function stuckLearner(): RolloutPolicy {
  return {
    name: 'stuck',
    resetEnv() {},
    act: (obs) => ({ actions: Float32Array.from({ length: 2 * obs.numEnvs }, (_, k) => STUCK_TARGET[k % 2]) }),
    dispose() {},
  };
}

/** Byte equality of two arrays (toEqual walks megabytes element by element). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function stateAt(ds: DemoDataset, row: number) {
  const s = ds.states.subarray(row * STATE_DIM, (row + 1) * STATE_DIM);
  return { agentX: s[0], agentY: s[1], agentVx: s[2], agentVy: s[3], blockX: s[4], blockY: s[5], blockAngle: s[6] };
}

async function record(): Promise<{ ds: DemoDataset; bytes: Uint8Array; starts: number; recovered: number; learnerSuccessRate: number }> {
  const expert = await createExpertPolicy(1);
  try {
    const r = await recordRecoveries(stuckLearner(), expert, base, { episodes: 2, seed: SEED, every: EVERY, numEnvs: 2 });
    return { ...r, ds: decodeDemos(r.bytes) };
  } finally {
    expert.dispose();
  }
}

describe('recordRecoveries', () => {
  let first: Awaited<ReturnType<typeof record>>;

  it('appends the expert’s runs from the learner’s states every K steps to the base, each replaying to success', async () => {
    const r = (first = await record());
    // A learner that never succeeds runs 300 steps: states at steps 0 and 150 of each of its 2 episodes.
    expect(r.learnerSuccessRate).toBe(0);
    expect(r.starts).toBe(4);
    const m = r.ds.manifest;
    expect(m.episodes).toBe(base.manifest.episodes + r.recovered);
    expect(r.recovered).toBeGreaterThanOrEqual(3); // the expert solves nearly every start (98%+ from reset states)
    expect(m.expert.name).toBe('expert+recoveries');
    expect(m.expert.attempts).toBe(base.manifest.expert.attempts + 4);
    // The base comes first, unchanged.
    expect(sameBytes(r.ds.actions.subarray(0, base.actions.length), base.actions)).toBe(true);
    expect(sameBytes(r.ds.tokens.subarray(0, base.tokens.length), base.tokens)).toBe(true);
    expect(sameBytes(r.ds.states.subarray(0, base.states.length), base.states)).toBe(true);
    expect(m.episodeSeeds.slice(0, base.manifest.episodes)).toEqual(base.manifest.episodeSeeds);

    // Where the learner stood: replay it by hand in an env of the same episode seeds.
    const env = await PushTVecEnv.create({ numEnvs: 1, seed: 0, perturbation: SUITES.nominal });
    try {
      const learnerStates: ReturnType<typeof stateAt>[] = [];
      for (let e = 0; e < 2; e++) {
        env.reseed(0, episodeSeed(SEED, e));
        for (let t = 0; t < 300; t++) {
          if (t % EVERY === 0) learnerStates.push({ ...env.getState(0) });
          env.step(Float32Array.from(STUCK_TARGET));
        }
      }
      // Every recovery starts at one of those states and replays bit for bit to success.
      for (let e = base.manifest.episodes; e < m.episodes; e++) {
        const first = stateAt(r.ds, episodeStepRows(m, e)[0]);
        expect(learnerStates.some((s) => (Object.keys(s) as (keyof typeof s)[]).every((k) => Math.abs(s[k] - first[k]) < 1e-9))).toBe(true);
        env.reseed(0, m.episodeSeeds[e]);
        expectReplay(env, r.ds, e, (row) => stateAt(r.ds, row));
      }
    } finally {
      env.free();
    }
  });

  it('is deterministic: the same learner, expert and seed give the same file', async () => {
    expect(sameBytes((await record()).bytes, first.bytes)).toBe(true);
  });

  it('refuses a spacing that is not a positive integer', async () => {
    const expert = await createExpertPolicy(1);
    try {
      await expect(recordRecoveries(stuckLearner(), expert, base, { episodes: 1, seed: 0, every: 0, numEnvs: 1 })).rejects.toThrow(/^every: 0 is not a positive integer$/);
    } finally {
      expert.dispose();
    }
  });
});
