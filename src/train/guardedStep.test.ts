import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../engine/nodeBackend';
import { Scope } from '../nn/scope';
import { normal } from '../nn/init';
import { EmaWeights, emaDecay } from './ema';
import { GuardedStep, warmupCosineLr } from './guardedStep';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

/** A least-squares problem (w [3] fit to a fixed target) under a GuardedStep that records its log lines. */
function guardedProblem() {
  const scope = Scope.root('toy', 1);
  const w = scope.variable('w', [3], normal(1));
  const target = tf.tensor1d([1, -2, 0.5]);
  const loss = () => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
  const logs: string[] = [];
  const guard = new GuardedStep('toy', scope.variables, (m) => logs.push(m));
  const dispose = () => {
    guard.dispose();
    scope.dispose();
    target.dispose();
  };
  return { w, loss, logs, guard, dispose };
}

const values = (v: tf.Tensor) => Array.from(v.dataSync());

describe('guarded optimiser step', () => {
  it('applies finite steps and reduces the loss', async () => {
    const { loss, logs, guard, dispose } = guardedProblem();
    const first = await guard.step(loss, 0.1);
    let last = first;
    for (let i = 0; i < 50; i++) last = await guard.step(loss, 0.1);
    expect(first.applied && last.applied).toBe(true);
    expect(last.loss).toBeLessThan(0.1 * first.loss);
    expect(first.gradNorm).toBeGreaterThan(0);
    expect(logs).toEqual([]);
    dispose();
  });

  it('skips a NaN loss and keeps the weights', async () => {
    const { w, loss, logs, guard, dispose } = guardedProblem();
    await guard.step(loss, 0.1);
    const before = values(w);
    const r = await guard.step(() => tf.mul(loss(), NaN) as tf.Scalar, 0.1);
    expect(r.applied).toBe(false);
    expect(values(w)).toEqual(before);
    expect(guard.skipped).toBe(1);
    expect(logs).toEqual(['toy: non-finite loss at step 2; update skipped']);
    dispose();
  });

  it('restores the last good weights when a weight has become NaN, and training continues', async () => {
    const { w, loss, logs, guard, dispose } = guardedProblem();
    await guard.step(loss, 0.1);
    const lastGood = values(w); // the weights the next (finite) step starts from
    await guard.step(loss, 0.1);
    w.assign(tf.tensor1d([NaN, 0, 0])); // injected corruption
    const r = await guard.step(loss, 0.1);
    expect(r.applied).toBe(false);
    expect(values(w)).toEqual(lastGood);
    expect(logs).toEqual(['toy: non-finite loss at step 3; update skipped, last good weights restored']);
    expect((await guard.step(loss, 0.1)).applied).toBe(true);
    expect(values(w).every(Number.isFinite)).toBe(true);
    dispose();
  });

  it('skips an infinite gradient with a finite loss', async () => {
    const { w, logs, guard, dispose } = guardedProblem();
    const before = values(w);
    // sqrt'(0) = ∞ while sqrt(0) = 0.
    const r = await guard.step(() => tf.sum(tf.sqrt(tf.mul(w, 0))) as tf.Scalar, 0.1);
    expect(r.loss).toBe(0);
    expect(r.applied).toBe(false);
    expect(values(w)).toEqual(before);
    expect(logs[0]).toMatch(/non-finite gradient norm/);
    dispose();
  });

  it('warms up linearly, then decays by a cosine to zero', () => {
    expect(warmupCosineLr(1, 0, 100, 10)).toBeCloseTo(0.1);
    expect(warmupCosineLr(1, 9, 100, 10)).toBeCloseTo(1);
    expect(warmupCosineLr(1, 10, 100, 10)).toBeCloseTo(1);
    expect(warmupCosineLr(1, 55, 100, 10)).toBeCloseTo(0.5);
    expect(warmupCosineLr(1, 100, 100, 10)).toBeCloseTo(0);
  });
});

describe('EMA weights', () => {
  it('averages with the diffusers schedule and swaps the average in and out', () => {
    expect(emaDecay(0)).toBe(0);
    expect(emaDecay(9)).toBeCloseTo(1 - 10 ** -0.75);
    expect(emaDecay(1e9)).toBe(0.9999);
    const scope = Scope.root('toy', 1);
    const w = scope.variable('w', [1], normal(1));
    const ema = new EmaWeights(scope.variables.values());
    w.assign(tf.tensor1d([2]));
    ema.update(); // decay 0: the average becomes 2
    w.assign(tf.tensor1d([4]));
    ema.update(); // decay 1 − 2^−0.75
    const d = emaDecay(1);
    ema.swap();
    expect(values(w)[0]).toBeCloseTo(2 * d + 4 * (1 - d), 5);
    expect(() => ema.update()).toThrow(/swapped/);
    ema.swap();
    expect(values(w)[0]).toBe(4);
    ema.dispose();
    scope.dispose();
  });
});
