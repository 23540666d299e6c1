import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { coverage } from './coverage';
import { GOAL_POSE, pushTReward } from './pusht/geometry';
import { initRapier, type PushTState } from './pusht/pushTEnv';
import { SUITES } from './perturbations';
import { PushTVecEnv } from './vecEnv';

beforeAll(async () => {
  await initRapier();
});

/** Runs B envs for `steps` under seeded random actions; returns every buffer of every step, as bytes. */
async function trajectoryBytes(seed: number, B: number, steps: number, maxSteps: number): Promise<Uint8Array> {
  const vec = await PushTVecEnv.create({ numEnvs: B, seed, maxSteps, perturbation: SUITES.displace });
  const rng = new Rng(1234); // the same actions for every seed: only the env's seed differs
  const actions = new Float32Array(2 * B);
  const chunks: Uint8Array[] = [new Uint8Array(vec.tokens.slice().buffer)];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < actions.length; i++) actions[i] = rng.range(-0.8, 0.8);
    vec.step(actions);
    for (const buf of [vec.tokens, vec.finalTokens, vec.rewards, vec.coverage, vec.dones, vec.episodeStep]) chunks.push(new Uint8Array(buf.slice().buffer));
  }
  vec.free();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

describe('PushTVecEnv', () => {
  it('is deterministic: the same seed replays bit for bit (across auto-resets), another seed differs', async () => {
    const a = await trajectoryBytes(7, 3, 90, 40);
    const b = await trajectoryBytes(7, 3, 90, 40);
    const c = await trajectoryBytes(8, 3, 90, 40);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
  });

  it('draws starts from the original reset distribution', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 1, seed: 2 });
    let minAngle = Infinity;
    let maxAngle = -Infinity;
    for (let e = 0; e < 300; e++) {
      vec.reseed(0, e);
      const s = vec.getState(0);
      for (const v of [s.agentX, s.agentY]) expect(Number.isInteger(v) && v >= 50 && v < 450).toBe(true);
      for (const v of [s.blockX, s.blockY]) expect(Number.isInteger(v) && v >= 100 && v < 400).toBe(true);
      expect(s.agentVx).toBe(0);
      minAngle = Math.min(minAngle, s.blockAngle);
      maxAngle = Math.max(maxAngle, s.blockAngle);
    }
    expect(minAngle).toBeGreaterThanOrEqual(-Math.PI);
    expect(minAngle).toBeLessThan(-3);
    expect(maxAngle).toBeLessThan(Math.PI + 1e-6);
    expect(maxAngle).toBeGreaterThan(3);
    vec.free();
  });

  it('gives env i the same episodes whatever B is, once reseeded with the same seed', async () => {
    const small = await PushTVecEnv.create({ numEnvs: 1, seed: 0 });
    const big = await PushTVecEnv.create({ numEnvs: 5, seed: 99 });
    small.reseed(0, 42);
    big.reseed(3, 42);
    expect(big.getState(3)).toEqual(small.getState(0));
    expect(big.tokens.slice(3 * 30, 4 * 30)).toEqual(small.tokens.slice(0, 30));
    small.free();
    big.free();
  });

  it('truncates at maxSteps, keeps the final observation, and auto-resets', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 2, seed: 1, maxSteps: 5 });
    const act = new Float32Array(4);
    for (let t = 0; t < 4; t++) {
      vec.step(act);
      expect(Array.from(vec.dones)).toEqual([0, 0]);
      expect(Array.from(vec.episodeStep)).toEqual([t + 1, t + 1]);
    }
    const start = vec.getState(0);
    vec.step(act);
    expect(Array.from(vec.truncated)).toEqual([1, 1]);
    expect(Array.from(vec.terminated)).toEqual([0, 0]);
    expect(Array.from(vec.dones)).toEqual([1, 1]);
    expect(Array.from(vec.episodeStep)).toEqual([0, 0]);
    // finalTokens: the finished episode's last observation (agent token ≈ where action (0, 0) led it); tokens: a new start.
    expect(vec.finalTokens.slice(0, 30)).not.toEqual(vec.tokens.slice(0, 30));
    expect(vec.getState(0)).not.toEqual(start);
    const s = vec.getState(0);
    expect(vec.tokens[27]).toBeCloseTo((s.agentX - 256) / 256, 6);
    vec.step(act);
    expect(Array.from(vec.dones)).toEqual([0, 0]);
    vec.free();
  });

  it('terminates on success (coverage > 0.95) with reward 1', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 1, seed: 1 });
    const s: PushTState = { agentX: 60, agentY: 60, agentVx: 0, agentVy: 0, blockX: GOAL_POSE.x + 1, blockY: GOAL_POSE.y, blockAngle: GOAL_POSE.angle };
    vec.setState(0, s);
    expect(vec.coverage[0]).toBeCloseTo(coverage({ x: Math.fround(s.blockX), y: s.blockY, angle: vec.getState(0).blockAngle }), 6);
    const hold = new Float32Array([(60 - 256) / 256, (60 - 256) / 256]);
    vec.step(hold);
    expect(vec.coverage[0]).toBeGreaterThan(0.95);
    expect(vec.rewards[0]).toBe(1);
    expect(vec.success[0]).toBe(1);
    expect(vec.terminated[0]).toBe(1);
    expect(vec.episodeStep[0]).toBe(0);

    // Partial coverage: reward = coverage / 0.95.
    vec.setState(0, { ...s, blockX: GOAL_POSE.x + 40 });
    vec.step(hold);
    expect(vec.rewards[0]).toBeCloseTo(pushTReward(vec.coverage[0]), 6);
    expect(vec.rewards[0]).toBeLessThan(1);
    expect(vec.dones[0]).toBe(0);
    vec.free();
  });

  it('reads actions in normalised units: 0 is the workspace centre', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 1, seed: 1 });
    vec.setState(0, { agentX: 100, agentY: 400, agentVx: 0, agentVy: 0, blockX: 400, blockY: 120, blockAngle: 0 });
    for (let t = 0; t < 40; t++) vec.step(new Float32Array([0, 0]));
    const g = vec.getState(0);
    expect(g.agentX).toBeCloseTo(256, 1);
    expect(g.agentY).toBeCloseTo(256, 1);
    vec.free();
  });

  it('refuses bad input with the field named', async () => {
    await expect(PushTVecEnv.create({ numEnvs: 0, seed: 1 })).rejects.toThrow(/numEnvs: 0/);
    await expect(PushTVecEnv.create({ numEnvs: 1, seed: -1 })).rejects.toThrow(/seed: -1/);
    const vec = await PushTVecEnv.create({ numEnvs: 2, seed: 1 });
    expect(() => vec.step(new Float32Array(3))).toThrow(/actions: length 3, expected 2×2/);
    expect(() => vec.step(new Float32Array([0, 0, NaN, 0]))).toThrow(/actions\[1\]/);
    expect(() => vec.getState(2)).toThrow(/env index: 2/);
    vec.free();
  });
});
