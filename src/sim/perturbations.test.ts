import { beforeAll, describe, expect, it } from 'vitest';
import { blockInsideArena } from './pusht/geometry';
import { initRapier, type PushTState } from './pusht/pushTEnv';
import { Rng } from '../core/rng';
import { SUITES, SUITE_NAMES, formatPerturbation, parsePerturbation, suitePerturbation, trainingDisturbance, validateSuite, type Perturbation } from './perturbations';
import { PushTVecEnv } from './vecEnv';

beforeAll(async () => {
  await initRapier();
});

describe('perturbation specs', () => {
  it('parses the documented examples', () => {
    expect(parsePerturbation('displace:dx=30,dy=-20,dtheta=0.3,at=60')).toEqual({ kind: 'displace', dx: 30, dy: -20, dtheta: 0.3, at: 60, jitter: 16 });
    expect(parsePerturbation('kick:impulse=40,at=80,jitter=1')).toEqual({ kind: 'kick', impulse: 40, angle: null, at: 80, jitter: 1 });
    expect(parsePerturbation('offset:min=2,max=6')).toEqual({ kind: 'offset', min: 2, max: 6 });
    expect(parsePerturbation('bias:dx=8,dy=0')).toEqual({ kind: 'bias', dx: 8, dy: 0 });
    expect(parsePerturbation('friction:mu=0.6')).toEqual({ kind: 'friction', mu: 0.6 });
    expect(parsePerturbation('mass:com_dx=10')).toEqual({ kind: 'mass', comDx: 10, comDy: 0 });
    expect(parsePerturbation('shifted-init:band=20')).toEqual({ kind: 'shifted-init', band: 20 });
    expect(parsePerturbation('nominal')).toEqual({ kind: 'nominal' });
  });

  it('keeps the suite defaults for keys left out, and round-trips through formatPerturbation', () => {
    expect(parsePerturbation('displace:dy=5')).toEqual({ ...SUITES.displace, dy: 5 });
    expect(parsePerturbation('kick')).toEqual(SUITES.kick);
    expect(parsePerturbation('kick:angle=-1.5e0')).toEqual({ ...SUITES.kick, angle: -1.5 });
    for (const name of SUITE_NAMES) expect(parsePerturbation(formatPerturbation(SUITES[name]))).toEqual(SUITES[name]);
    expect(formatPerturbation(SUITES.mass)).toBe('mass:com_dx=10,com_dy=0');
  });

  it('refuses bad specs with a message naming the bad part', () => {
    expect(() => parsePerturbation('shove:dx=1')).toThrow(/unknown kind "shove" \(kinds: nominal, shifted-init, displace/);
    expect(() => parsePerturbation('displace:dz=1')).toThrow(/perturbation displace: unknown key "dz" \(keys: dx, dy, dtheta, at, jitter\)/);
    expect(() => parsePerturbation('nominal:x=1')).toThrow(/unknown key "x" \(it takes no parameters\)/);
    expect(() => parsePerturbation('bias:dx=abc')).toThrow(/bias: dx="abc" is not a number/);
    expect(() => parsePerturbation('bias:dx=')).toThrow(/dx="" is not a number/);
    expect(() => parsePerturbation('bias:dx=0x10')).toThrow(/dx="0x10" is not a number/);
    expect(() => parsePerturbation('friction:mu=-0.1')).toThrow(/friction: mu=-0.1 is outside \[0, 10\]/);
    expect(() => parsePerturbation('displace:at=2.5')).toThrow(/displace: at=2.5 is not an integer/);
    expect(() => parsePerturbation('bias:dx=1,dx=2')).toThrow(/bias: key "dx" given twice/);
    expect(() => parsePerturbation('bias:dx')).toThrow(/bias: "dx" is not key=value/);
    expect(() => parsePerturbation('bias:')).toThrow(/bias: nothing after ":"/);
    expect(() => parsePerturbation('mass:com_dx=NaN')).toThrow(/com_dx="NaN" is not a number/);
  });

  it('validates suite names', () => {
    expect(validateSuite('kick')).toBe('kick');
    expect(suitePerturbation('bias')).toEqual(SUITES.bias);
    expect(() => validateSuite('all-of-them')).toThrow(/suite: "all-of-them" is not one of nominal, shifted-init, displace, kick, bias, offset, friction, mass/);
  });
});

/** A one-env vector env whose block sits mid-field and whose agent parks in a corner, away from it. */
async function quietEnv(p: Perturbation): Promise<{ vec: PushTVecEnv; hold: Float32Array; s: PushTState }> {
  const vec = await PushTVecEnv.create({ numEnvs: 1, seed: 3, perturbation: p });
  const s: PushTState = { agentX: 64, agentY: 64, agentVx: 0, agentVy: 0, blockX: 300, blockY: 250, blockAngle: 0.4 };
  vec.setState(0, s);
  const hold = new Float32Array([(64 - 256) / 256, (64 - 256) / 256]);
  return { vec, hold, s };
}

describe('perturbations in the vectorised env', () => {
  it('displace teleports the block by exactly its offset at its step, and not before', async () => {
    const { vec, hold, s } = await quietEnv({ kind: 'displace', dx: 30, dy: -20, dtheta: 0.3, at: 4, jitter: 1 });
    for (let t = 0; t < 4; t++) vec.step(hold);
    expect(vec.getState(0).blockX).toBe(s.blockX);
    vec.step(hold); // step index 4
    const after = vec.getState(0);
    expect(after.blockX).toBe(Math.fround(s.blockX + 30));
    expect(after.blockY).toBe(Math.fround(s.blockY - 20));
    expect(after.blockAngle).toBeCloseTo(s.blockAngle + 0.3, 6);
    for (let t = 0; t < 3; t++) vec.step(hold);
    expect(vec.getState(0).blockX).toBe(after.blockX); // once only
    vec.free();
  });

  it('kick shoves a free block by `impulse` px in its direction; a random direction is seeded', async () => {
    const { vec, hold, s } = await quietEnv({ kind: 'kick', impulse: 40, angle: Math.PI / 2, at: 2, jitter: 1 });
    for (let t = 0; t < 3; t++) vec.step(hold);
    const after = vec.getState(0);
    expect(after.blockX).toBeCloseTo(s.blockX, 3);
    expect(after.blockY).toBeCloseTo(s.blockY + 40, 3);
    vec.free();

    const shoveDirection = async (seed: number) => {
      const v = await PushTVecEnv.create({ numEnvs: 1, seed, perturbation: { ...SUITES.kick, jitter: 1 } });
      v.setState(0, s);
      for (let t = 0; t <= SUITES.kick.at; t++) v.step(hold);
      const g = v.getState(0);
      v.free();
      expect(Math.hypot(g.blockX - s.blockX, g.blockY - s.blockY)).toBeCloseTo(40, 2);
      return Math.atan2(g.blockY - s.blockY, g.blockX - s.blockX);
    };
    expect(await shoveDirection(1)).toBe(await shoveDirection(1));
    expect(await shoveDirection(1)).not.toBeCloseTo(await shoveDirection(2), 2);
  });

  it('bias offsets the commanded target', async () => {
    const settle = async (p: Perturbation) => {
      const { vec } = await quietEnv(p);
      const target = new Float32Array([(200 - 256) / 256, (300 - 256) / 256]);
      for (let t = 0; t < 40; t++) vec.step(target);
      const g = vec.getState(0);
      vec.free();
      return [g.agentX, g.agentY];
    };
    const [x0, y0] = await settle(SUITES.nominal);
    const [x1, y1] = await settle({ kind: 'bias', dx: 8, dy: -4 });
    expect(x0).toBeCloseTo(200, 1);
    expect(y0).toBeCloseTo(300, 1);
    expect(x1 - x0).toBeCloseTo(8, 2);
    expect(y1 - y0).toBeCloseTo(-4, 2);
  });

  it('friction and mass change the dynamics but keep the nominal episode starts (paired comparisons)', async () => {
    const run = async (p: Perturbation) => {
      const vec = await PushTVecEnv.create({ numEnvs: 2, seed: 9, perturbation: p });
      const first = vec.tokens.slice();
      // Push towards the block's first keypoint's far side: the agent meets the block.
      const a = new Float32Array(4);
      for (let t = 0; t < 30; t++) {
        for (let i = 0; i < 2; i++) {
          a[2 * i] = vec.tokens[i * 30 + 9];
          a[2 * i + 1] = vec.tokens[i * 30 + 10];
        }
        vec.step(a);
      }
      const last = vec.tokens.slice();
      vec.free();
      return { first, last };
    };
    const nominal = await run(SUITES.nominal);
    for (const p of [SUITES.friction, SUITES.mass]) {
      const r = await run(p);
      expect(r.first).toEqual(nominal.first);
      expect(r.last).not.toEqual(nominal.last);
    }
  });

  it('shifted-init starts the block in the border band outside the nominal square, inside the walls', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 1, seed: 5, perturbation: { kind: 'shifted-init', band: 40 } });
    for (let e = 0; e < 200; e++) {
      vec.reseed(0, e);
      const s = vec.getState(0);
      expect(Number.isInteger(s.blockX) && Number.isInteger(s.blockY)).toBe(true);
      expect(Math.min(s.blockX, s.blockY)).toBeGreaterThanOrEqual(60);
      expect(Math.max(s.blockX, s.blockY)).toBeLessThan(440);
      const inside = s.blockX >= 100 && s.blockX < 400 && s.blockY >= 100 && s.blockY < 400;
      expect(inside).toBe(false);
      expect(blockInsideArena({ x: s.blockX, y: s.blockY, angle: s.blockAngle })).toBe(true);
    }
    vec.free();
  });

  it('displace and kick land at a random step of their jitter window, seeded per episode', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 1, seed: 3, perturbation: SUITES.displace });
    const steps = new Set<number>();
    for (let e = 0; e < 200; e++) {
      vec.reseed(0, e);
      const p = vec.episodePerturbation(0) as Extract<Perturbation, { kind: 'displace' }>;
      expect(p.at).toBeGreaterThanOrEqual(SUITES.displace.at);
      expect(p.at).toBeLessThan(SUITES.displace.at + SUITES.displace.jitter);
      steps.add(p.at);
      vec.reseed(0, e);
      expect(vec.episodePerturbation(0)).toEqual(p);
    }
    expect(steps.size).toBe(SUITES.displace.jitter);
    vec.free();
  });

  it('offset draws a bias of size in [min, max] px in a random direction per episode, and the agent shows it', async () => {
    const angles: number[] = [];
    for (let e = 0; e < 100; e++) {
      const vec = await PushTVecEnv.create({ numEnvs: 1, seed: e, perturbation: SUITES.offset });
      const p = vec.episodePerturbation(0) as Extract<Perturbation, { kind: 'bias' }>;
      expect(p.kind).toBe('bias');
      expect(Math.hypot(p.dx, p.dy)).toBeGreaterThanOrEqual(4);
      expect(Math.hypot(p.dx, p.dy)).toBeLessThanOrEqual(12);
      angles.push(Math.atan2(p.dy, p.dx));
      if (e === 0) {
        const s = vec.getState(0);
        const target = new Float32Array([(s.agentX - 256) / 256, (s.agentY - 256) / 256]);
        for (let t = 0; t < 40; t++) vec.step(target);
        const g = vec.getState(0);
        expect(g.agentX - s.agentX).toBeCloseTo(p.dx, 2);
        expect(g.agentY - s.agentY).toBeCloseTo(p.dy, 2);
      }
      vec.free();
    }
    // Directions cover the circle: every quadrant gets some.
    for (let q = 0; q < 4; q++) expect(angles.filter((a) => Math.floor(((a + Math.PI) / (2 * Math.PI)) * 4) === q).length).toBeGreaterThan(10);
  });

  it('the training distribution disturbs the asked fraction of episodes, every family, never at a suite value', () => {
    const rng = new Rng(4);
    const kinds = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const p = trainingDisturbance(rng, 0.5);
      kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
      for (const name of SUITE_NAMES) if (name !== 'nominal' && p.kind === name) expect(p).not.toEqual(SUITES[name]);
    }
    expect(kinds.get('nominal')! / 4000).toBeCloseTo(0.5, 1);
    expect([...kinds.keys()].sort()).toEqual(['bias', 'displace', 'friction', 'kick', 'mass', 'nominal']);
    for (const k of ['bias', 'displace', 'friction', 'kick', 'mass']) expect(kinds.get(k)! / 4000).toBeCloseTo(0.1, 1);
    expect(trainingDisturbance(new Rng(1), 0)).toEqual({ kind: 'nominal' });
  });

  it('a training mixture in the vectorised env draws each episode from its own stream', async () => {
    const vec = await PushTVecEnv.create({ numEnvs: 4, seed: 2, trainingDisturbances: 1 });
    const drawn = [0, 1, 2, 3].map((i) => vec.episodePerturbation(i));
    expect(drawn.every((p) => p.kind !== 'nominal')).toBe(true);
    expect(new Set(drawn.map((p) => JSON.stringify(p))).size).toBe(4);
    const again = await PushTVecEnv.create({ numEnvs: 4, seed: 2, trainingDisturbances: 1 });
    expect([0, 1, 2, 3].map((i) => again.episodePerturbation(i))).toEqual(drawn);
    vec.free();
    again.free();
  });
});
