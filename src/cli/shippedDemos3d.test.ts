// The embedded push-3d demonstration dataset (public/data/push-3d-demos.bin) loads, is consistent, and replays.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDemos, episodeObservationRows, episodeStepRows } from '../sim/dataset';
import { PUSH3D_STATE_LAYOUT, zeroState3d, type Push3DState } from '../sim/push3d/push3dEnv';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { push3dTask } from '../sim/push3d/push3dTask';
import { isSuccess, poseErrors, poseScore, zeroErrors } from '../sim/push3d/score';
import { writePush3DTokens } from '../sim/push3d/tokens3d';
import { rowState } from '../sim/simTask';
import { createVecEnv } from '../sim/vecEnv';
import { expectAttemptOrder, expectReplay } from '../testing/shippedDemos';

const FILE = new URL('../../public/data/push-3d-demos.bin', import.meta.url);
const ds = decodeDemos(readFileSync(FILE));
const m = ds.manifest;
const W = push3dSpec.numTokens * 3;
const S = PUSH3D_STATE_LAYOUT.length;

function stateAt(row: number): Push3DState {
  return rowState(push3dTask, ds.states, row * S, zeroState3d()) as Push3DState;
}

const poseOf = (s: Push3DState) => ({ x: s.objectX, y: s.objectY, z: s.objectZ, qx: s.objectQx, qy: s.objectQy, qz: s.objectQz, qw: s.objectQw });

describe('shipped push-3d demonstrations', () => {
  it('is the documented recording: 200 successful expert episodes from seed 0, 14 tokens, 3-D actions, 19 state values', () => {
    expect(m.task).toBe('push-3d');
    expect(m.seed).toBe(0);
    expect(m.episodes).toBe(200);
    expect(m.numTokens).toBe(14);
    expect(m.actionDim).toBe(3);
    expect(m.stateLayout).toEqual([...PUSH3D_STATE_LAYOUT]);
    expect(m.normalisation.worldScale).toEqual([0.3, 0.3, 0.3]);
    expect(m.expert.name).toBe('expert');
    expect(m.expert.successRate).toBeGreaterThanOrEqual(0.85);
    expectAttemptOrder(m);
    expect(ds.tokens.length).toBe((m.steps + m.episodes) * W);
    expect(ds.states.length).toBe(m.steps * S);
    expect(ds.actions.length).toBe(3 * m.steps);
  });

  it('ends every episode at its first success, with rewards equal to the pose score, and never a fall', () => {
    const e = zeroErrors();
    for (let ep = 0; ep < m.episodes; ep++) {
      const [s0, s1] = episodeStepRows(m, ep);
      expect(s1 - s0).toBeLessThanOrEqual(push3dSpec.maxSteps);
      for (let t = s0; t < s1; t++) {
        expect(ds.rewards[t]).toBe(ds.coverage[t]);
        // The state before each step is never a success (the episode would have ended) nor a failure.
        poseErrors(poseOf(stateAt(t)), e);
        if (t > s0) expect(isSuccess(e)).toBe(false);
        expect(e.tilt).toBeLessThan(1);
      }
    }
  });

  it('stores tokens that are the stored states seen through the token map', () => {
    const out = new Float32Array(W);
    const e = zeroErrors();
    for (let ep = 0; ep < m.episodes; ep += 17) {
      const [s0, s1] = episodeStepRows(m, ep);
      const [o0] = episodeObservationRows(m, ep);
      for (let t = s0; t < s1; t++) {
        const s = stateAt(t);
        writePush3DTokens(push3dSpec, poseOf(s), s.pusherX, s.pusherY, s.pusherZ, out, 0);
        const row = o0 + (t - s0);
        expect(ds.tokens.subarray(row * W, (row + 1) * W)).toEqual(out);
        if (t > s0) expect(ds.coverage[t - 1]).toBe(Math.fround(poseScore(poseErrors(poseOf(s), e))));
      }
    }
  });

  it.each([0, 199])('replays episode %i bit for bit from its first state and actions', async (ep) => {
    const env = await createVecEnv(push3dTask, { numEnvs: 1, seed: 0 });
    try {
      expectReplay(env, ds, ep, stateAt);
    } finally {
      env.free();
    }
  });
});
