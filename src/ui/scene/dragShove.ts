// Turning a mouse drag on the block into shoves: a plain drag moves the block with the pointer; a drag with
// Shift turns it about its centroid by the angle the pointer sweeps. Table coordinates (Push-T px, y down).
import { wrapAngle } from '../../core/angle';
import { blockCentroid, rotationAbout, type Displacement } from '../../engine/blockPose';
import type { Pose } from '../../sim/pusht/geometry';

export interface Point {
  x: number;
  y: number;
}

/** The displacement (about the body origin, as the engine's shove takes it) for the pointer going `from` → `to`. */
export function dragDisplacement(pose: Pose, from: Point, to: Point, rotate: boolean): Displacement {
  if (!rotate) return { dx: to.x - from.x, dy: to.y - from.y, dtheta: 0 };
  const c = blockCentroid(pose);
  const dtheta = wrapAngle(Math.atan2(to.y - c.y, to.x - c.x) - Math.atan2(from.y - c.y, from.x - c.x));
  return rotationAbout(pose, c.x, c.y, dtheta);
}

/**
 * push-3d's version (its shove turns the object about its centre of mass, and `pose` is that centre and the heading,
 * metres): a plain drag moves it with the pointer, a drag with Shift turns it by the angle swept about the centre.
 */
export function dragAboutCentre(pose: Pose, from: Point, to: Point, rotate: boolean): Displacement {
  if (!rotate) return { dx: to.x - from.x, dy: to.y - from.y, dtheta: 0 };
  return { dx: 0, dy: 0, dtheta: wrapAngle(Math.atan2(to.y - pose.y, to.x - pose.x) - Math.atan2(from.y - pose.y, from.x - pose.x)) };
}

/** `pose` moved by `d` (translation, then rotation about the displaced origin, as the displace perturbation). */
export function displaced(pose: Pose, d: Displacement): Pose {
  return { x: pose.x + d.dx, y: pose.y + d.dy, angle: pose.angle + d.dtheta };
}

export function addDisplacement(a: Displacement, b: Displacement): Displacement {
  return { dx: a.dx + b.dx, dy: a.dy + b.dy, dtheta: a.dtheta + b.dtheta };
}

/** The arrow keys as directions on the screen (client px, y down). */
export const ARROW_KEYS: Readonly<Record<string, Point>> = {
  ArrowRight: { x: 1, y: 0 },
  ArrowLeft: { x: -1, y: 0 },
  ArrowUp: { x: 0, y: -1 },
  ArrowDown: { x: 0, y: 1 },
};

/** A keyboard shove's length, as a fraction of the table's width: 16 px of Push-T's 512, 1.6 cm of push-3d's 50 cm. */
export const KEY_SHOVE_FRACTION = 1 / 32;
/** A keyboard turn (Shift + arrow), rad. */
export const KEY_TURN_RAD = Math.PI / 12;

/**
 * The shove for one arrow-key press. A plain arrow moves the block `step` along `towards`, the table direction that
 * looks like the arrow's on screen (any length; the view's camera decides it). With Shift, → and ↓ turn it clockwise
 * on screen and ← and ↑ counter-clockwise, by KEY_TURN_RAD about its centroid (`centre`); `clockwise` is the sign
 * of a table angle that looks clockwise (+1 for Push-T's y-down table seen from above).
 */
export function arrowShove(pose: Pose, centre: Point, key: Point, shift: boolean, towards: Point, clockwise: number, step: number): Displacement {
  if (shift) {
    const turn = (key.x + key.y > 0 ? 1 : -1) * Math.sign(clockwise) * KEY_TURN_RAD;
    return rotationAbout(pose, centre.x, centre.y, turn);
  }
  const norm = Math.hypot(towards.x, towards.y);
  if (!(norm > 0)) return { dx: 0, dy: 0, dtheta: 0 };
  return { dx: (towards.x / norm) * step, dy: (towards.y / norm) * step, dtheta: 0 };
}
