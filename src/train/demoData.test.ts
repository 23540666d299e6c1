import { describe, expect, it } from 'vitest';
import { decodeDemos, encodeDemos, STATE_DIM, type DemoDataset } from '../sim/dataset';
import { concatTransitions, demoTransitions, gatherPriorBatch, indexSteps, pickTransitions, splitEpisodes } from './demoData';

/**
 * Two episodes of 3 and 2 steps, N = 1 token, A = 2. Token values encode (observation row), actions encode
 * (10·step row + 1, 10·step row + 2), so every gathered number says where it came from.
 */
function tinyDemos(): DemoDataset {
  const lengths = [3, 2];
  const steps = 5;
  const observations = steps + lengths.length;
  const tokens = Float32Array.from({ length: observations * 3 }, (_, i) => Math.floor(i / 3));
  const actions = Float32Array.from({ length: steps * 2 }, (_, i) => 10 * Math.floor(i / 2) + (i % 2) + 1);
  const bytes = encodeDemos(
    {
      task: 'push-t',
      seed: 0,
      episodes: 2,
      numTokens: 1,
      tokenDim: 3,
      actionDim: 2,
      episodeSeeds: [7, 8],
      episodeLengths: lengths,
      normalisation: { worldScale: [1, 1, 1], worldOffset: [0, 0, 0], rule: 'identity' },
      expert: { name: 'hand', attempts: 2, successes: 2, successRate: 1, meanLength: 2.5, meanMaxCoverage: 1 },
    },
    { tokens, states: new Float64Array(steps * STATE_DIM), actions, rewards: new Float32Array(steps), coverage: new Float32Array(steps) },
  );
  return decodeDemos(bytes);
}

describe('demonstration examples', () => {
  const demos = tinyDemos();

  it('pads action chunks past the episode end with the last action (hand-checked)', () => {
    const index = indexSteps(demos, [0, 1]);
    expect(Array.from(index.stepRows)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(index.obsRows)).toEqual([0, 1, 2, 4, 5]); // episode 1's observations start after episode 0's T+1 rows
    const batch = gatherPriorBatch(demos, index, [1, 3, 4], 4);
    expect(Array.from(batch.tokens)).toEqual([1, 1, 1, 4, 4, 4, 5, 5, 5]);
    // Step 1 of episode 0 (rows 0–2): actions of rows 1, 2, then row 2 repeated.
    expect(Array.from(batch.chunks.subarray(0, 8))).toEqual([11, 12, 21, 22, 21, 22, 21, 22]);
    // Step 0 of episode 1 (rows 3–4): rows 3, 4, then 4 repeated — never episode 0's actions or beyond.
    expect(Array.from(batch.chunks.subarray(8, 16))).toEqual([31, 32, 41, 42, 41, 42, 41, 42]);
    // The last step of an episode: its own action H times.
    expect(Array.from(batch.chunks.subarray(16, 24))).toEqual([41, 42, 41, 42, 41, 42, 41, 42]);
  });

  it('pairs each step with the observation before and after it, within its episode', () => {
    const t = demoTransitions(demos, indexSteps(demos, [1, 0]));
    expect(t.count).toBe(5);
    // Episode 1 first (the order asked for): steps 3, 4 with observations 4→5, 5→6.
    expect(Array.from(t.tokens.filter((_, i) => i % 3 === 0))).toEqual([4, 5, 0, 1, 2]);
    expect(Array.from(t.next.filter((_, i) => i % 3 === 0))).toEqual([5, 6, 1, 2, 3]);
    expect(Array.from(t.actions)).toEqual([31, 32, 41, 42, 1, 2, 11, 12, 21, 22]);
    const picked = pickTransitions(concatTransitions([t, t]), [9, 0]);
    expect(Array.from(picked.actions)).toEqual([21, 22, 31, 32]);
    expect(() => pickTransitions(t, [5])).toThrow(/row 5 is not in \[0, 5\)/);
  });

  it('splits episodes reproducibly, disjointly and completely', () => {
    const a = splitEpisodes(50, 3);
    expect(a).toEqual(splitEpisodes(50, 3));
    expect(a.heldOut).toHaveLength(5);
    expect([...a.train, ...a.heldOut].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(splitEpisodes(50, 4).heldOut).not.toEqual(a.heldOut);
    expect(splitEpisodes(2, 0).heldOut).toHaveLength(1);
    expect(splitEpisodes(1, 0)).toEqual({ train: [0], heldOut: [] });
    expect(() => indexSteps(demos, [2])).toThrow(/episode 2 is not in \[0, 2\)/);
  });
});
