import { describe, expect, it } from 'vitest';
import { blockCentroid } from '../../engine/blockPose';
import { displaced, dragDisplacement, wrapAngle } from './dragShove';

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
    expect(wrapAngle(3 * Math.PI / 2)).toBeCloseTo(-Math.PI / 2, 12);
    expect(wrapAngle(-Math.PI)).toBe(Math.PI);
    const c = blockCentroid(pose);
    const d = dragDisplacement(pose, { x: c.x - 50, y: c.y + 1 }, { x: c.x - 50, y: c.y - 1 }, true);
    expect(Math.abs(d.dtheta)).toBeLessThan(0.05);
  });
});
