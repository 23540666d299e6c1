import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { gaussianTensor } from '../nn/noise';
import { FlowPrior, sampleOde, type VelocityFn } from './flowPrior';
import { chainLogProb, sampleSde, type SdeParams, sigmaAt } from './sde';
import { TINY, tinyPrior } from './testFixtures';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const logNormal = (x: number, mean: number, std: number) => -0.5 * ((x - mean) / std) ** 2 - Math.log(std) - HALF_LOG_2PI;

const base = defaultConfig();
const params = (over: Partial<SdeParams>): SdeParams => ({
  sdeSteps: base.sdeSteps,
  sdeMode: base.sdeMode,
  sigmaSchedule: base.sigmaSchedule,
  sigmaMax: base.sigmaMax,
  sigmaMin: base.sigmaMin,
  sigmaFloor: base.sigmaFloor,
  reflexGain: base.reflexGain,
  strategyGain: base.strategyGain,
  ...over,
});

let prior: FlowPrior;
beforeAll(async () => {
  await useNodeBackend('cpu');
  prior = new FlowPrior(tinyPrior, 5);
});
afterAll(() => prior.dispose());

// A hand-checkable velocity field: v(a, τ) = C·a + D·τ.
const C = 0.5;
const D = -0.3;
const linearField: VelocityFn = (a, tau) => tf.tidy(() => tf.add(tf.mul(a, C), D * tau));

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('σ schedules', () => {
  it('constant, linear and cosine run from σ_max at τ = 0 to σ_min at τ = 1', () => {
    const p = params({ sigmaMax: 0.4, sigmaMin: 0.1 });
    expect(sigmaAt(0.3, { ...p, sigmaSchedule: 'constant' })).toBe(0.4);
    expect(sigmaAt(0.5, { ...p, sigmaSchedule: 'linear' })).toBeCloseTo(0.25, 12);
    expect(sigmaAt(0, { ...p, sigmaSchedule: 'cosine' })).toBeCloseTo(0.4, 12);
    expect(sigmaAt(0.5, { ...p, sigmaSchedule: 'cosine' })).toBeCloseTo(0.25, 12);
    expect(sigmaAt(1, { ...p, sigmaSchedule: 'cosine' })).toBeCloseTo(0.1, 12);
  });
});

describe('SDE sampler', () => {
  it('chain log-probability equals a hand computation (K = 2, H = 1, A = 1)', () => {
    const p = params({ sdeSteps: 2, sdeMode: 'chain', sigmaSchedule: 'linear', sigmaMax: 0.4, sigmaMin: 0.1, sigmaFloor: 0.05, reflexGain: 1.5, strategyGain: 2 });
    const b = 0.2;
    const eta = -0.1;
    const m = 1.5 * b + 2 * eta;
    const draws = new Rng(11);
    const [a0, e0, e1] = [draws.normal(), draws.normal(), draws.normal()];
    const dt = 0.5;
    const mean0 = a0 + (C * a0 + D * 0) * dt + m * dt;
    const a1 = mean0 + 0.4 * Math.sqrt(dt) * e0;
    const mean1 = a1 + (C * a1 + D * 0.5) * dt + m * dt;
    const a2 = mean1 + 0.25 * Math.sqrt(dt) * e1;
    const logProb = logNormal(a1, mean0, 0.4 * Math.sqrt(dt)) + logNormal(a2, mean1, 0.25 * Math.sqrt(dt));

    const s = sampleSde({ prior: linearField, horizon: 1, reflex: tf.tensor2d([[b]]), strategy: tf.tensor2d([[eta]]) }, p, new Rng(11));
    expect(values(s.action)[0]).toBeCloseTo(a2, 5);
    expect(values(s.logProb)[0]).toBeCloseTo(logProb, 4);
    expect(values(s.residuals)).toEqual([expect.closeTo(a1 - a0 - C * a0 * dt, 5), expect.closeTo(a2 - a1 - (C * a1 + D * 0.5) * dt, 5)]);
    tf.dispose(s);
  });

  it('terminal log-probability equals a hand computation, with the σ floor', () => {
    const p = params({ sdeSteps: 2, sdeMode: 'terminal', sigmaMax: 0.02, sigmaFloor: 0.05, reflexGain: 1, strategyGain: 1 });
    const draws = new Rng(3);
    const [a0, e] = [draws.normal(), draws.normal()];
    const p1 = a0 + C * a0 * 0.5;
    const p2 = p1 + (C * p1 + D * 0.5) * 0.5;
    const action = p2 + 0.3 + 0.02 * e;
    const s = sampleSde({ prior: linearField, horizon: 1, reflex: tf.tensor2d([[0.1]]), strategy: tf.tensor2d([[0.2]]) }, p, new Rng(3));
    expect(values(s.action)[0]).toBeCloseTo(action, 5);
    expect(values(s.logProb)[0]).toBeCloseTo(logNormal(action, p2 + 0.3, 0.05), 4);
    tf.dispose(s);
  });

  it.each([1, 3])('σ = 0 and b = η = 0 reproduce the deterministic prior ODE sample (K = %i, chain and terminal)', (steps) => {
    const b = 3;
    const enc = prior.encode(gaussianTensor(new Rng(1), [b, TINY.numTokens, 3]), gaussianTensor(new Rng(2), [b, TINY.numGoalTokens, 3]));
    const zero = tf.zeros([b, TINY.actionDim]) as tf.Tensor2D;
    const a0 = gaussianTensor<tf.Rank.R3>(new Rng(7), [b, TINY.horizon, TINY.actionDim]);
    const ode = sampleOde(prior.velocityFn(enc), a0, steps);
    for (const sdeMode of ['chain', 'terminal'] as const) {
      const s = sampleSde({ prior: prior.velocityFn(enc), horizon: TINY.horizon, reflex: zero, strategy: zero }, params({ sdeSteps: steps, sdeMode, sigmaMax: 0, sigmaMin: 0 }), new Rng(7));
      expect(values(s.action)).toEqual(values(ode));
      tf.dispose(s);
    }
    tf.dispose([enc, zero, a0, ode]);
  });

  it('b and η add exactly g_b·b + g_η·η to every element of the final chunk', () => {
    const b = [[0.3, -0.2], [0.05, 0.1]];
    const eta = [[-0.1, 0.4], [0.2, 0]];
    const p = params({ sdeSteps: 4, sigmaSchedule: 'cosine', sigmaMax: 0.3, reflexGain: 0.5, strategyGain: 2 });
    const constantField: VelocityFn = (a) => tf.fill(a.shape, 0.7) as tf.Tensor3D;
    const run = (reflex: number[][], strategy: number[][]) =>
      sampleSde({ prior: constantField, horizon: 3, reflex: tf.tensor2d(reflex), strategy: tf.tensor2d(strategy) }, p, new Rng(9));
    const withCorrections = run(b, eta);
    const without = run([[0, 0], [0, 0]], [[0, 0], [0, 0]]);
    const diff = values(tf.sub(withCorrections.action, without.action));
    diff.forEach((d, i) => {
      const [row, col] = [Math.floor(i / 6), i % 2];
      expect(d).toBeCloseTo(0.5 * b[row][col] + 2 * eta[row][col], 6);
    });
    // The decomposition the UI draws adds up to the action, and its reflex/strategy parts are g·b and g·η.
    const c = withCorrections.contributions;
    const sum = values(tf.addN([c.initial, c.prior, c.reflex, c.strategy, c.noise]));
    values(withCorrections.action).forEach((x, i) => expect(sum[i]).toBeCloseTo(x, 5));
    values(c.reflex).forEach((x, i) => expect(x).toBeCloseTo(0.5 * b[Math.floor(i / 6)][i % 2], 6));
    values(c.prior).forEach((x) => expect(x).toBeCloseTo(0.7, 5));
    tf.dispose([withCorrections, without]);
  });

  it.each(['chain', 'terminal'] as const)('chainLogProb from stored residuals equals the sampler log-probability (%s)', (sdeMode) => {
    const b = 3;
    const p = params({ sdeSteps: 3, sdeMode, sigmaSchedule: 'cosine', sigmaMax: 0.3, sigmaMin: 0.02, sigmaFloor: 0.05, reflexGain: 0.8, strategyGain: 1.2 });
    const enc = prior.encode(gaussianTensor(new Rng(1), [b, TINY.numTokens, 3]), gaussianTensor(new Rng(2), [b, TINY.numGoalTokens, 3]));
    const reflex = gaussianTensor<tf.Rank.R2>(new Rng(3), [b, TINY.actionDim]);
    const strategy = gaussianTensor<tf.Rank.R2>(new Rng(4), [b, TINY.actionDim]);
    const s = sampleSde({ prior: prior.velocityFn(enc), horizon: TINY.horizon, reflex, strategy }, p, new Rng(5));
    expect(s.residuals.shape).toEqual([b, sdeMode === 'chain' ? 3 : 1, TINY.horizon, TINY.actionDim]);
    const recomputed = chainLogProb(s.residuals, reflex, strategy, p);
    const sampled = values(s.logProb);
    values(recomputed).forEach((x, i) => expect(x).toBeCloseTo(sampled[i], 3));
    // Under other corrections the log-probability is lower (the sample came from these ones) and differentiable.
    const shifted = tf.add(reflex, 0.5) as tf.Tensor2D;
    values(chainLogProb(s.residuals, shifted, strategy, p)).forEach((x, i) => expect(x).toBeLessThan(sampled[i]));
    const grad = tf.grad((r: tf.Tensor) => tf.sum(chainLogProb(s.residuals, r as tf.Tensor2D, strategy, p)))(reflex);
    const eps = 1e-2;
    const probe = (delta: number) => tf.sum(chainLogProb(s.residuals, tf.add(reflex, tf.tensor2d([[delta, 0], [0, 0], [0, 0]])) as tf.Tensor2D, strategy, p)).dataSync()[0];
    expect(values(grad)[0]).toBeCloseTo((probe(eps) - probe(-eps)) / (2 * eps), 1);
    tf.dispose([enc, reflex, strategy, s, recomputed, shifted, grad]);
  });

  it('draws the same chunk from the same seed and a different one from another', () => {
    const zero = tf.zeros([2, 2]) as tf.Tensor2D;
    const run = (seed: number) => sampleSde({ prior: linearField, horizon: 3, reflex: zero, strategy: zero }, params({}), new Rng(seed));
    const [a, b, c] = [run(1), run(1), run(2)];
    expect(values(a.action)).toEqual(values(b.action));
    expect(values(a.action)).not.toEqual(values(c.action));
    tf.dispose([a, b, c, zero]);
  });
});
