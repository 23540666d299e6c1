// The embedded demonstration dataset (public/data/push-t-demos.bin) loads, is consistent, and replays.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATE_DIM, decodeDemos, encodeDemosNpz, episodeObservationRows, episodeStepRows } from '../sim/dataset';
import { SUCCESS_COVERAGE, pushTReward } from '../sim/pusht/geometry';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { writePushTTokens } from '../sim/tokens';
import { PushTVecEnv } from '../sim/vecEnv';
import { expectAttemptOrder, expectReplay } from '../testing/shippedDemos';

const FILE = new URL('../../public/data/push-t-demos.bin', import.meta.url);
const ds = decodeDemos(readFileSync(FILE));
const m = ds.manifest;
const W = pushTSpec.numTokens * 3;

function stateAt(row: number) {
  const s = ds.states.subarray(row * STATE_DIM, (row + 1) * STATE_DIM);
  return { agentX: s[0], agentY: s[1], agentVx: s[2], agentVy: s[3], blockX: s[4], blockY: s[5], blockAngle: s[6] };
}

describe('shipped Push-T demonstrations', () => {
  it('is the documented recording: 200 successful expert episodes from seed 0', () => {
    expect(m.task).toBe('push-t');
    expect(m.seed).toBe(0);
    expect(m.episodes).toBe(200);
    expect(m.numTokens).toBe(pushTSpec.numTokens);
    expect(m.expert.name).toBe('expert');
    expect(m.expert.successes).toBe(200);
    expect(m.expert.successRate).toBeGreaterThanOrEqual(0.85);
    expectAttemptOrder(m);
    expect(ds.tokens.length).toBe((m.steps + m.episodes) * W);
    expect(ds.actions.length).toBe(2 * m.steps);
  });

  it('ends every episode at its first success, with rewards matching coverage', () => {
    for (let e = 0; e < m.episodes; e++) {
      const [s0, s1] = episodeStepRows(m, e);
      expect(s1 - s0).toBeLessThanOrEqual(pushTSpec.maxSteps);
      for (let t = s0; t < s1; t++) {
        expect(ds.coverage[t] > SUCCESS_COVERAGE).toBe(t === s1 - 1);
        // Both are float32 roundings of values computed from the same float64 coverage.
        expect(Math.abs(ds.rewards[t] - pushTReward(ds.coverage[t]))).toBeLessThan(1e-6);
      }
    }
  });

  it('stores tokens that are the stored states seen through the token map', () => {
    const out = new Float32Array(W);
    for (let e = 0; e < m.episodes; e += 17) {
      const [s0, s1] = episodeStepRows(m, e);
      const [o0] = episodeObservationRows(m, e);
      for (let t = s0; t < s1; t++) {
        const s = stateAt(t);
        writePushTTokens(pushTSpec, { x: s.blockX, y: s.blockY, angle: s.blockAngle }, s.agentX, s.agentY, out, 0);
        const row = o0 + (t - s0);
        expect(ds.tokens.subarray(row * W, (row + 1) * W)).toEqual(out);
      }
    }
  });

  it.each([0, 199])('replays episode %i bit for bit from its first state and actions', async (e) => {
    const env = await PushTVecEnv.create({ numEnvs: 1, seed: 0 });
    try {
      expectReplay(env, ds, e, stateAt);
    } finally {
      env.free();
    }
  });

  it('exports to .npz with the documented arrays', () => {
    const npz = encodeDemosNpz(ds);
    const text = new TextDecoder('latin1').decode(npz);
    for (const [name, shape] of [
      ['tokens', `(${m.observations}, 10, 3)`],
      ['states', `(${m.steps}, 7)`],
      ['actions', `(${m.steps}, 2)`],
      ['rewards', `(${m.steps},)`],
      ['episode_lengths', `(200,)`],
    ]) {
      expect(text).toContain(`${name}.npy`);
      expect(text).toContain(`'shape': ${shape}`);
    }
  });
});
