import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { convexIntersectionArea, coverage, polygonArea, tIntersectionArea } from './coverage';
import { BLOCK_AREA, BLOCK_BOXES, GOAL_POSE, type Pose } from './pusht/geometry';

/** The goal pose moved by (dx, dy) along its own axes and turned by dθ about its origin. */
function relativeToGoal(dx: number, dy: number, dtheta: number): Pose {
  const c = Math.cos(GOAL_POSE.angle);
  const s = Math.sin(GOAL_POSE.angle);
  return { x: GOAL_POSE.x + c * dx - s * dy, y: GOAL_POSE.y + s * dx + c * dy, angle: GOAL_POSE.angle + dtheta };
}

/** Independent check: is world point (px, py) inside the T at `pose`? */
function insideT(pose: Pose, px: number, py: number): boolean {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  const lx = c * (px - pose.x) + s * (py - pose.y);
  const ly = -s * (px - pose.x) + c * (py - pose.y);
  return BLOCK_BOXES.some((b) => lx >= b.x0 && lx < b.x1 && ly >= b.y0 && ly < b.y1);
}

describe('convex clipping', () => {
  it('intersects two offset unit squares into a quarter', () => {
    const a = new Float64Array([0, 0, 1, 0, 1, 1, 0, 1]);
    const b = new Float64Array([0.5, 0.5, 1.5, 0.5, 1.5, 1.5, 0.5, 1.5]);
    expect(polygonArea(a, 4)).toBe(1);
    expect(convexIntersectionArea(a, 4, b, 4)).toBeCloseTo(0.25, 12);
    expect(convexIntersectionArea(b, 4, a, 4)).toBeCloseTo(0.25, 12);
  });

  it('clips a square by a triangle and gives 0 for disjoint shapes', () => {
    const square = new Float64Array([0, 0, 2, 0, 2, 2, 0, 2]);
    const triangle = new Float64Array([0, 0, 2, 0, 0, 2]); // half the square
    expect(convexIntersectionArea(square, 4, triangle, 3)).toBeCloseTo(2, 12);
    const far = new Float64Array([5, 5, 6, 5, 6, 6, 5, 6]);
    expect(convexIntersectionArea(square, 4, far, 4)).toBe(0);
  });

  it('gives the diamond inside a square: a square turned 45° about the common centre', () => {
    // Square [−1, 1]² and the same square turned by 45°: the overlap is a regular octagon of area 8(√2 − 1).
    const sq = new Float64Array([-1, -1, 1, -1, 1, 1, -1, 1]);
    const r = Math.SQRT2;
    const turned = new Float64Array([0, -r, r, 0, 0, r, -r, 0]);
    expect(convexIntersectionArea(sq, 4, turned, 4)).toBeCloseTo(8 * (Math.SQRT2 - 1), 12);
  });
});

describe('Push-T coverage', () => {
  it('is 1 at the goal pose and 0 far away', () => {
    expect(coverage(GOAL_POSE)).toBeCloseTo(1, 12);
    expect(coverage({ x: 60, y: 60, angle: 0 })).toBe(0);
    expect(coverage(relativeToGoal(0, 0, 2 * Math.PI))).toBeCloseTo(1, 12);
  });

  it('matches hand-computed areas for shifts along the goal’s crossbar axis', () => {
    // Shift d along local x: crossbar overlap (120 − d)·30, stem overlap max(0, 30 − d)·90, no cross terms.
    expect(tIntersectionArea(relativeToGoal(10, 0, 0), GOAL_POSE)).toBeCloseTo(110 * 30 + 20 * 90, 6);
    expect(coverage(relativeToGoal(10, 0, 0))).toBeCloseTo(5100 / 6300, 6);
    expect(coverage(relativeToGoal(-40, 0, 0))).toBeCloseTo((80 * 30) / 6300, 6);
    expect(coverage(relativeToGoal(125, 0, 0))).toBe(0);
  });

  it('matches hand-computed areas for shifts along the stem axis (with the stem/crossbar cross term)', () => {
    // d ≤ 30: crossbars 120·(30 − d), stems 30·(90 − d), stem ∩ moved crossbar 30·d → 6300 − 120·d.
    expect(tIntersectionArea(relativeToGoal(0, 10, 0), GOAL_POSE)).toBeCloseTo(6300 - 1200, 6);
    // d = 50: crossbars 0, stems 30·40, stem ∩ moved crossbar 30·30 → 2100.
    expect(tIntersectionArea(relativeToGoal(0, 50, 0), GOAL_POSE)).toBeCloseTo(2100, 6);
  });

  it('matches hand-computed areas for turns about the origin', () => {
    // π: the turned T lies entirely on the other side of the crossbar's outer edge.
    expect(tIntersectionArea(relativeToGoal(0, 0, Math.PI), GOAL_POSE)).toBeCloseTo(0, 6);
    // π/2: crossbar ∩ crossbar' 30·30, crossbar ∩ stem' 30·15, stem ∩ crossbar' 15·30, stems disjoint → 1800.
    expect(tIntersectionArea(relativeToGoal(0, 0, Math.PI / 2), GOAL_POSE)).toBeCloseTo(1800, 6);
    expect(tIntersectionArea(relativeToGoal(0, 0, -Math.PI / 2), GOAL_POSE)).toBeCloseTo(1800, 6);
  });

  it('is symmetric and agrees with a fine point-sampling estimate on random poses', () => {
    const rng = new Rng(11);
    const step = 0.5;
    for (let n = 0; n < 6; n++) {
      const a: Pose = { x: rng.range(200, 300), y: rng.range(200, 300), angle: rng.range(-Math.PI, Math.PI) };
      const b: Pose = { x: a.x + rng.range(-60, 60), y: a.y + rng.range(-60, 60), angle: rng.range(-Math.PI, Math.PI) };
      const exact = tIntersectionArea(a, b);
      expect(tIntersectionArea(b, a)).toBeCloseTo(exact, 9);
      expect(coverage(a, b)).toBeCloseTo(coverage(b, a), 12);
      let hits = 0;
      for (let px = a.x - 125; px < a.x + 125; px += step) {
        for (let py = a.y - 125; py < a.y + 125; py += step) if (insideT(a, px + step / 2, py + step / 2) && insideT(b, px + step / 2, py + step / 2)) hits++;
      }
      // Sampling error is of the order of the perimeter × step / 2.
      expect(Math.abs(hits * step * step - exact)).toBeLessThan(40);
      expect(exact).toBeLessThanOrEqual(BLOCK_AREA + 1e-9);
    }
  });
});
