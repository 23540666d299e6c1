// Φ's event replays on push-3d's shipped demonstrations: they hold the tipped pillar no demonstration shows, each
// rollout's transitions chain (the step after the event sees the jump in its previous step), and a seed fixes them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { decodeDemos } from '../sim/dataset';
import { TOKEN_DIM } from '../sim/taskSpec';
import { indexSteps } from './demoData';
import { replayEventTransitions, type EventTransitions } from './replayTransitions';

const demos = decodeDemos(readFileSync(new URL('../../public/data/push-3d-demos.bin', import.meta.url)));
const index = indexSteps(demos, [0, 1, 2, 3]);
const N = demos.manifest.numTokens * TOKEN_DIM;
const A = demos.manifest.actionDim;
const STEPS = 6;
/** The object's six bottom corners are its first six tokens. */
const BOTTOM_CORNERS = 6;

/** How far a token set's bottom corners are from level: max − min of their z (normalised units). */
function bottomTilt(tokens: Float32Array, row: number): number {
  const z = Array.from({ length: BOTTOM_CORNERS }, (_, k) => tokens[row * N + k * TOKEN_DIM + 2]);
  return Math.max(...z) - Math.min(...z);
}

function maxTilt(tokens: Float32Array, rows: number): number {
  let max = 0;
  for (let r = 0; r < rows; r++) max = Math.max(max, bottomTilt(tokens, r));
  return max;
}

const row = (f: Float32Array, r: number, size: number) => Array.from(f.subarray(r * size, (r + 1) * size));

describe('replayEventTransitions (push-3d)', () => {
  it('records the motion after tilts, kicks and displacements, chained step by step, the same for a seed', async () => {
    // One rollout at a time, so that a call's rows are one rollout's steps in order.
    const rollouts: EventTransitions[] = [];
    for (let seed = 0; seed < 12; seed++) rollouts.push(await replayEventTransitions(demos, index, 0.1, 1, STEPS, new Rng(seed)));
    for (const t of rollouts) {
      expect(t.count).toBeGreaterThan(0);
      expect(t.count).toBeLessThanOrEqual(STEPS - 1);
      expect(Array.from(t.sinceEvent)).toEqual(Array.from({ length: t.count }, (_, r) => r + 1));
      for (let r = 1; r < t.count; r++) {
        expect(row(t.prevTokens, r, N)).toEqual(row(t.tokens, r - 1, N));
        expect(row(t.prevActions, r, A)).toEqual(row(t.actions, r - 1, A));
        expect(row(t.tokens, r, N)).toEqual(row(t.next, r - 1, N));
      }
    }
    // The demonstrations keep the pillar upright; some rollouts' first transition starts from a tipped one.
    const upright = maxTilt(demos.tokens, demos.tokens.length / N);
    const tipped = rollouts.filter((t) => bottomTilt(t.tokens, 0) > 3 * upright + 1e-3).length;
    expect(tipped).toBeGreaterThanOrEqual(2);
    // The step after the event sees the jump: its previous tokens are the pre-event state's (level bottom).
    for (const t of rollouts) if (bottomTilt(t.tokens, 0) > 3 * upright + 1e-3) expect(bottomTilt(t.prevTokens, 0)).toBeLessThanOrEqual(upright + 1e-6);

    // Batched as training draws them, the same seed gives the same transitions.
    const again = async () => replayEventTransitions(demos, index, 0.1, 40, STEPS, new Rng(7));
    const [a, b] = [await again(), await again()];
    expect(a.count).toBe(b.count);
    expect(Buffer.from(a.next.buffer).equals(Buffer.from(b.next.buffer))).toBe(true);
    expect(Buffer.from(a.actions.buffer).equals(Buffer.from(b.actions.buffer))).toBe(true);
  }, 60_000);

  it('refuses a rollout too short to record a step after its event', async () => {
    await expect(replayEventTransitions(demos, index, 0.1, 1, 1, new Rng(0))).rejects.toThrow('at least 2 steps');
  });
});
