import { describe, expect, it } from 'vitest';
import { blockCentroid } from '../../engine/blockPose';
import { ARROW_KEYS, arrowShove, displaced, dragAboutCentre, dragDisplacement, KEY_TURN_RAD } from './dragShove';

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

describe('shoving the block with the arrow keys', () => {
  const pose = { x: 200, y: 260, angle: -0.4 };
  const c = blockCentroid(pose);

  it('moves it one step along the table direction under the arrow, whatever that direction’s length', () => {
    expect(arrowShove(pose, c, ARROW_KEYS.ArrowRight, false, { x: 3, y: 0 }, 1, 16)).toEqual({ dx: 16, dy: 0, dtheta: 0 });
    const d = arrowShove(pose, c, ARROW_KEYS.ArrowUp, false, { x: 0.3, y: 0.4 }, 1, 10);
    expect(d.dx).toBeCloseTo(6, 12);
    expect(d.dy).toBeCloseTo(8, 12);
    expect(arrowShove(pose, c, ARROW_KEYS.ArrowUp, false, { x: 0, y: 0 }, 1, 10)).toEqual({ dx: 0, dy: 0, dtheta: 0 });
  });

  it('with Shift turns it about its centroid: → and ↓ clockwise on screen, ← and ↑ the other way', () => {
    const right = arrowShove(pose, c, ARROW_KEYS.ArrowRight, true, { x: 1, y: 0 }, 1, 16);
    expect(right.dtheta).toBeCloseTo(KEY_TURN_RAD, 12);
    expect(arrowShove(pose, c, ARROW_KEYS.ArrowDown, true, { x: 1, y: 0 }, 1, 16).dtheta).toBeCloseTo(KEY_TURN_RAD, 12);
    expect(arrowShove(pose, c, ARROW_KEYS.ArrowLeft, true, { x: 1, y: 0 }, 1, 16).dtheta).toBeCloseTo(-KEY_TURN_RAD, 12);
    // A table whose positive angle looks counter-clockwise (push-3d's, y up) turns the other way for the same key.
    expect(arrowShove(pose, c, ARROW_KEYS.ArrowRight, true, { x: 1, y: 0 }, -1, 16).dtheta).toBeCloseTo(-KEY_TURN_RAD, 12);
    const after = blockCentroid(displaced(pose, right));
    expect(after.x).toBeCloseTo(c.x, 9);
    expect(after.y).toBeCloseTo(c.y, 9);
  });
});
