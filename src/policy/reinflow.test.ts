// ReinFlow's pieces of the sampler: the learned noise scale σ_k(s) of a noise-rate strategy (ReinFlow's noise net)
// stays in its bounds, and the chain's log-probability (reinflowStepLogProbs) equals the sum of per-step Gaussians
// computed here by hand, normalised per step, dimension and executed chunk step.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import type { VelocityFn } from './flowPrior';
import { chainMeans, reinflowEntropy, reinflowSigma, reinflowStepLogProbs, sampleSde, type SdeParams } from './sde';
import { Strategy, strategyConfig } from './strategy';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const logNormal = (x: number, mean: number, std: number) => -0.5 * ((x - mean) / std) ** 2 - Math.log(std) - HALF_LOG_2PI;

const [K, H, A, B] = [2, 3, pushTSpec.actionDim, 2];
const [LO, HI] = [0.08, 0.24];
const config: Config = { ...defaultConfig(), strategyRate: 'noise', sdeSteps: K, horizon: H, sigmaMin: LO, sigmaMax: HI, strategyWidth: 8 };
const sde: SdeParams = { ...config, sdeMode: 'chain', reflexGain: 0 };

// A hand-checkable velocity field: v(a, τ) = C·a + D·τ.
const [C, D] = [0.5, -0.3];
const linearField: VelocityFn = (a, tau) => tf.tidy(() => tf.add(tf.mul(a, C), D * tau));

/** Random state tokens [B, N, 3] and the task's goal tokens [B, G, 3], from a seed. */
function states(seed: number): { tokens: tf.Tensor3D; goal: tf.Tensor3D } {
  const rng = new Rng(seed);
  const tokens = Float32Array.from({ length: B * pushTSpec.numTokens * 3 }, () => rng.normal());
  const goal = Float32Array.from({ length: B * pushTSpec.numGoalTokens * 3 }, () => rng.normal());
  return { tokens: tf.tensor3d(tokens, [B, pushTSpec.numTokens, 3]), goal: tf.tensor3d(goal, [B, pushTSpec.numGoalTokens, 3]) };
}

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('ReinFlow noise net σ_k(s)', () => {
  it('starts at the middle of [sigmaMin, sigmaMax] and stays inside it however large its weights grow', () => {
    const strategy = new Strategy(strategyConfig(config, pushTSpec), 3);
    const { tokens, goal } = states(1);
    const before = tf.memory().numTensors;
    const std0 = strategy.noiseStd(tokens, goal);
    expect(std0.shape).toEqual([B, K, A]);
    for (const s of std0.dataSync()) expect(s).toBeCloseTo((LO + HI) / 2, 2);
    std0.dispose();
    // Blow every weight up (seeded): the sigmoid saturates, σ may reach a bound but never leave [LO, HI].
    const rng = new Rng(7);
    for (const v of strategy.variables.values()) {
      const big = tf.tidy(() => tf.mul(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal()), v.shape), 100));
      v.assign(big);
      big.dispose();
    }
    const std = strategy.noiseStd(tokens, goal);
    const values = Array.from(std.dataSync());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(Math.fround(LO));
    expect(Math.max(...values)).toBeLessThanOrEqual(Math.fround(HI));
    expect(new Set(values.map((x) => x.toFixed(4))).size).toBeGreaterThan(1);
    std.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([tokens, goal]);
    strategy.dispose();
  });

  it('refuses bounds that would give the chain no likelihood, naming the config keys', () => {
    expect(() => new Strategy(strategyConfig({ ...config, sigmaMin: 0 }, pushTSpec), 3)).toThrow(/sigmaMin, sigmaMax/);
    const chunk = new Strategy(strategyConfig({ ...config, strategyRate: 'chunk' }, pushTSpec), 3);
    const { tokens, goal } = states(1);
    expect(() => chunk.noiseStd(tokens, goal)).toThrow(/needs the noise rate/);
    tf.dispose([tokens, goal]);
    chunk.dispose();
  });
});

describe('ReinFlow chain log-probability', () => {
  it('is the per-step Gaussians with the learned σ_k(s), by hand, normalised per step, dimension and executed step', () => {
    const strategy = new Strategy(strategyConfig(config, pushTSpec), 4);
    // Move σ off the middle so every (row, step, dimension) has its own value.
    const rng = new Rng(9);
    for (const v of strategy.variables.values()) {
      const moved = tf.tidy(() => tf.add(v, tf.mul(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal()), v.shape), 0.5)));
      v.assign(moved);
      moved.dispose();
    }
    const { tokens, goal } = states(2);
    const n = 2;
    const before = tf.memory().numTensors;
    const stepStd = strategy.noiseStd(tokens, goal);
    const zeros = tf.zeros([B, A]) as tf.Tensor2D;
    const sample = sampleSde({ prior: linearField, horizon: H, reflex: zeros, strategy: zeros, stepStd }, sde, new Rng(11));
    const perStep = reinflowStepLogProbs(sample.chain!, sample.means!, stepStd, n);
    const recomputed = tf.tidy(() => reinflowStepLogProbs(sample.chain!, chainMeans(linearField, sample.chain!), stepStd, n));
    const entropy = reinflowEntropy(stepStd);

    const chain = sample.chain!.arraySync() as number[][][][];
    const sigma = stepStd.arraySync() as number[][][];
    const dt = 1 / K;
    const got = perStep.arraySync() as number[][];
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          for (let d = 0; d < A; d++) {
            const a = chain[b][k][h][d];
            const mean = a + (C * a + D * k * dt) * dt;
            sum += logNormal(chain[b][k + 1][h][d], mean, sigma[b][k][d] * Math.sqrt(dt));
          }
        }
        expect(got[b][h]).toBeCloseTo(sum / (K * A * n), 5);
      }
      // The entropy of the same Gaussians, averaged over steps and dimensions.
      let h = 0;
      for (let k = 0; k < K; k++) for (let d = 0; d < A; d++) h += Math.log(sigma[b][k][d] * Math.sqrt(dt)) + HALF_LOG_2PI + 0.5;
      expect(entropy.arraySync()[b]).toBeCloseTo(h / (K * A), 5);
      // … and back from it, σ's geometric mean (what the training log prints as σ).
      expect(reinflowSigma(entropy.arraySync()[b], K)).toBeCloseTo(Math.exp(sigma[b].flat().reduce((t, x) => t + Math.log(x), 0) / (K * A)), 5);
    }
    // The sampler's chain ends at its action, and PPO's recomputation from the chain alone gives the same numbers.
    expect(chain.map((row) => row[K]).flat(2)).toEqual(Array.from(sample.action.dataSync()));
    expect(Array.from(recomputed.dataSync())).toEqual(Array.from(perStep.dataSync()));
    tf.dispose([stepStd, zeros, sample.action, sample.residuals, sample.logProb, sample.chain!, sample.means!, ...Object.values(sample.contributions), perStep, recomputed, entropy]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([tokens, goal]);
    strategy.dispose();
  });
});
