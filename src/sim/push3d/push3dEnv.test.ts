// push-3d physics sanity: the pillar rests, slides when pushed low, tips when pushed high and hard, falls
// off an edge; the pusher follows its PD law in 3D; states restore exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { CENTROID_Y, OBJECT_HEIGHT, PUSHER_RADIUS, TIPPED_TILT, uprightPose, type Pose3 } from './geometry';
import { comWorld, tiltOf } from './pose3';
import { Push3DEnv, initRapier3d, zeroState3d, type Push3DState } from './push3dEnv';
import { hasFailed, poseErrors, zeroErrors } from './score';

beforeAll(async () => {
  await initRapier3d();
});

/** An upright object at rest at (x, y, yaw) and the pusher at rest at (px, py, pz). */
function state(px: number, py: number, pz: number, x: number, y: number, yaw: number): Push3DState {
  const s = zeroState3d();
  const p = uprightPose(x, y, yaw);
  Object.assign(s, { pusherX: px, pusherY: py, pusherZ: pz, objectX: p.x, objectY: p.y, objectZ: p.z, objectQx: p.qx, objectQy: p.qy, objectQz: p.qz, objectQw: p.qw });
  return s;
}

const com = (p: Pose3) => Array.from(comWorld(p));

/**
 * The stem's end faces −x at x = −0.12 (yaw π/2, origin at 0): push it towards +x at height z for `steps`
 * control steps (target 16 cm on), then pull the pusher back out of the way for `after` steps.
 */
function pushStemEnd(z: number, steps: number, after: number) {
  const env = new Push3DEnv();
  env.setState(state(-0.12 - PUSHER_RADIUS - 0.005, 0, z, 0, 0, Math.PI / 2));
  const com0 = com(env.object);
  let maxTilt = 0;
  for (let t = 0; t < steps; t++) {
    env.step(0.04, 0, z);
    maxTilt = Math.max(maxTilt, tiltOf(env.object));
  }
  for (let t = 0; t < after; t++) env.step(-0.28, 0, z);
  const result = { com0, com1: com(env.object), maxTilt, tilt: tiltOf(env.object), failed: hasFailed(poseErrors(env.object, zeroErrors())) };
  env.free();
  return result;
}

describe('Push3DEnv physics', () => {
  it('rests on the table: an untouched pillar stays upright and in place for 10 s', () => {
    const env = new Push3DEnv();
    env.setState(state(-0.2, -0.2, 0.05, 0.05, -0.03, 0.7));
    const c0 = com(env.object);
    for (let t = 0; t < 100; t++) env.step(-0.2 + 0.001 * t, -0.2, 0.05); // the pusher wanders far from it
    const c1 = com(env.object);
    expect(Math.hypot(c1[0] - c0[0], c1[1] - c0[1])).toBeLessThan(5e-4);
    expect(c1[2]).toBeCloseTo(OBJECT_HEIGHT / 2, 3);
    expect(tiltOf(env.object)).toBeLessThan(1e-3);
    expect(Math.hypot(...env.objectVel)).toBeLessThan(1e-3);
    env.free();
  });

  it('slides, upright, when pushed low', () => {
    const r = pushStemEnd(0.03, 15, 5);
    expect(r.com1[0] - r.com0[0]).toBeGreaterThan(0.1);
    expect(Math.abs(r.com1[1] - r.com0[1])).toBeLessThan(0.005);
    expect(r.maxTilt).toBeLessThan(0.05);
    expect(r.failed).toBe(false);
  });

  it('tips over when pushed high and hard (above h = d/μ ≈ 8 cm), and that is a failure', () => {
    const r = pushStemEnd(0.11, 15, 20);
    expect(r.maxTilt).toBeGreaterThan(0.5);
    expect(r.tilt).toBeGreaterThan(TIPPED_TILT);
    expect(r.failed).toBe(true);
  });

  it('falls when pushed off an edge, and that is a failure', () => {
    const env = new Push3DEnv();
    // Stem along +x (yaw −π/2), crossbar's outer face at x = 0.1; push from behind towards the action limit.
    env.setState(state(0.1 - PUSHER_RADIUS - 0.005, 0, 0.03, 0.1, 0, -Math.PI / 2));
    expect(com(env.object)[0]).toBeCloseTo(0.1 + CENTROID_Y, 6);
    for (let t = 0; t < 40; t++) env.step(0.3, 0, 0.03);
    for (let t = 0; t < 10; t++) env.step(0.3, 0, 0.2);
    const e = poseErrors(env.object, zeroErrors());
    expect(e.comZ).toBeLessThan(0);
    expect(hasFailed(e)).toBe(true);
    env.free();
  });

  it('moves the pusher by the discrete PD law on every axis, through the table', () => {
    const env = new Push3DEnv();
    env.setState(state(0.2, 0.2, 0.1, -0.1, -0.1, 0));
    env.step(0.25, 0.15, -0.05); // below the table top: a kinematic ball ignores the table
    // From rest one control step covers the same fraction of the jump on every axis (about 30%, as Push-T's).
    const fx = (env.pusherX - 0.2) / 0.05;
    expect(fx).toBeCloseTo((env.pusherY - 0.2) / -0.05, 9);
    expect(fx).toBeCloseTo((env.pusherZ - 0.1) / -0.15, 9);
    expect(fx).toBeGreaterThan(0.2);
    expect(fx).toBeLessThan(0.4);
    env.free();
  });

  it('restores a moving state exactly: two fresh worlds set to it replay bit for bit', () => {
    const run = (s: Push3DState) => {
      const env = new Push3DEnv();
      env.setState(s);
      for (let t = 0; t < 12; t++) env.step(0.05, 0.01 * t, 0.04);
      const out = env.getState();
      env.free();
      return out;
    };
    const env = new Push3DEnv();
    env.setState(state(-0.14, 0.01, 0.04, 0, 0, Math.PI / 2));
    for (let t = 0; t < 5; t++) env.step(0.02, 0, 0.04); // mid-push: the object moves
    const mid = env.getState();
    env.free();
    expect(Math.hypot(mid.objectVx, mid.objectVy)).toBeGreaterThan(0.05);
    expect(run(mid)).toEqual(run(mid));
  });
});
