import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { Scope } from '../nn/scope';
import { normal } from '../nn/init';
import { Adam } from './adam';
import { paramGroup } from './paramGroup';
import { clippedPolicyLoss, clippedValueLoss, explainedVariance, lrFraction, ppoUpdate, type EvaluateFn, type PpoParams } from './ppo';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const EPS = 0.2;

/** d pgLoss / d newLogProb for one sample with old log-prob 0, so ratio = exp(newLogProb). */
function policyGrad(ratio: number, advantage: number): number {
  return tf.tidy(() => {
    const g = tf.grad((newLogProb: tf.Tensor) => clippedPolicyLoss(newLogProb as tf.Tensor1D, tf.tensor1d([0]), tf.tensor1d([advantage]), EPS));
    return g(tf.tensor1d([Math.log(ratio)])).dataSync()[0];
  });
}

describe('clipped surrogate', () => {
  it('has zero gradient outside the clip range on the side where clipping binds, −A·r inside', () => {
    // A > 0: clipping binds above 1 + ε (no more credit for raising the probability); below 1 − ε it does not.
    expect(policyGrad(1.5, 1)).toBe(0);
    expect(policyGrad(0.5, 1)).toBeCloseTo(-0.5, 6);
    // A < 0: clipping binds below 1 − ε; above 1 + ε the (pessimistic) unclipped term still pulls back.
    expect(policyGrad(0.5, -1)).toBe(0);
    expect(policyGrad(1.5, -1)).toBeCloseTo(1.5, 6);
    // Inside the range: the plain surrogate −A·r, whose derivative in log r is −A·r.
    expect(policyGrad(1.1, 2)).toBeCloseTo(-2.2, 5);
    expect(policyGrad(0.9, -2)).toBeCloseTo(1.8, 5);
  });

  it('value loss is ½·MSE unclipped, and the clipped version never rewards a step beyond valueClip', () => {
    const loss = (v: number, clip: number) => tf.tidy(() => clippedValueLoss(tf.tensor1d([v]), tf.tensor1d([0]), tf.tensor1d([1]), clip).dataSync()[0]);
    expect(loss(0.5, 0)).toBeCloseTo(0.125, 6);
    // Moving 0.5 towards the return with clip 0.2: the clipped prediction 0.2 still errs by 0.8.
    expect(loss(0.5, 0.2)).toBeCloseTo(0.5 * 0.8 * 0.8, 6);
    expect(loss(0.1, 0.2)).toBeCloseTo(0.5 * 0.9 * 0.9, 6);
  });
});

describe('small helpers', () => {
  it('explained variance is 1 for a perfect critic and 0 for the mean', () => {
    const returns = Float32Array.from([1, 2, 3, 6]);
    expect(explainedVariance(returns, returns)).toBe(1);
    expect(explainedVariance(new Float32Array(4).fill(3), returns)).toBeCloseTo(0, 6);
  });

  it('anneals linearly from the base rate, reaching 1/N of it on the last iteration', () => {
    expect(lrFraction(0, 10, true)).toBe(1);
    expect(lrFraction(9, 10, true)).toBeCloseTo(0.1, 12);
    expect(lrFraction(9, 10, false)).toBe(1);
  });

  it('Adam takes a first step of lr·g/(|g| + eps) and keeps its moments in named variables', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam('opt', new Map([['w', p]]));
    adam.apply([tf.tensor1d([0.5, -4])], 0.1);
    const expected = [1 - (0.1 * 0.5) / (0.5 + 1e-5), -2 + (0.1 * 4) / (4 + 1e-5)];
    Array.from(p.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5)); // float32: 1 − 0.999 loses ~5 digits
    expect([...adam.variables.keys()]).toEqual(['opt/m', 'opt/v', 'opt/step']);
    expect(adam.variables.get('opt/step')!.dataSync()[0]).toBe(1);
    adam.dispose();
    p.dispose();
  });
});

describe('ppoUpdate', () => {
  const N = 64;
  const params: PpoParams = { ...defaultConfig(), clipEps: 0.2, epochs: 2, minibatches: 4, targetKl: 0 };

  /** A one-parameter "policy" (log-prob = θ·x) and a one-parameter critic (value = w·x) on fixed inputs x. */
  function toyAgent(nanFromCall = Infinity) {
    const policy = Scope.root('policy', 1);
    const theta = policy.variable('theta', [1], normal(0.1));
    const critic = Scope.root('critic', 2);
    const w = critic.variable('w', [1], normal(0.1));
    const x = Float32Array.from({ length: N }, (_, i) => Math.sin(i));
    let calls = 0;
    const evaluate: EvaluateFn = (indices) => {
      const xs = tf.tensor1d(Array.from(indices, (i) => x[i]));
      const nan = ++calls >= nanFromCall ? NaN : 0;
      return { newLogProb: tf.add(tf.mul(theta, xs), nan) as tf.Tensor1D, newValue: tf.mul(w, xs) as tf.Tensor1D };
    };
    const batch = {
      oldLogProbs: Float32Array.from(x, (xi) => theta.dataSync()[0] * xi),
      oldValues: Float32Array.from(x, (xi) => w.dataSync()[0] * xi),
      advantages: Float32Array.from(x, (xi) => xi),
      returns: Float32Array.from(x, (xi) => 2 * xi),
    };
    const policyGroup = paramGroup('policy', policy.variables, 0.01);
    const criticGroup = paramGroup('critic', critic.variables, 0.01);
    const dispose = () => [policy, critic, policyGroup.optimizer, criticGroup.optimizer].forEach((m) => m.dispose());
    return { theta, w, evaluate, batch, policyGroup, criticGroup, dispose };
  }
  const options = (a: ReturnType<typeof toyAgent>, trainPolicy = true, log: (m: string) => void = () => {}) => ({
    policyGroups: [a.policyGroup],
    criticGroup: a.criticGroup,
    trainPolicy,
    lrFraction: 1,
    rng: new Rng(3),
    log,
  });

  it('starts from ratio exactly 1, runs epochs × minibatches, and moves θ up the advantage', async () => {
    const a = toyAgent();
    const theta0 = a.theta.dataSync()[0];
    const stats = await ppoUpdate(a.evaluate, a.batch, params, options(a));
    expect(stats.firstRatioError).toBe(0);
    expect(stats.minibatchesRun).toBe(8);
    expect(stats.rolledBack).toBeNull();
    expect(stats.entropy).toBeNull();
    expect(a.theta.dataSync()[0]).toBeGreaterThan(theta0); // advantage = x, log-prob = θ·x: raising θ helps
    a.dispose();
  });

  it('trains only the critic during warm-up', async () => {
    const a = toyAgent();
    const theta0 = a.theta.dataSync()[0];
    const w0 = a.w.dataSync()[0];
    await ppoUpdate(a.evaluate, a.batch, params, options(a, false));
    expect(a.theta.dataSync()[0]).toBe(theta0);
    expect(a.w.dataSync()[0]).not.toBe(w0);
    a.dispose();
  });

  it('stops early once approximate KL passes targetKl', async () => {
    const a = toyAgent();
    const stats = await ppoUpdate(a.evaluate, a.batch, { ...params, targetKl: 1e-9 }, options(a));
    expect(stats.stoppedEarly).toBe(true);
    expect(stats.minibatchesRun).toBe(2); // the first step has KL 0; the second sees the moved policy
    a.dispose();
  });

  it('rolls every trained variable and optimizer state back when a loss turns NaN, and says so', async () => {
    const a = toyAgent(3);
    const before = [a.theta, a.w, ...a.policyGroup.optimizer.variables.values(), ...a.criticGroup.optimizer.variables.values()].map((v) => Array.from(v.dataSync()));
    const messages: string[] = [];
    const stats = await ppoUpdate(a.evaluate, a.batch, params, options(a, true, (m) => messages.push(m)));
    const after = [a.theta, a.w, ...a.policyGroup.optimizer.variables.values(), ...a.criticGroup.optimizer.variables.values()].map((v) => Array.from(v.dataSync()));
    expect(after).toEqual(before);
    expect(stats.rolledBack).toMatch(/non-finite loss.*minibatch 2/);
    expect(messages.join('\n')).toMatch(/rolled back/);
    a.dispose();
  });

  it('leaves no tensors behind', async () => {
    const a = toyAgent();
    await ppoUpdate(a.evaluate, a.batch, params, options(a));
    const start = tf.memory().numTensors;
    await ppoUpdate(a.evaluate, a.batch, params, options(a));
    expect(tf.memory().numTensors).toBe(start);
    a.dispose();
  });
});
