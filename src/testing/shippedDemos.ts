// Checks the tests of both shipped demonstration datasets share (src/cli/shippedDemos*.test.ts): the
// recorded episodes are the expert's successful attempts in attempt order, and an episode replays bit for bit.
import { expect } from 'vitest';
import { demoAttemptSeed } from '../eval/recordDemos';
import { episodeObservationRows, episodeStepRows, type DemoDataset, type DemoManifest } from '../sim/dataset';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import type { VecEnv } from '../sim/vecEnv';

/** The recorded episodes are the expert's successful attempts (seed 0), in attempt order. */
export function expectAttemptOrder(m: DemoManifest): void {
  const attemptSeeds = Array.from({ length: m.expert.attempts }, (_, k) => demoAttemptSeed(0, k));
  let k = 0;
  for (const s of m.episodeSeeds) {
    while (attemptSeeds[k] !== s) k++;
    expect(k).toBeLessThan(attemptSeeds.length);
  }
}

/** Episode `e` of `ds`, replayed in env 0 of `env` from its first stored state with the stored actions,
 * gives the stored observations and scores bit for bit and ends solved. */
export function expectReplay<Sim, State extends object, P extends TaskPerturbation>(env: VecEnv<Sim, State, P>, ds: DemoDataset, e: number, stateAt: (row: number) => State): void {
  const m = ds.manifest;
  const W = m.numTokens * 3;
  const A = m.actionDim;
  const [s0, s1] = episodeStepRows(m, e);
  const [o0] = episodeObservationRows(m, e);
  env.setState(0, stateAt(s0));
  expect(env.tokens).toEqual(ds.tokens.subarray(o0 * W, (o0 + 1) * W));
  for (let t = s0; t < s1; t++) {
    env.step(ds.actions.subarray(A * t, A * t + A));
    const row = o0 + (t - s0) + 1;
    expect(env.dones[0] ? env.finalTokens : env.tokens).toEqual(ds.tokens.subarray(row * W, (row + 1) * W));
    expect(env.coverage[0]).toBe(ds.coverage[t]);
  }
  expect(env.success[0]).toBe(1);
}
