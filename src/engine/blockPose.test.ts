import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { blockInsideArena, type Pose } from '../sim/pusht/geometry';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { writePushTTokens } from '../sim/tokens';
import { BLOCK_CENTROID_LOCAL, blockCentroid, clampDisplacement, pointInBlock, poseFromKeypoints, rotationAbout, wallPenetration } from './blockPose';

describe('block pose geometry', () => {
  it('recovers a pose from its float32 keypoint tokens to a hundredth of a pixel', () => {
    const rng = new Rng(3);
    const tokens = new Float32Array(pushTSpec.numTokens * 3);
    for (let i = 0; i < 50; i++) {
      const pose: Pose = { x: rng.range(50, 460), y: rng.range(50, 460), angle: rng.range(-Math.PI, Math.PI) };
      writePushTTokens(pushTSpec, pose, 10, 20, tokens, 0);
      const got = poseFromKeypoints(tokens, pushTSpec);
      expect(Math.abs(got.x - pose.x)).toBeLessThan(0.01);
      expect(Math.abs(got.y - pose.y)).toBeLessThan(0.01);
      expect(Math.abs(Math.atan2(Math.sin(got.angle - pose.angle), Math.cos(got.angle - pose.angle)))).toBeLessThan(1e-4);
    }
  });

  it('keeps a shove inside the walls: whole when it fits, cut at the wall when it does not', () => {
    const pose: Pose = { x: 256, y: 256, angle: 0 };
    expect(clampDisplacement(pose, { dx: 30, dy: -20, dtheta: 0.3 })).toEqual({ dx: 30, dy: -20, dtheta: 0.3 });
    // The crossbar reaches 60 px right of the origin; the wall's inner face is at 504.
    const cut = clampDisplacement(pose, { dx: 400, dy: 0, dtheta: 0 });
    expect(cut.dx).toBeGreaterThan(504 - 60 - 256 - 0.01);
    expect(cut.dx).toBeLessThanOrEqual(504 - 60 - 256);
    expect(blockInsideArena({ ...pose, x: pose.x + cut.dx })).toBe(true);
  });

  it('lets a block resting a contact slop inside a wall move away from it, but not further in', () => {
    // Crossbar end 0.05 px past the right wall's inner face (504), as a block pushed against it rests.
    const resting: Pose = { x: 504.05 - 60, y: 256, angle: 0 };
    expect(wallPenetration(resting)).toBeCloseTo(0.05, 9);
    expect(blockInsideArena(resting)).toBe(false);
    expect(clampDisplacement(resting, { dx: -30, dy: 10, dtheta: 0 })).toEqual({ dx: -30, dy: 10, dtheta: 0 });
    expect(clampDisplacement(resting, { dx: 30, dy: 0, dtheta: 0 }).dx).toBeCloseTo(0, 4);
    // Along the wall is fine.
    expect(clampDisplacement(resting, { dx: 0, dy: 40, dtheta: 0 })).toEqual({ dx: 0, dy: 40, dtheta: 0 });
  });

  it('rotating about a point leaves that point where it was on the block', () => {
    const pose: Pose = { x: 200, y: 300, angle: 0.7 };
    const c = blockCentroid(pose);
    const d = rotationAbout(pose, c.x, c.y, 0.9);
    const moved = { x: pose.x + d.dx, y: pose.y + d.dy, angle: pose.angle + d.dtheta };
    const c2 = blockCentroid(moved);
    expect(c2.x).toBeCloseTo(c.x, 9);
    expect(c2.y).toBeCloseTo(c.y, 9);
    expect(moved.angle).toBeCloseTo(1.6, 12);
  });

  it('knows the T: its area centroid, and which points lie on it', () => {
    expect(BLOCK_CENTROID_LOCAL[0]).toBe(0);
    expect(BLOCK_CENTROID_LOCAL[1]).toBeCloseTo((15 * 3600 + 75 * 2700) / 6300, 12);
    const pose: Pose = { x: 256, y: 256, angle: Math.PI / 2 };
    const c = blockCentroid(pose);
    expect(pointInBlock(pose, c.x, c.y)).toBe(true);
    // Local (50, 60) is beside the stem, off the T; with a margin of 40 px it counts.
    const off = { x: 256 - 60, y: 256 + 50 };
    expect(pointInBlock(pose, off.x, off.y)).toBe(false);
    expect(pointInBlock(pose, off.x, off.y, 40)).toBe(true);
  });
});
