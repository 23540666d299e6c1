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
