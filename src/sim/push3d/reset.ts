// push-3d's reset distribution, and the shifted variant of the `shifted-init` suite. Continuous uniform
// draws (Push-T's integer pixels have no counterpart in metres); the pusher is redrawn while it would start
// within RESET_CLEARANCE of the object, since a dynamic object cannot start overlapped without being flung.
import type { Rng } from '../../core/rng';
import { tDistance } from '../expertGeometry/tShape';
import {
  OBJECT_BOXES,
  PUSHER_RADIUS,
  PX_PER_M,
  RESET_CLEARANCE,
  RESET_OBJECT_HALF,
  RESET_PUSHER_HALF,
  RESET_PUSHER_TOP,
  TABLE_HALF,
} from './geometry';
import type { Push3DState } from './push3dEnv';

/** Whether a pusher at world (x, y) (below the pillar's top) keeps `clearance` from an upright object at (ox, oy, yaw). */
function pusherClear(x: number, y: number, ox: number, oy: number, yaw: number, clearance: number): boolean {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  const lx = c * (x - ox) + s * (y - oy);
  const ly = -s * (x - ox) + c * (y - oy);
  return tDistance(lx * PX_PER_M, ly * PX_PER_M) / PX_PER_M >= PUSHER_RADIUS + clearance;
}

/** Whether every footprint corner of an upright object at (x, y, yaw) lies on the table. */
export function onTable(x: number, y: number, yaw: number): boolean {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  for (const b of OBJECT_BOXES) {
    for (const lx of [b.x0, b.x1]) {
      for (const ly of [b.y0, b.y1]) {
        if (Math.abs(c * lx - s * ly + x) > TABLE_HALF || Math.abs(s * lx + c * ly + y) > TABLE_HALF) return false;
      }
    }
  }
  return true;
}

/** Writes an upright object at rest at (x, y, yaw) into `out`. */
function placeObject(out: Push3DState, x: number, y: number, yaw: number): void {
  out.objectX = x;
  out.objectY = y;
  out.objectZ = 0;
  out.objectQx = 0;
  out.objectQy = 0;
  out.objectQz = Math.sin(yaw / 2);
  out.objectQw = Math.cos(yaw / 2);
  out.objectVx = out.objectVy = out.objectVz = 0;
  out.objectWx = out.objectWy = out.objectWz = 0;
}

/** Draws the pusher (at rest) until it clears the object already in `out`. */
function placePusher(rng: Rng, out: Push3DState): void {
  const yaw = 2 * Math.atan2(out.objectQz, out.objectQw);
  do {
    out.pusherX = rng.range(-RESET_PUSHER_HALF, RESET_PUSHER_HALF);
    out.pusherY = rng.range(-RESET_PUSHER_HALF, RESET_PUSHER_HALF);
    out.pusherZ = rng.range(PUSHER_RADIUS, RESET_PUSHER_TOP);
  } while (!pusherClear(out.pusherX, out.pusherY, out.objectX, out.objectY, yaw, RESET_CLEARANCE));
  out.pusherVx = out.pusherVy = out.pusherVz = 0;
}

/** Nominal reset: object origin uniform in [−0.11, 0.11]² m, heading uniform in [−π, π), upright at rest; then the pusher. */
export function sampleResetState3d(rng: Rng, out: Push3DState): Push3DState {
  const x = rng.range(-RESET_OBJECT_HALF, RESET_OBJECT_HALF);
  const y = rng.range(-RESET_OBJECT_HALF, RESET_OBJECT_HALF);
  placeObject(out, x, y, rng.range(-Math.PI, Math.PI));
  placePusher(rng, out);
  return out;
}

/**
 * Shifted reset: the object origin lies in the border band of width `band` (m) around the nominal square
 * and the whole footprint on the table (rejection sampling of x, y, heading); then the pusher as usual.
 */
export function sampleShiftedResetState3d(rng: Rng, band: number, out: Push3DState): Push3DState {
  const lo = -RESET_OBJECT_HALF - band;
  const hi = RESET_OBJECT_HALF + band;
  for (;;) {
    const x = rng.range(lo, hi);
    const y = rng.range(lo, hi);
    const yaw = rng.range(-Math.PI, Math.PI);
    const inNominalSquare = Math.abs(x) < RESET_OBJECT_HALF && Math.abs(y) < RESET_OBJECT_HALF;
    if (!inNominalSquare && onTable(x, y, yaw)) {
      placeObject(out, x, y, yaw);
      placePusher(rng, out);
      return out;
    }
  }
}
