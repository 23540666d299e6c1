import { describe, expect, it } from 'vitest';
import { blockCentroid } from '../../engine/blockPose';
import { displaced, dragAboutCentre, dragDisplacement } from './dragShove';

describe('dragging the block', () => {
  const pose = { x: 200, y: 260, angle: -0.4 };

  it('moves the block with the pointer', () => {
    expect(dragDisplacement(pose, { x: 10, y: 10 }, { x: 25, y: 4 }, false)).toEqual({ dx: 15, dy: -6, dtheta: 0 });
  });

  it('with Shift turns it about its centroid by the angle the pointer swept', () => {
    const c = blockCentroid(pose);
    // A quarter turn of the pointer around the centroid (y down: from +x to +y is +π/2).
    const d = dragDisplacement(pose, { x: c.x + 50, y: c.y }, { x: c.x, y: c.y + 80 }, true);
    expect(d.dtheta).toBeCloseTo(Math.PI / 2, 12);
    const after = blockCentroid(displaced(pose, d));
    expect(after.x).toBeCloseTo(c.x, 9);
    expect(after.y).toBeCloseTo(c.y, 9);
  });

  it('takes the short way round across ±π', () => {
    const c = blockCentroid(pose);
    const d = dragDisplacement(pose, { x: c.x - 50, y: c.y + 1 }, { x: c.x - 50, y: c.y - 1 }, true);
    expect(Math.abs(d.dtheta)).toBeLessThan(0.05);
  });
});

describe('dragging the push-3d pillar (pose = centre of mass, metres)', () => {
  const pose = { x: 0.05, y: -0.02, angle: 1 };

  it('moves it with the pointer', () => {
    const d = dragAboutCentre(pose, { x: 0.1, y: 0 }, { x: 0.13, y: -0.01 }, false);
    expect(d.dx).toBeCloseTo(0.03, 12);
    expect(d.dy).toBeCloseTo(-0.01, 12);
    expect(d.dtheta).toBe(0);
  });

  it('with Shift, turns it about its centre by the angle swept there, leaving the centre in place', () => {
    const d = dragAboutCentre(pose, { x: pose.x + 0.05, y: pose.y }, { x: pose.x, y: pose.y + 0.05 }, true);
    expect(d.dtheta).toBeCloseTo(Math.PI / 2, 12);
    expect(d.dx).toBe(0);
    expect(d.dy).toBe(0);
  });
});
