import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { BLOCK_KEYPOINTS, GOAL_POSE, NUM_KEYPOINTS, type Pose } from './pusht/geometry';
import { pushTSpec } from './pusht/pushTSpec';
import { TOKEN_DIM, TOKEN_TYPE } from './taskSpec';
import { taskSpec, validateTask } from './tasks';
import { actionsToNormalised, actionsToWorld, keypointTokens, writePushTTokens } from './tokens';

const N = NUM_KEYPOINTS + 1;

function tokensAt(pose: Pose, agentX = 100, agentY = 200): Float32Array {
  const out = new Float32Array(N * TOKEN_DIM);
  writePushTTokens(pushTSpec, pose, agentX, agentY, out, 0);
  return out;
}

/** Token k back in pixels. */
function pixel(tokens: Float32Array, k: number): [number, number, number] {
  return [tokens[k * 3] * 256 + 256, tokens[k * 3 + 1] * 256 + 256, tokens[k * 3 + 2] * 256];
}

describe('Push-T tokens', () => {
  it('places keypoints at R(θ)·local + origin and the agent last, z = 0, normalised by (w − 256)/256', () => {
    const pose = { x: 300, y: 180, angle: 0.9 };
    const t = tokensAt(pose, 64, 448);
    const c = Math.cos(pose.angle);
    const s = Math.sin(pose.angle);
    for (let k = 0; k < NUM_KEYPOINTS; k++) {
      const [lx, ly] = BLOCK_KEYPOINTS[k];
      const [x, y, z] = pixel(t, k);
      expect(x).toBeCloseTo(c * lx - s * ly + pose.x, 3);
      expect(y).toBeCloseTo(s * lx + c * ly + pose.y, 3);
      expect(z).toBe(0);
    }
    expect(t[NUM_KEYPOINTS * 3]).toBeCloseTo((64 - 256) / 256, 7);
    expect(t[NUM_KEYPOINTS * 3 + 1]).toBeCloseTo((448 - 256) / 256, 7);
    expect(t[NUM_KEYPOINTS * 3 + 2]).toBe(0);
  });

  it('moves the keypoints rigidly: pairwise distances do not depend on the pose', () => {
    const rng = new Rng(4);
    const dist = (t: Float32Array, i: number, j: number) => {
      const a = pixel(t, i);
      const b = pixel(t, j);
      return Math.hypot(a[0] - b[0], a[1] - b[1]);
    };
    const ref = tokensAt({ x: 256, y: 256, angle: 0 });
    for (let n = 0; n < 5; n++) {
      const t = tokensAt({ x: rng.range(100, 400), y: rng.range(100, 400), angle: rng.range(-Math.PI, Math.PI) });
      for (let i = 0; i < NUM_KEYPOINTS; i++) for (let j = i + 1; j < NUM_KEYPOINTS; j++) expect(dist(t, i, j)).toBeCloseTo(dist(ref, i, j), 3);
    }
  });

  it('converts actions between pixels and normalised units both ways', () => {
    const px = new Float32Array([0, 512, 256, 128]);
    const norm = actionsToNormalised(pushTSpec, px);
    expect(Array.from(norm)).toEqual([-1, 1, 0, -0.5]);
    expect(Array.from(actionsToWorld(pushTSpec, norm))).toEqual([0, 512, 256, 128]);
  });
});

describe('pushTSpec', () => {
  it('describes N = 10 tokens (9 keypoints then the agent), the goal keypoints, 2-D actions', () => {
    expect(pushTSpec.name).toBe('push-t');
    expect(pushTSpec.numTokens).toBe(10);
    expect(Array.from(pushTSpec.tokenTypes)).toEqual([...Array(9).fill(TOKEN_TYPE.objectKeypoint), TOKEN_TYPE.agent]);
    expect(pushTSpec.numGoalTokens).toBe(9);
    expect(Array.from(pushTSpec.goalTokens)).toEqual(Array.from(keypointTokens(pushTSpec, GOAL_POSE)));
    expect(pushTSpec.goalTokens.length).toBe(9 * TOKEN_DIM);
    // The goal's first keypoint, by hand: R(π/4)·(9.27, 90.04) + (256, 256), normalised.
    const r = Math.SQRT1_2;
    expect(pushTSpec.goalTokens[0]).toBeCloseTo((r * 9.27 - r * 90.04) / 256, 6);
    expect(pushTSpec.goalTokens[1]).toBeCloseTo((r * 9.27 + r * 90.04) / 256, 6);
    expect(pushTSpec.actionDim).toBe(2);
    expect(pushTSpec.maxSteps).toBe(300);
    expect(pushTSpec.controlHz).toBe(10);
    expect(pushTSpec.worldOffset).toEqual([256, 256, 0]);
    expect(pushTSpec.worldScale).toEqual([256, 256, 256]);
  });

  it('is found by task name, and unknown task names get a clear error', () => {
    expect(taskSpec('push-t')).toBe(pushTSpec);
    expect(validateTask('push-t')).toBe('push-t');
    expect(() => validateTask('push-4d')).toThrow(/task: "push-4d" is not one of push-t, push-3d/);
    expect(() => taskSpec('')).toThrow(/task: "" is not one of/);
  });
});
