import { beforeAll, describe, expect, it } from 'vitest';
import { ARENA_MIN, BLOCK_BOXES, BLOCK_COG, K_P, K_V, SUBSTEPS_PER_ACTION, SUBSTEP_DT, WALL_CORNERS, WALL_RADIUS, type Pose } from './pusht/geometry';
import { PushTEnv, initRapier, type PushTState } from './pusht/pushTEnv';

beforeAll(async () => {
  await initRapier();
});

function state(agentX: number, agentY: number, blockX: number, blockY: number, blockAngle: number): PushTState {
  return { agentX, agentY, agentVx: 0, agentVy: 0, blockX, blockY, blockAngle };
}

/** World x of every block corner. */
function cornerXs(p: Pose): number[] {
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  const xs: number[] = [];
  for (const b of BLOCK_BOXES) for (const lx of [b.x0, b.x1]) for (const ly of [b.y0, b.y1]) xs.push(c * lx - s * ly + p.x);
  return xs;
}

/** Centre of gravity in world pixels. */
function cog(p: Pose): [number, number] {
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  return [p.x + c * BLOCK_COG[0] - s * BLOCK_COG[1], p.y + s * BLOCK_COG[0] + c * BLOCK_COG[1]];
}

describe('PushTEnv physics', () => {
  it('leaves an untouched block exactly where it is', () => {
    const env = new PushTEnv();
    env.setState(state(60, 450, 300, 200, 0.7));
    const before = { ...env.block };
    for (let t = 0; t < 30; t++) env.step(60 + 3 * t, 450 - 2 * t); // the agent wanders far from the block
    expect(env.block).toEqual(before);
    env.free();
  });

  it('moves the agent by the discrete PD law: about 30% of a jump in one action from rest', () => {
    const env = new PushTEnv();
    env.setState(state(100, 100, 400, 400, 0));
    env.step(200, 100);
    // Closed form of the linear recurrence e' = e + dt·v', v' = v + dt(−K_P·e − K_V·v), e = p − a, as a matrix power.
    const dt = SUBSTEP_DT;
    const m = [
      [1 - K_P * dt * dt, dt * (1 - K_V * dt)],
      [-K_P * dt, 1 - K_V * dt],
    ];
    let e = -100;
    let v = 0;
    for (let i = 0; i < SUBSTEPS_PER_ACTION; i++) [e, v] = [m[0][0] * e + m[0][1] * v, m[1][0] * e + m[1][1] * v];
    expect(env.agentX).toBeCloseTo(200 + e, 9);
    expect(env.agentVx).toBeCloseTo(v, 9);
    expect(env.agentY).toBe(100);
    const fraction = (env.agentX - 100) / 100;
    expect(fraction).toBeGreaterThan(0.28);
    expect(fraction).toBeLessThan(0.31);
    for (let t = 0; t < 30; t++) env.step(200, 100);
    expect(Math.abs(env.agentX - 200)).toBeLessThan(0.05);
    env.free();
  });

  it('pushes the block straight when the push passes through the centre of gravity', () => {
    const env = new PushTEnv();
    // Agent left of the stem at the centre of gravity's height, pushing +x.
    env.setState(state(200, 256 + BLOCK_COG[1], 256, 256, 0));
    for (let t = 0; t < 20; t++) env.step(360, 256 + BLOCK_COG[1]);
    // Quasi-static: the stem's left face (x − 15) ends against the agent's edge (x + 15).
    expect(env.block.x - 15).toBeCloseTo(env.agentX + 15, 0);
    expect(Math.abs(env.block.y - 256)).toBeLessThan(0.5);
    expect(Math.abs(env.block.angle)).toBeLessThan(0.01);
    env.free();
  });

  it('turns the block when pushed off the centre of gravity, and stops it once the agent stops', () => {
    const env = new PushTEnv();
    env.setState(state(150, 265, 256, 256, 0)); // against the crossbar's left end, above the CoG
    for (let t = 0; t < 10; t++) env.step(260, 265);
    expect(Math.abs(env.block.angle)).toBeGreaterThan(0.05);
    for (let t = 0; t < 10; t++) env.step(120, 120); // retreat
    const rest = { ...env.block };
    for (let t = 0; t < 10; t++) env.step(120, 120);
    expect(env.block).toEqual(rest);
    env.free();
  });

  it('stops the block at a wall while the agent passes through it', () => {
    const env = new PushTEnv();
    const wallInside = WALL_CORNERS[1][0] - WALL_RADIUS; // right wall's inner surface, x = 504
    env.setState(state(170, 256 + BLOCK_COG[1], 256, 256, 0));
    for (let t = 0; t < 60; t++) {
      env.step(600, 256 + BLOCK_COG[1]);
      // Squeezed between the kinematic agent and the wall, the block may sink in transiently (Chipmunk too: slop).
      expect(Math.max(...cornerXs(env.block))).toBeLessThan(wallInside + 1.5);
    }
    // Once the agent has gone through, the block rests on the wall's surface.
    expect(Math.max(...cornerXs(env.block))).toBeCloseTo(wallInside, 1);
    expect(env.agentX).toBeCloseTo(600, 1);
    env.free();
  });

  it('pushes a block that starts deep in a wall back into the arena, never out', () => {
    const env = new PushTEnv();
    // The stem points left through the left wall: 67 px of it beyond the wall's inner surface, 23 px inside.
    env.setState(state(400, 400, 60, 256, Math.PI / 2));
    for (let t = 0; t < 20; t++) env.step(400, 400);
    // It ends with the stem's tip on the wall's inner surface: origin at 7 + 120.
    expect(env.block.x).toBeCloseTo(ARENA_MIN + 120, 1);
    expect(env.block.angle).toBeCloseTo(Math.PI / 2, 5);
    env.free();
  });

  it('lets the agent cross the walls freely', () => {
    const env = new PushTEnv();
    env.setState(state(250, 250, 256, 400, 0));
    for (let t = 0; t < 40; t++) env.step(250, -80);
    expect(env.agentY).toBeCloseTo(-80, 1);
    env.free();
  });

  it('restores by poses: two fresh worlds set to one state replay bit for bit; a restored copy follows the original', () => {
    const drive = (env: PushTEnv, steps: number) => {
      for (let t = 0; t < steps; t++) {
        const [cx, cy] = cog(env.block);
        env.step(cx + 40 * Math.cos(0.1 * t), cy + 40 * Math.sin(0.1 * t));
      }
    };
    const original = new PushTEnv();
    original.setState(state(150, 300, 256, 256, 0.2));
    drive(original, 30);
    const s = original.getState();
    const a = new PushTEnv();
    const b = new PushTEnv();
    a.setState(s);
    b.setState(s);
    drive(a, 40);
    drive(b, 40);
    expect(a.getState()).toEqual(b.getState());
    // The original keeps Rapier's contact cache (warm-start impulses), which poses do not hold: close, not bitwise.
    const c = new PushTEnv();
    c.setState(s);
    drive(original, 5);
    drive(c, 5);
    expect(Math.abs(original.block.x - c.block.x)).toBeLessThan(0.01);
    expect(Math.abs(original.block.angle - c.block.angle)).toBeLessThan(1e-4);
    for (const env of [original, a, b, c]) env.free();
  });
});

describe('PushTEnv perturbation knobs', () => {
  it('kick: a free block travels exactly the shove’s distance', () => {
    const env = new PushTEnv();
    env.setState(state(60, 60, 200, 200, 0.3));
    env.kick(800, 0, 5); // 800 px/s for 5 substeps = 40 px
    env.step(60, 60);
    expect(env.block.x).toBeCloseTo(240, 3);
    expect(env.block.y).toBeCloseTo(200, 4);
    expect(env.block.angle).toBeCloseTo(0.3, 6);
    env.step(60, 60); // and stops again
    expect(env.block.x).toBeCloseTo(240, 3);
    env.free();
  });

  it('friction drags the block sideways along a sliding contact; frictionless contact cannot', () => {
    const sideways = (mu: number) => {
      const env = new PushTEnv();
      env.setAgentFriction(mu);
      // Agent above the crossbar's outer edge, pressing diagonally (down-right) onto it.
      env.setState(state(236, 256 - 15, 256, 256, 0));
      const [x0] = cog(env.block);
      env.step(296, 300);
      const dx = cog(env.block)[0] - x0;
      env.free();
      return dx;
    };
    const slippery = sideways(0);
    const grippy = sideways(0.6);
    expect(Math.abs(slippery)).toBeLessThan(1);
    expect(grippy).toBeGreaterThan(slippery + 5);
  });

  it('mass: a centre-of-mass offset turns a push that nominally passes through the centre of gravity', () => {
    const turn = (comDy: number) => {
      const env = new PushTEnv();
      env.setComOffset(0, comDy);
      env.setState(state(200, 256 + BLOCK_COG[1], 256, 256, 0));
      for (let t = 0; t < 10; t++) env.step(360, 256 + BLOCK_COG[1]);
      const angle = env.block.angle;
      env.free();
      return angle;
    };
    expect(Math.abs(turn(0))).toBeLessThan(0.01);
    expect(Math.abs(turn(20))).toBeGreaterThan(0.1);
  });
});
