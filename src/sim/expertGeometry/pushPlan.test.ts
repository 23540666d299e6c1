// The expert's drift check: a plan is dropped when the block has moved or turned since it was made, and a heading
// that crosses ±π (push-3d's yaw is read from a rotation, so it jumps by 2π there) is not mistaken for a turn.
import { describe, expect, it } from 'vitest';
import { drifted } from './pushPlan';

describe('drifted', () => {
  const planned = { x: 100, y: 200, angle: Math.PI - 0.005 };

  it('keeps the plan for a block that has neither moved nor turned beyond the tolerances (1.5 px, 0.02 rad)', () => {
    expect(drifted(planned, { x: 101, y: 200.5, angle: Math.PI - 0.02 })).toBe(false);
  });

  it('keeps the plan when the heading crosses ±π by a small turn', () => {
    // From π − 0.005 to −π + 0.005 is a turn of 0.01 rad, not of 2π − 0.01.
    expect(drifted(planned, { x: 100, y: 200, angle: -Math.PI + 0.005 })).toBe(false);
  });

  it('drops the plan for a turn or a move beyond the tolerances, across ±π too', () => {
    expect(drifted(planned, { x: 100, y: 200, angle: -Math.PI + 0.02 })).toBe(true);
    expect(drifted(planned, { x: 100, y: 200, angle: Math.PI - 0.03 })).toBe(true);
    expect(drifted(planned, { x: 101.5, y: 201.5, angle: planned.angle })).toBe(true);
  });
});
