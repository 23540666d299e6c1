// The MeanFlow pieces against cases with known answers: the finite-difference flow derivative and the identity's
// target on an analytic average velocity, the one-step prior at initialisation against the K-step prior it starts
// from, and the closed loop sampling a MeanFlow prior with one network evaluation per chunk.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { gaussianTensor } from '../nn/noise';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_NETS } from '../testing/tinyConfig';
import { ClosedLoop } from './closedLoop';
import { FlowPrior, flowPriorConfig } from './flowPrior';
import { adaptiveWeight, averageVelocityFromStart, flowDerivative, meanFlowFromPrior, meanFlowSample, meanFlowTarget } from './meanFlow';
import { goalTokensBatch } from './stateTokens';

const spec = pushTSpec;
const tiny: Config = { ...defaultConfig(), ...TINY_NETS };
const B = 3;

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** The exponential flow dz/dτ = λ·z: z_t = z_r·e^{λh}, h = t − r, so u(z_r, r, t) = (z_t − z_r)/h = z_r·(e^{λh} − 1)/h. */
function exponentialFlow(lambda: number, t: tf.Tensor1D) {
  const u = (zR: tf.Tensor3D, r: tf.Tensor1D) =>
    tf.tidy(() => {
      const h = tf.reshape(tf.sub(t, r), [-1, 1, 1]);
      return tf.mul(zR, tf.div(tf.sub(tf.exp(tf.mul(lambda, h)), 1), h)) as tf.Tensor3D;
    });
  const v = (z: tf.Tensor3D) => tf.mul(z, lambda) as tf.Tensor3D;
  return { u, v };
}

describe('MeanFlow', () => {
  it('the finite-difference flow derivative matches v·∂_z u + ∂_r u of an analytic u', () => {
    // u(z, r) = sin(3r)·z² + r³ elementwise, with any v: d/dr u = v·2z·sin(3r) + 3cos(3r)·z² + 3r².
    const u = (z: tf.Tensor3D, r: tf.Tensor1D) =>
      tf.tidy(() => {
        const rr = tf.reshape(r, [-1, 1, 1]);
        return tf.add(tf.mul(tf.sin(tf.mul(rr, 3)), tf.square(z)), tf.pow(rr, 3)) as tf.Tensor3D;
      });
    const rng = new Rng(1);
    const z = gaussianTensor<tf.Rank.R3>(rng, [B, 4, 2]);
    const v = gaussianTensor<tf.Rank.R3>(rng, [B, 4, 2]);
    const rValues = Float32Array.from([0.1, 0.5, 0.9]);
    const r = tf.tensor1d(rValues);
    const rr = tf.reshape(r, [-1, 1, 1]);
    const exact = tf.add(tf.add(tf.mul(tf.mul(v, tf.mul(z, 2)), tf.sin(tf.mul(rr, 3))), tf.mul(tf.mul(tf.cos(tf.mul(rr, 3)), 3), tf.square(z))), tf.mul(tf.square(rr), 3));
    const { derivative, value } = flowDerivative(u, z, rValues, Float32Array.from([1, 1, 1]), v, 1e-3);
    // Central: float32 rounding over 2δ dominates (~1e-7·|u| / 2e-3); the O(δ²) curvature term is ~1e-5.
    expect(maxAbs(derivative, exact)).toBeLessThan(2e-3);
    expect(maxAbs(value, u(z, r))).toBeLessThan(1e-4);
    // At the ends of 0 ≤ r ≤ t (r = 0; r = t = 0.5; r = t = 0) the difference is one-sided and never leaves them.
    const seen: number[] = [];
    const spy = (zz: tf.Tensor3D, ri: tf.Tensor1D) => (seen.push(...ri.dataSync()), u(zz, ri));
    const ends = flowDerivative(spy, z, Float32Array.from([0, 0.5, 0]), Float32Array.from([1, 0.5, 0]), v, 1e-3);
    expect(seen.slice(0, 2).every((x) => x >= 0) && Math.max(seen[1], seen[4]) <= 0.5).toBe(true);
    const rEnds = tf.tensor1d([0, 0.5, 0]);
    const rrEnds = tf.reshape(rEnds, [-1, 1, 1]);
    const exactEnds = tf.add(tf.add(tf.mul(tf.mul(v, tf.mul(z, 2)), tf.sin(tf.mul(rrEnds, 3))), tf.mul(tf.mul(tf.cos(tf.mul(rrEnds, 3)), 3), tf.square(z))), tf.mul(tf.square(rrEnds), 3));
    // One-sided: error O(δ)·|u''| (~1e-2 here).
    expect(maxAbs(ends.derivative, exactEnds)).toBeLessThan(3e-2);
    tf.dispose([z, v, r, rr, exact, derivative, value, ends, rEnds, rrEnds, exactEnds]);
  });

  it('the MeanFlow target v + (t − r)·d/dr u reproduces the analytic average velocity of a flow (this project’s τ direction)', () => {
    const [tValues, rValues] = [Float32Array.from([1, 0.8, 0.6]), Float32Array.from([0.2, 0.3, 0.55])];
    const [t, r] = [tf.tensor1d(tValues), tf.tensor1d(rValues)];
    const flow = exponentialFlow(1.5, t);
    const z = gaussianTensor<tf.Rank.R3>(new Rng(2), [B, 4, 2]);
    const v = flow.v(z);
    const { derivative } = flowDerivative(flow.u, z, rValues, tValues, v, 1e-3);
    const target = meanFlowTarget(v, tf.sub(t, r) as tf.Tensor1D, derivative);
    const truth = flow.u(z, r);
    expect(maxAbs(target, truth)).toBeLessThan(2e-3);
    // The identity's sign matters: with the paper's direction (v − h·du/dr) the target is off by far more.
    const wrongSign = tf.sub(v, tf.mul(tf.reshape(tf.sub(t, r), [-1, 1, 1]), derivative));
    expect(maxAbs(wrongSign, truth)).toBeGreaterThan(0.1);
    // And z_t = z_r + h·u lands on the flow's exact solution.
    const zT = tf.add(z, tf.mul(tf.reshape(tf.sub(t, r), [-1, 1, 1]), truth));
    expect(maxAbs(zT, tf.mul(z, tf.reshape(tf.exp(tf.mul(1.5, tf.sub(t, r))), [-1, 1, 1])))).toBeLessThan(1e-5);
    tf.dispose([t, r, z, v, derivative, target, truth, wrongSign, zT]);
  });

  it('rejects a finite-difference step that is not positive, naming the field', () => {
    const z = tf.zeros([1, 4, 2]) as tf.Tensor3D;
    const r = Float32Array.from([0]);
    expect(() => flowDerivative((x) => x, z, r, r, z, 0)).toThrow(/meanflowFdStep: 0/);
    expect(() => flowDerivative((x) => x, z, r, r, z, NaN)).toThrow(/meanflowFdStep/);
    tf.dispose(z);
  });

  it('at initialisation the one-step prior is the K-step prior exactly: u(z, r, t) = v(z, r) for every interval, r = t included', () => {
    const kStep = new FlowPrior(flowPriorConfig(tiny, spec), 3);
    const oneStep = meanFlowFromPrior(kStep, 9);
    expect(oneStep.config.meanFlow).toBe(true);
    expect(kStep.config.meanFlow).toBeUndefined();
    const rng = new Rng(4);
    const tokens = gaussianTensor<tf.Rank.R3>(rng, [B, spec.numTokens, 3]);
    const goal = goalTokensBatch(spec, B);
    const z = gaussianTensor<tf.Rank.R3>(rng, [B, tiny.horizon, spec.actionDim]);
    const tau = tf.tensor1d([0, 0.4, 0.93]);
    const v = kStep.velocity(kStep.encode(tokens, goal), z, tau);
    const encoded = oneStep.encode(tokens, goal);
    for (const h of [0, 0.25, 1]) expect(maxAbs(oneStep.averageVelocity(encoded, z, tau, h), v)).toBe(0);
    expect(maxAbs(oneStep.velocity(encoded, z, tau), v)).toBe(0);
    // A K-step prior has no average velocity; a MeanFlow prior cannot be the teacher.
    expect(() => kStep.averageVelocity(kStep.encode(tokens, goal), z, tau, 1)).toThrow(/MeanFlow prior/);
    expect(() => meanFlowFromPrior(oneStep, 1)).toThrow(/already a MeanFlow prior/);
    tf.dispose([tokens, goal, z, tau, v, encoded]);
    kStep.dispose();
    oneStep.dispose();
  });

  it('the closed loop samples a MeanFlow prior with one network evaluation per chunk, a = a_0 + u(a_0, 0, 1), whatever K', async () => {
    const prior = meanFlowFromPrior(new FlowPrior(flowPriorConfig(tiny, spec), 5), 6);
    const spy = vi.spyOn(prior, 'averageVelocity');
    const loop = new ClosedLoop({ prior, world: null, reflex: null, strategy: null }, spec, 2);
    loop.resetEnv(0, 11);
    loop.resetEnv(1, 12);
    const tokens = gaussianTensor<tf.Rank.R3>(new Rng(7), [2, spec.numTokens, 3]);
    const flat = tokens.dataSync() as Float32Array;
    const before = tf.memory().numTensors;
    const p = { ...tiny, sdeSteps: 10, sigmaMax: 0, sigmaMin: 0, executeSteps: tiny.horizon };
    await loop.decide(flat, Int32Array.from([0, 1]), p);
    expect(spy).toHaveBeenCalledTimes(1);
    const step = await loop.act(flat, p);
    // K does not enter: the same episode seeds with K = 1 give the same actions.
    const oneK = new ClosedLoop({ prior, world: null, reflex: null, strategy: null }, spec, 2);
    oneK.resetEnv(0, 11);
    oneK.resetEnv(1, 12);
    await oneK.decide(flat, Int32Array.from([0, 1]), { ...p, sdeSteps: 1 });
    expect(Array.from((await oneK.act(flat, { ...p, sdeSteps: 1 })).actions)).toEqual(Array.from(step.actions));
    expect(spy).toHaveBeenCalledTimes(2);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(tokens);
    prior.dispose();
  });

  it('meanFlowSample adds the average velocity over [0, 1] to a_0', () => {
    const prior = meanFlowFromPrior(new FlowPrior(flowPriorConfig(tiny, spec), 5), 6);
    const rng = new Rng(8);
    const tokens = gaussianTensor<tf.Rank.R3>(rng, [B, spec.numTokens, 3]);
    const encoded = prior.encode(tokens, goalTokensBatch(spec, B));
    const a0 = gaussianTensor<tf.Rank.R3>(rng, [B, tiny.horizon, spec.actionDim]);
    const byHand = tf.add(a0, prior.averageVelocity(encoded, a0, 0, 1));
    expect(maxAbs(meanFlowSample(prior, encoded, a0), byHand)).toBe(0);
    const uFromStart = averageVelocityFromStart(prior, encoded, tf.ones([B]) as tf.Tensor1D);
    expect(maxAbs(uFromStart(a0, tf.zeros([B]) as tf.Tensor1D), prior.averageVelocity(encoded, a0, 0, 1))).toBeLessThan(1e-6);
    tf.dispose([tokens, encoded, a0, byHand]);
    prior.dispose();
  });

  it('weights examples adaptively, 1 / (e + c)^p, p = 0 being the plain squared error', () => {
    expect(adaptiveWeight(0.5, 0)).toBe(1);
    expect(adaptiveWeight(0.999, 1)).toBeCloseTo(1, 12);
    expect(adaptiveWeight(0.015, 0.5)).toBeCloseTo(1 / Math.sqrt(0.016), 12);
  });
});
