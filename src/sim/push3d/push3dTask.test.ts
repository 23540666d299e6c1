// push-3d through the generic task interface: spec and tokens, score and success, episodes in the vectorised
// env (determinism, failure endings), every perturbation's effect, and bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { parsePerturbationSpec } from '../perturbationSpec';
import { simTask, taskSpec } from '../tasks';
import { createVecEnv, type VecEnv } from '../vecEnv';
import {
  ACTION_HALF,
  GOAL_POSE,
  NUM_KEYPOINTS,
  OBJECT_KEYPOINTS,
  RESET_OBJECT_HALF,
  SUCCESS_POSITION,
  TABLE_FRICTION,
  uprightPose,
} from './geometry';
import { PUSH_3D_SUITES, beforeControlStep3d, formatPerturbation3d, parsePerturbation3d, type Push3DPerturbation } from './perturbations3d';
import { comWorld, keypointsWorld, tiltOf, yawOf } from './pose3';
import { initRapier3d, zeroState3d, type Push3DEnv, type Push3DState } from './push3dEnv';
import { push3dSpec } from './push3dSpec';
import { push3dTask } from './push3dTask';
import { onTable } from './reset';
import { isSuccess, poseErrors, poseScore, zeroErrors } from './score';

type Vec3d = VecEnv<Push3DEnv, Push3DState, Push3DPerturbation>;
const N = push3dSpec.numTokens;

beforeAll(async () => {
  await initRapier3d();
});

const world = (tokens: Float32Array, k: number): [number, number, number] => [tokens[3 * k] * ACTION_HALF, tokens[3 * k + 1] * ACTION_HALF, tokens[3 * k + 2] * ACTION_HALF];
const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A one-env push-3d env with an upright object at (x, y, yaw) and the pusher parked at (−0.2, −0.2, 0.05). */
async function quietEnv(p: Push3DPerturbation, x = 0.02, y = 0.03, yaw = 0.4, seed = 3): Promise<{ vec: Vec3d; hold: Float32Array; s: Push3DState }> {
  const vec = await createVecEnv(push3dTask, { numEnvs: 1, seed, perturbation: p });
  const s = zeroState3d();
  const pose = uprightPose(x, y, yaw);
  Object.assign(s, { pusherX: -0.2, pusherY: -0.2, pusherZ: 0.05, objectX: pose.x, objectY: pose.y, objectQz: pose.qz, objectQw: pose.qw });
  vec.setState(0, s);
  const hold = new Float32Array([-0.2 / ACTION_HALF, -0.2 / ACTION_HALF, 0.05 / ACTION_HALF]);
  return { vec, hold, s };
}

describe('push-3d spec and tokens', () => {
  it('is registered: 14 tokens in 3D (13 keypoints, then the pusher), 3-D actions, isotropic normalisation', () => {
    expect(taskSpec('push-3d')).toBe(push3dSpec);
    expect(push3dSpec.numTokens).toBe(14);
    expect(NUM_KEYPOINTS).toBe(13);
    expect(Array.from(push3dSpec.tokenTypes)).toEqual([...Array(13).fill(0), 1]);
    expect(push3dSpec.actionDim).toBe(3);
    expect(push3dSpec.worldScale).toEqual([0.3, 0.3, 0.3]);
    expect(push3dSpec.worldOffset).toEqual([0, 0, 0]);
    expect(push3dSpec.goalTokens.length).toBe(13 * 3);
    // The goal's top corners stand at the pillar's height; its centre of mass above the table's centre.
    expect(push3dSpec.goalTokens[3 * 6 + 2] * 0.3).toBeCloseTo(0.12, 6);
    expect(push3dSpec.goalTokens[3 * 12] * 0.3).toBeCloseTo(0, 6);
    expect(push3dSpec.goalTokens[3 * 12 + 1] * 0.3).toBeCloseTo(0, 6);
  });

  it('keeps the keypoint tokens rigid in 3D while the pillar slides, turns and tips', async () => {
    const vec = await createVecEnv(push3dTask, { numEnvs: 1, seed: 0, perturbation: { kind: 'tilt', angle: 0.4, azimuth: 1, at: 5, jitter: 1 } });
    const rng = new Rng(5);
    const a = new Float32Array(3);
    let maxTilt = 0;
    for (let t = 0; t < 40; t++) {
      // Aim at the centre keypoint, low: the pusher meets the pillar.
      a[0] = vec.tokens[3 * 12] + rng.range(-0.05, 0.05);
      a[1] = vec.tokens[3 * 12 + 1] + rng.range(-0.05, 0.05);
      a[2] = 0.1;
      vec.step(a);
      const s = vec.getState(0);
      maxTilt = Math.max(maxTilt, tiltOf({ x: 0, y: 0, z: 0, qx: s.objectQx, qy: s.objectQy, qz: s.objectQz, qw: s.objectQw }));
      for (let i = 0; i < NUM_KEYPOINTS; i++) {
        for (let j = i + 1; j < NUM_KEYPOINTS; j++) {
          expect(dist(world(vec.tokens, i), world(vec.tokens, j))).toBeCloseTo(dist([...OBJECT_KEYPOINTS[i]], [...OBJECT_KEYPOINTS[j]]), 5);
        }
      }
      expect(world(vec.tokens, 13)).toEqual([s.pusherX, s.pusherY, s.pusherZ].map((v) => Math.fround(v / 0.3) * 0.3));
    }
    expect(maxTilt).toBeGreaterThan(0.3); // the check covered tilted poses
    vec.free();
  });
});

describe('push-3d score and success', () => {
  it('scores the goal 1 and a pose 5 cm away about 0.5; success needs position, heading and tilt within tolerance', () => {
    const e = zeroErrors();
    expect(poseScore(poseErrors(GOAL_POSE, e))).toBeCloseTo(1, 6);
    expect(isSuccess(e)).toBe(true);
    const shifted = { ...GOAL_POSE, x: GOAL_POSE.x + 0.05 };
    expect(poseScore(poseErrors(shifted, e))).toBeCloseTo(0.5, 6);
    expect(isSuccess(poseErrors({ ...GOAL_POSE, x: GOAL_POSE.x + 0.9 * SUCCESS_POSITION }, e))).toBe(true);
    expect(isSuccess(poseErrors({ ...GOAL_POSE, x: GOAL_POSE.x + 1.1 * SUCCESS_POSITION }, e))).toBe(false);
    const turned = uprightPose(0, 0, Math.PI / 4 + 0.12);
    const c = comWorld(turned);
    expect(isSuccess(poseErrors({ ...turned, x: turned.x - c[0], y: turned.y - c[1] }, e))).toBe(false);
    expect(e.position).toBeLessThan(1e-9);
    expect(e.yaw).toBeCloseTo(0.12, 6);
  });
});

describe('push-3d episodes in the vectorised env', () => {
  async function trajectoryBytes(seed: number, B: number, steps: number): Promise<Uint8Array> {
    const vec = await createVecEnv(push3dTask, { numEnvs: B, seed, maxSteps: 15, perturbation: PUSH_3D_SUITES.defaults.kick });
    const rng = new Rng(1234);
    const actions = new Float32Array(3 * B);
    const chunks: number[] = Array.from(vec.tokens);
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < actions.length; i++) actions[i] = rng.range(-0.8, 0.8);
      vec.step(actions);
      for (const buf of [vec.tokens, vec.finalTokens, vec.rewards, vec.coverage, vec.dones, vec.episodeStep]) chunks.push(...buf);
    }
    vec.free();
    return new Uint8Array(new Float64Array(chunks).buffer);
  }

  it('is deterministic per seed (across auto-resets), and another seed differs', async () => {
    const a = await trajectoryBytes(7, 2, 35);
    expect(await trajectoryBytes(7, 2, 35)).toEqual(a);
    expect(await trajectoryBytes(8, 2, 35)).not.toEqual(a);
  });

  it('draws upright starts at rest on the table, the pusher clear of the object', async () => {
    const vec = await createVecEnv(push3dTask, { numEnvs: 1, seed: 2 });
    for (let e = 0; e < 200; e++) {
      vec.reseed(0, e);
      const s = vec.getState(0);
      expect(Math.max(Math.abs(s.objectX), Math.abs(s.objectY))).toBeLessThanOrEqual(RESET_OBJECT_HALF);
      expect(Math.abs(s.objectQx) + Math.abs(s.objectQy) + s.objectZ).toBe(0);
      expect(s.pusherZ).toBeGreaterThanOrEqual(0.015);
      expect(vec.coverage[0]).toBeGreaterThanOrEqual(0);
    }
    vec.free();
  });

  it('ends an episode that knocks the pillar over as terminated without success', async () => {
    const { vec } = await quietEnv(PUSH_3D_SUITES.defaults.nominal, 0, 0, Math.PI / 2);
    const s = vec.getState(0);
    Object.assign(s, { pusherX: -0.145, pusherY: 0, pusherZ: 0.11 });
    vec.setState(0, s);
    const push = new Float32Array([0.04 / 0.3, 0, 0.11 / 0.3]);
    const back = new Float32Array([-0.28 / 0.3, 0, 0.11 / 0.3]);
    let t = 0;
    for (; t < 40 && !vec.dones[0]; t++) vec.step(t < 15 ? push : back);
    expect(vec.dones[0]).toBe(1);
    expect(vec.terminated[0]).toBe(1);
    expect(vec.success[0]).toBe(0);
    expect(vec.truncated[0]).toBe(0);
    expect(vec.rewards[0]).toBeLessThan(0.7);
    expect(vec.episodeStep[0]).toBe(0); // auto-reset
    vec.free();
  });
});

describe('push-3d perturbations', () => {
  it('parses its own kinds and keys, round-trips, and refuses Push-T keys with a clear message', () => {
    expect(parsePerturbation3d('displace:dz=0.05,dyaw=-0.2')).toEqual({ ...PUSH_3D_SUITES.defaults.displace, dz: 0.05, dyaw: -0.2 });
    expect(parsePerturbation3d('tilt:angle=0.5,azimuth=1,at=3')).toEqual({ kind: 'tilt', angle: 0.5, azimuth: 1, at: 3, jitter: 16 });
    expect(parsePerturbation3d('tilt')).toEqual({ kind: 'tilt', angle: 0.35, azimuth: null, at: 60, jitter: 16 });
    expect(parsePerturbation3d('offset:min=0.002,max=0.006')).toEqual({ kind: 'offset', min: 0.002, max: 0.006 });
    for (const name of PUSH_3D_SUITES.names) expect(parsePerturbation3d(formatPerturbation3d(PUSH_3D_SUITES.defaults[name]))).toEqual(PUSH_3D_SUITES.defaults[name]);
    expect(() => parsePerturbation3d('displace:dtheta=0.3')).toThrow(/perturbation displace: unknown key "dtheta" \(keys: dx, dy, dz, dyaw, at, jitter\)/);
    expect(() => parsePerturbation3d('displace:dz=-0.01')).toThrow(/displace: dz=-0.01 is outside \[0, 0.2000\]/);
    expect(() => parsePerturbation3d('tilt:angle=2')).toThrow(/tilt: angle=2 is outside \[0, 1.5708\]/);
    expect(() => parsePerturbation3d('mass:com_dz=x')).toThrow(/mass: com_dz="x" is not a number/);
    expect(() => parsePerturbation3d('wobble')).toThrow(/unknown kind "wobble" \(kinds: nominal, shifted-init, displace, kick, bias, offset, friction, mass, tilt\)/);
    expect(() => parsePerturbation3d('tilt:at=1.5')).toThrow(/tilt: at=1.5 is not an integer/);
    // One parser, each task's kinds: Push-T has no tilt.
    expect(() => parsePerturbationSpec(simTask('push-t').suites, 'tilt')).toThrow(/unknown kind "tilt" \(kinds: nominal, shifted-init, displace, kick, bias, offset, friction, mass\)/);
  });

  it('displace moves the object by (dx, dy, dz) and turns it by dyaw about its centre of mass, at its step only', async () => {
    const p: Push3DPerturbation = { kind: 'displace', dx: 0.03, dy: -0.02, dz: 0.01, dyaw: 0.3, at: 4, jitter: 1 };
    const { vec, hold } = await quietEnv(p);
    const env = vec.envs[0];
    const draws = { kickAngle: 0, tiltAzimuth: 0 };
    const before = { ...env.object };
    beforeControlStep3d(env, p, 3, draws);
    expect(env.object).toEqual(before);
    beforeControlStep3d(env, p, 4, draws);
    const c0 = Array.from(comWorld(before));
    const c1 = Array.from(comWorld(env.object));
    expect(c1[0] - c0[0]).toBeCloseTo(0.03, 6);
    expect(c1[1] - c0[1]).toBeCloseTo(-0.02, 6);
    expect(c1[2] - c0[2]).toBeCloseTo(0.01, 6);
    expect(yawOf(env.object) - yawOf(before)).toBeCloseTo(0.3, 6);
    expect(tiltOf(env.object)).toBeLessThan(1e-6);
    // In the vectorised env: dropped 1 cm at step 4, it lands upright and stays.
    for (let t = 0; t < 15; t++) vec.step(hold);
    const s = vec.getState(0);
    expect(tiltOf(pose(s))).toBeLessThan(0.01);
    expect(Math.hypot(s.objectVx, s.objectVy, s.objectVz)).toBeLessThan(0.01);
    vec.free();
  });

  it('kick shoves the free object in its direction, sliding it a few centimetres; a random direction is seeded', async () => {
    const slide = async (p: Push3DPerturbation, seed: number) => {
      const { vec, hold, s } = await quietEnv(p, 0.02, 0.03, 0.4, seed);
      const c0 = Array.from(comWorld(pose(s)));
      for (let t = 0; t <= 12; t++) vec.step(hold);
      const c1 = Array.from(comWorld(pose(vec.getState(0))));
      vec.free();
      return [c1[0] - c0[0], c1[1] - c0[1]];
    };
    const [dx, dy] = await slide({ kind: 'kick', impulse: 0.3, angle: Math.PI / 2, at: 2, jitter: 1 }, 3);
    expect(Math.abs(dx)).toBeLessThan(0.003);
    expect(dy).toBeGreaterThan(0.025); // v = 0.6 m/s against μg: v²/2μg ≈ 3.7 cm
    expect(dy).toBeLessThan(0.05);
    const random = { kind: 'kick', impulse: 0.3, angle: null, at: 2, jitter: 1 } as const;
    const [ax, ay] = await slide(random, 1);
    expect(await slide(random, 1)).toEqual([ax, ay]);
    const [bx, by] = await slide(random, 2);
    expect(Math.hypot(ax - bx, ay - by)).toBeGreaterThan(0.01);

    // Set mid-episode (Φ's event replays do), a kick or tilt goes where `p` says, not where the nominal start's draw pointed.
    const { vec, hold, s } = await quietEnv({ kind: 'nominal' });
    const c0 = Array.from(comWorld(pose(s)));
    vec.setEpisodePerturbation(0, { kind: 'kick', impulse: 0.3, angle: -Math.PI / 2, at: vec.episodeStep[0], jitter: 1 });
    for (let t = 0; t <= 12; t++) vec.step(hold);
    const c1 = Array.from(comWorld(pose(vec.getState(0))));
    expect(c1[1] - c0[1]).toBeLessThan(-0.025);
    vec.setEpisodePerturbation(0, { kind: 'tilt', angle: 0.3, azimuth: Math.PI / 2, at: vec.episodeStep[0], jitter: 1 });
    vec.step(hold);
    const top = new Float64Array(3 * NUM_KEYPOINTS);
    keypointsWorld(pose(vec.getState(0)), top);
    expect(top[3 * 12 + 1] - c1[1]).toBeGreaterThan(0.005); // the centre of mass leans towards +y
    vec.free();
  });

  it('bias offsets the commanded target on every axis', async () => {
    const settle = async (p: Push3DPerturbation) => {
      const { vec } = await quietEnv(p);
      const target = new Float32Array([-0.2 / 0.3, 0.2 / 0.3, 0.1 / 0.3]);
      for (let t = 0; t < 40; t++) vec.step(target);
      const g = vec.getState(0);
      vec.free();
      return [g.pusherX, g.pusherY, g.pusherZ];
    };
    const p0 = await settle(PUSH_3D_SUITES.defaults.nominal);
    const p1 = await settle({ kind: 'bias', dx: 0.008, dy: -0.004, dz: 0.02 });
    expect(p0[0]).toBeCloseTo(-0.2, 4);
    expect(p1[0] - p0[0]).toBeCloseTo(0.008, 4);
    expect(p1[1] - p0[1]).toBeCloseTo(-0.004, 4);
    expect(p1[2] - p0[2]).toBeCloseTo(0.02, 4);
  });

  it('offset draws a horizontal bias of size in [min, max] m in a random direction per episode, and the pusher shows it', async () => {
    const angles: number[] = [];
    for (let e = 0; e < 100; e++) {
      const vec = await createVecEnv(push3dTask, { numEnvs: 1, seed: e, perturbation: PUSH_3D_SUITES.defaults.offset });
      const p = vec.episodePerturbation(0) as Extract<Push3DPerturbation, { kind: 'bias' }>;
      expect(p.kind).toBe('bias');
      expect(p.dz).toBe(0);
      expect(Math.hypot(p.dx, p.dy)).toBeGreaterThanOrEqual(0.004);
      expect(Math.hypot(p.dx, p.dy)).toBeLessThanOrEqual(0.012);
      angles.push(Math.atan2(p.dy, p.dx));
      if (e === 0) {
        const s = vec.getState(0);
        const target = new Float32Array([-0.2 / 0.3, 0.2 / 0.3, 0.1 / 0.3]);
        for (let t = 0; t < 40; t++) vec.step(target);
        const g = vec.getState(0);
        expect(g.pusherX - -0.2).toBeCloseTo(p.dx, 4);
        expect(g.pusherY - 0.2).toBeCloseTo(p.dy, 4);
        expect(s.pusherZ).not.toBe(g.pusherZ);
      }
      vec.free();
    }
    for (let q = 0; q < 4; q++) expect(angles.filter((a) => Math.floor(((a + Math.PI) / (2 * Math.PI)) * 4) === q).length).toBeGreaterThan(10);
    expect(() => push3dTask.episodePerturbation({ kind: 'offset', min: 0.01, max: 0.005 }, new Rng(0))).toThrow('offset: min 0.01 exceeds max 0.005');
  });

  it('displace, kick and tilt land at `at` + j, j uniform in [0, jitter) per episode, the same for a seed', async () => {
    for (const kind of ['displace', 'kick', 'tilt'] as const) {
      const suite = PUSH_3D_SUITES.defaults[kind];
      const steps = new Set<number>();
      const vec = await createVecEnv(push3dTask, { numEnvs: 1, seed: 3, perturbation: suite });
      for (let e = 0; e < 120; e++) {
        vec.reseed(0, e);
        const p = vec.episodePerturbation(0) as Extract<Push3DPerturbation, { kind: typeof kind }>;
        expect(p.at).toBeGreaterThanOrEqual(suite.at);
        expect(p.at).toBeLessThan(suite.at + suite.jitter);
        expect(p.jitter).toBe(1);
        steps.add(p.at);
        vec.reseed(0, e);
        expect(vec.episodePerturbation(0)).toEqual(p);
      }
      vec.free();
      expect(steps.size, kind).toBe(suite.jitter);
    }
  });

  it('friction and mass change the dynamics but keep the nominal episode starts (paired comparisons)', async () => {
    const run = async (p: Push3DPerturbation) => {
      const vec = await createVecEnv(push3dTask, { numEnvs: 2, seed: 9, perturbation: p });
      const first = vec.tokens.slice();
      const a = new Float32Array(6);
      for (let t = 0; t < 30; t++) {
        for (let i = 0; i < 2; i++) {
          a[3 * i] = vec.tokens[i * 3 * N + 36];
          a[3 * i + 1] = vec.tokens[i * 3 * N + 37];
          a[3 * i + 2] = 0.1;
        }
        vec.step(a);
      }
      const last = vec.tokens.slice();
      vec.free();
      return { first, last };
    };
    const nominal = await run(PUSH_3D_SUITES.defaults.nominal);
    for (const p of [PUSH_3D_SUITES.defaults.friction, PUSH_3D_SUITES.defaults.mass]) {
      const r = await run(p);
      expect(r.first).toEqual(nominal.first);
      expect(r.last).not.toEqual(nominal.last);
    }
    expect(TABLE_FRICTION).toBe(0.5);
  });

  it('tilt tips the pillar by `angle` onto a bottom corner at its step; below the tipping angle it falls back, past it over', async () => {
    const p: Push3DPerturbation = { kind: 'tilt', angle: 0.35, azimuth: 2, at: 3, jitter: 1 };
    const { vec } = await quietEnv(p);
    const env = vec.envs[0];
    beforeControlStep3d(env, p, 3, { kickAngle: 0, tiltAzimuth: 2 });
    expect(tiltOf(env.object)).toBeCloseTo(0.35, 5);
    const corners = new Float64Array(3 * NUM_KEYPOINTS);
    keypointsWorld(env.object, corners);
    const bottomZ = [0, 1, 2, 3, 4, 5].map((k) => corners[3 * k + 2]);
    expect(Math.min(...bottomZ)).toBeCloseTo(0, 6); // resting on the pivot corner, the rest lifted
    expect(Math.max(...bottomZ)).toBeGreaterThan(0.03);
    vec.free();

    // Towards the crossbar's outer face (the object's heading is 0.4: azimuth 0.4 − π/2), whose tipping angle is atan(4.07 / 6) = 0.6 rad.
    const tip = async (angle: number) => {
      const { vec, hold } = await quietEnv({ kind: 'tilt', angle, azimuth: 0.4 - Math.PI / 2, at: 3, jitter: 1 });
      for (let t = 0; t < 30 && !vec.dones[0]; t++) vec.step(hold);
      const out = { done: vec.dones[0] === 1, success: vec.success[0] === 1, tilt: tiltOf(pose(vec.getState(0))) };
      vec.free();
      return out;
    };
    const small = await tip(0.5);
    expect(small.done).toBe(false);
    expect(small.tilt).toBeLessThan(0.01);
    const large = await tip(0.7);
    expect(large.done).toBe(true); // tipped over: a failure ends the episode
    expect(large.success).toBe(false);
  });

  it('shifted-init starts the object in the border band, on the table', async () => {
    const vec = await createVecEnv(push3dTask, { numEnvs: 1, seed: 5, perturbation: { kind: 'shifted-init', band: 0.04 } });
    for (let e = 0; e < 200; e++) {
      vec.reseed(0, e);
      const s = vec.getState(0);
      expect(Math.max(Math.abs(s.objectX), Math.abs(s.objectY))).toBeGreaterThanOrEqual(RESET_OBJECT_HALF);
      expect(Math.max(Math.abs(s.objectX), Math.abs(s.objectY))).toBeLessThan(RESET_OBJECT_HALF + 0.04);
      expect(onTable(s.objectX, s.objectY, yawOf(pose(s)))).toBe(true);
    }
    vec.free();
  });
});

describe('push-3d bad input', () => {
  it('refuses actions of the wrong length or not finite, naming them', async () => {
    const vec = await createVecEnv(push3dTask, { numEnvs: 2, seed: 0 });
    expect(() => vec.step(new Float32Array(4))).toThrow(/actions: length 4, expected 2×3/);
    expect(() => vec.step(new Float32Array([0, 0, 0, 0, NaN, 0]))).toThrow(/actions\[1\]: \(0, NaN, 0\) is not finite/);
    vec.free();
  });
});

function pose(s: Push3DState) {
  return { x: s.objectX, y: s.objectY, z: s.objectZ, qx: s.objectQx, qy: s.objectQy, qz: s.objectQz, qw: s.objectQw };
}
