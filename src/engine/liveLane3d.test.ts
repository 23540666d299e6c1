// A playground lane on push-3d: the task's own expert drives it through the generic vectorised env, the tokens
// live in 3D, the planar scalars read the object off its tokens (metres), a learned policy with 3-D actions
// runs on stand-in modules, a shove moves the object, and push-3d's suites apply live: a tilt tips the pillar (its
// tokens move in z, Φ's residual spikes), a kick shoves it along its direction, a friction condition holds.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { COM_LOCAL, GOAL_POSE } from '../sim/push3d/geometry';
import { initRapier3d, zeroState3d } from '../sim/push3d/push3dEnv';
import type { Push3DPerturbation } from '../sim/push3d/perturbations3d';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { TOKEN_DIM } from '../sim/taskSpec';
import { denormaliseCoord } from '../sim/tokens';
import { laneViews } from './liveFrame';
import { LiveLane } from './liveLane';
import { LivePolicy } from './livePolicy';
import { useNodeBackend } from './nodeBackend';
import { objectPlanarPose } from './objectPose3d';
import { standIn } from './policyModules';
import { writeKeypointTokens3d } from '../sim/push3d/tokens3d';

const config: Config = { ...defaultConfig(), task: 'push-3d', horizon: 4, executeSteps: 2, priorWidth: 16, priorDepth: 1, priorExpertDepth: 1, priorHeads: 2, priorActionTokens: 2, sdeSteps: 2, liveEpisodeLength: 20 };
const SEED = 7;
const STEPS = 5;

beforeAll(async () => {
  await useNodeBackend('cpu');
  await initRapier3d();
});

/** A push-3d suite's perturbation, checked against its type. */
const perturbation = (p: Push3DPerturbation): Push3DPerturbation => p;

function zSpread(tokens: Float32Array): number {
  const zs = Array.from({ length: tokens.length / TOKEN_DIM }, (_, k) => tokens[k * TOKEN_DIM + 2]);
  return Math.max(...zs) - Math.min(...zs);
}

describe('push-3d lane', () => {
  it('runs the expert: steps advance, the pusher moves, tokens spread in z, scalars are the object read off its tokens', async () => {
    const lane = await LiveLane.create(new LivePolicy('expert', {}, push3dSpec), config);
    lane.startEpisode(0, SEED);
    const start = Float32Array.from(lane.tokens);
    for (let i = 0; i < STEPS; i++) await lane.stepOnce(config);
    const v = laneViews(lane.frame().data, lane.layout);
    expect(v.scalar('step')).toBe(STEPS);
    expect(v.tokens.length).toBe(14 * TOKEN_DIM);
    // The pillar stands 0.12 m tall: its top corners are 0.4 normalised units above its bottom ones.
    expect(zSpread(v.tokens)).toBeGreaterThan(0.35);
    const agent = 13 * TOKEN_DIM;
    expect(Math.hypot(v.tokens[agent] - start[agent], v.tokens[agent + 1] - start[agent + 1], v.tokens[agent + 2] - start[agent + 2])).toBeGreaterThan(1e-3);
    expect(v.scalar('blockX')).toBeCloseTo(denormaliseCoord(push3dSpec, 0, v.tokens[12 * TOKEN_DIM]), 6);
    expect(v.scalar('agentY')).toBeCloseTo(denormaliseCoord(push3dSpec, 1, v.tokens[agent + 1]), 6);
    // The expert's command is a 3-D target, metres, inside the action space.
    const total = v.decomposition.subarray(4 * 3, 5 * 3);
    expect(Math.abs(total[0])).toBeLessThanOrEqual(0.3);
    expect(total[2]).toBeGreaterThan(0);
    lane.free();
  });

  it('runs a learned policy with 3-D actions on stand-in modules', async () => {
    const lane = await LiveLane.create(new LivePolicy('prior', { prior: standIn('prior', config, push3dSpec) }, push3dSpec), config);
    lane.startEpisode(0, SEED);
    await lane.stepOnce(config);
    const v = laneViews(lane.frame().data, lane.layout);
    expect(v.scalar('step')).toBe(1);
    expect(v.scalar('hasDecomposition')).toBe(1);
    expect(v.reflex.length).toBe(3);
    lane.policy.dispose();
    lane.free();
  });

  it('ends a failed episode (the pillar lies on its side) as done, not as a success', async () => {
    const lane = await LiveLane.create(new LivePolicy('expert', {}, push3dSpec), config);
    lane.startEpisode(0, SEED);
    const lying = { ...zeroState3d(), objectZ: 0.03, objectQx: Math.SQRT1_2, objectQw: Math.SQRT1_2, pusherX: 0.2, pusherY: 0.2, pusherZ: 0.1 };
    lane.env.setState(0, lying);
    await lane.stepOnce(config);
    const v = laneViews(lane.frame().data, lane.layout);
    expect(v.scalar('step')).toBe(1);
    expect(v.scalar('done')).toBe(1);
    expect(v.scalar('success')).toBe(0);
    lane.free();
  });

  it('applies a shove at the next step: the object moves by it (metres) and Φ-free lanes record it', async () => {
    const lane = await LiveLane.create(new LivePolicy('expert', {}, push3dSpec), config);
    lane.startEpisode(0, SEED);
    const before = { ...lane.block };
    const SHOVE = { dx: 0.04, dy: -0.03, dtheta: 0.5 };
    lane.shove(SHOVE);
    await lane.stepOnce(config);
    // The expert's pusher starts away from the object, so in one step the object moves by the shove alone.
    expect(lane.block.x - before.x).toBeCloseTo(SHOVE.dx, 2);
    expect(lane.block.y - before.y).toBeCloseTo(SHOVE.dy, 2);
    expect(lane.block.angle - before.angle).toBeCloseTo(SHOVE.dtheta, 2);
    // Recorded as the displace suite's parameters: step, dx, dy, dz (a drag does not lift it), dyaw.
    expect(Array.from(lane.exportArrays().shoves.data)).toEqual([0, SHOVE.dx, SHOVE.dy, 0, SHOVE.dtheta]);
    lane.free();
  });

  it("tips the pillar at the next step under a tilt: its tokens move in z and Φ's residual spikes there, and it is recorded", async () => {
    const world = standIn('world', config, push3dSpec);
    const make = async () => {
      const l = await LiveLane.create(new LivePolicy('expert', { world }, push3dSpec), config);
      l.startEpisode(0, SEED);
      await l.stepOnce(config);
      return l;
    };
    const tilted = await make();
    const plain = await make();
    expect(tilted.tokens).toEqual(plain.tokens);
    const TILT = { kind: 'tilt', angle: 0.35, azimuth: 1, at: 60, jitter: 1 } as const;
    tilted.perturbOnce(perturbation(TILT));
    await tilted.stepOnce(config);
    await plain.stepOnce(config);
    // Tipped 0.35 rad about a bottom corner, the top corners rise or sink by centimetres (0.3 m per normalised unit).
    const zShift = Array.from({ length: 12 }, (_, k) => Math.abs(tilted.tokens[k * TOKEN_DIM + 2] - plain.tokens[k * TOKEN_DIM + 2]) * push3dSpec.worldScale[2]);
    expect(Math.max(...zShift)).toBeGreaterThan(0.01);
    const agent = 13 * TOKEN_DIM;
    expect(tilted.tokens[agent + 2]).toBeCloseTo(plain.tokens[agent + 2], 4);
    // Φ predicted the same Ŝ for both: the residual on the object's tokens is the tilt's.
    expect(tilted.policy.predicted).toEqual(plain.policy.predicted);
    const norms = (l: LiveLane) => Array.from({ length: 12 }, (_, k) => Math.hypot(...l.policy.deltaZ.subarray(k * TOKEN_DIM, (k + 1) * TOKEN_DIM)));
    expect(Math.max(...norms(tilted))).toBeGreaterThan(Math.max(...norms(plain)) + 0.03);
    expect(Array.from(tilted.exportArrays().tilts.data)).toEqual([1, TILT.angle, TILT.azimuth]);
    expect(plain.exportArrays().tilts.shape).toEqual([0, 3]);
    tilted.free();
    plain.free();
    world.dispose();
  });

  it('kicks the pillar along the drawn direction at the next step', async () => {
    const lane = await LiveLane.create(new LivePolicy('expert', {}, push3dSpec), config);
    lane.startEpisode(0, SEED);
    const before = { ...lane.block };
    const ANGLE = -2;
    lane.perturbOnce(perturbation({ kind: 'kick', impulse: 0.3, angle: ANGLE, at: 80, jitter: 1 }));
    for (let t = 0; t < 3; t++) await lane.stepOnce(config);
    const [mx, my] = [lane.block.x - before.x, lane.block.y - before.y];
    expect(Math.hypot(mx, my)).toBeGreaterThan(0.01);
    expect((mx * Math.cos(ANGLE) + my * Math.sin(ANGLE)) / Math.hypot(mx, my)).toBeGreaterThan(0.95);
    expect(() => lane.perturbOnce({ kind: 'friction' })).toThrow(/friction is not a one-shot suite of push-3d/);
    lane.free();
  });

  it('applies a lasting condition now and in later episodes: a kicked pillar slides less on a high-friction table', async () => {
    const slide = async (mu: number) => {
      const lane = await LiveLane.create(new LivePolicy('expert', {}, push3dSpec), config);
      lane.startEpisode(1, SEED);
      lane.setCondition(perturbation({ kind: 'friction', mu }));
      const x0 = lane.block.x;
      lane.perturbOnce(perturbation({ kind: 'kick', impulse: 0.3, angle: Math.PI, at: 0, jitter: 1 }));
      for (let t = 0; t < 3; t++) await lane.stepOnce(config);
      const d = x0 - lane.block.x;
      lane.startEpisode(2, SEED);
      expect(lane.env.getPerturbation()).toEqual({ kind: 'friction', mu });
      lane.free();
      return d;
    };
    const [slippery, sticky] = [await slide(0.1), await slide(1.5)];
    expect(slippery).toBeGreaterThan(0.05);
    expect(sticky).toBeLessThan(slippery / 10);
    const lane = await LiveLane.create(new LivePolicy('expert', {}, push3dSpec), config);
    expect(() => lane.setCondition({ kind: 'tilt' })).toThrow(/tilt is not a lasting condition of push-3d/);
    lane.free();
  });
});

describe('objectPlanarPose', () => {
  it('reads the goal pose back from its keypoint tokens: centre of mass and heading', () => {
    const tokens = new Float32Array(13 * TOKEN_DIM);
    writeKeypointTokens3d(push3dSpec, GOAL_POSE, tokens, 0);
    const pose = objectPlanarPose(tokens, push3dSpec);
    const yaw = Math.PI / 4;
    expect(pose.angle).toBeCloseTo(yaw, 5);
    expect(pose.x).toBeCloseTo(GOAL_POSE.x - Math.sin(yaw) * COM_LOCAL[1], 5);
    expect(pose.y).toBeCloseTo(GOAL_POSE.y + Math.cos(yaw) * COM_LOCAL[1], 5);
  });
});
