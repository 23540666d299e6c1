// The T in its own frame, as the expert sees it: signed distance to the block, the pose cost it
// minimises, and the push primitives it may choose from (where the pusher touches and which way it pushes).
import { AGENT_RADIUS, BLOCK_BOXES, BLOCK_COG, GOAL_POSE, type Pose } from '../pusht/geometry';

/** Signed distance from a local point to the T (negative inside): the union of two boxes is the min. */
export function tDistance(x: number, y: number): number {
  let best = Infinity;
  for (const b of BLOCK_BOXES) {
    const dx = Math.max(b.x0 - x, x - b.x1);
    const dy = Math.max(b.y0 - y, y - b.y1);
    const d = dx <= 0 && dy <= 0 ? Math.max(dx, dy) : Math.hypot(Math.max(dx, 0), Math.max(dy, 0));
    if (d < best) best = d;
  }
  return best;
}

/** Unit direction in which tDistance grows fastest at (x, y) (central differences). */
export function tOutward(x: number, y: number): [number, number] {
  const h = 0.5;
  const gx = tDistance(x + h, y) - tDistance(x - h, y);
  const gy = tDistance(x, y + h) - tDistance(x, y - h);
  const n = Math.hypot(gx, gy);
  // On the ridge of a box interior both differences can vanish: leave away from the centre of gravity.
  if (n < 1e-9) {
    const ax = x - BLOCK_COG[0];
    const ay = y - BLOCK_COG[1];
    const m = Math.hypot(ax, ay) || 1;
    return [ax / m, ay / m];
  }
  return [gx / n, gy / n];
}

/** The T's 8 polygon corners (local). */
const CORNERS: readonly (readonly [number, number])[] = [
  [-60, 0],
  [60, 0],
  [60, 30],
  [15, 30],
  [15, 120],
  [-15, 120],
  [-15, 30],
  [-60, 30],
];

/** Farthest point of the T from its centre of gravity (a stem corner, ≈ 76.5 px). */
export const T_REACH = Math.max(...CORNERS.map(([x, y]) => Math.hypot(x - BLOCK_COG[0], y - BLOCK_COG[1])));

/**
 * The pose cost: mean squared distance (px²) between the block's corners and the goal's. It weighs
 * translation and rotation the way the area overlap does (both move the outline), is smooth, and has no
 * wrap-around in the angle.
 */
export function poseCost(p: Pose, goal: Pose = GOAL_POSE): number {
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  const cg = Math.cos(goal.angle);
  const sg = Math.sin(goal.angle);
  let sum = 0;
  for (const [lx, ly] of CORNERS) {
    const dx = c * lx - s * ly + p.x - (cg * lx - sg * ly + goal.x);
    const dy = s * lx + c * ly + p.y - (sg * lx + cg * ly + goal.y);
    sum += dx * dx + dy * dy;
  }
  return sum / CORNERS.length;
}

/** A push primitive in the block frame: the pusher touches (px, py) and moves along the unit (dx, dy). */
export interface PushContact {
  px: number;
  py: number;
  dx: number;
  dy: number;
}

/**
 * Contacts along every face (pushing along the inward normal) and at the six convex corners (pushing
 * diagonally, which no face offers). Points closer than one pusher radius to a concave corner are left
 * out: the pusher cannot reach them without touching the other face.
 */
function buildContacts(): PushContact[] {
  const out: PushContact[] = [];
  const face = (xs: number[], ys: number[], dx: number, dy: number) => {
    for (const px of xs) for (const py of ys) out.push({ px, py, dx, dy });
  };
  face([-55, -45, -35, -25, -15, -5, 5, 15, 25, 35, 45, 55], [0], 0, 1); // crossbar top
  face([-60], [8, 22], 1, 0); // crossbar left end
  face([60], [8, 22], -1, 0); // crossbar right end
  face([-55, -45, -35], [30], 0, -1); // crossbar underside, left of the stem
  face([35, 45, 55], [30], 0, -1); // crossbar underside, right of the stem
  face([-15], [50, 65, 80, 95, 110], 1, 0); // stem left side
  face([15], [50, 65, 80, 95, 110], -1, 0); // stem right side
  face([-10, 0, 10], [120], 0, -1); // stem bottom
  const d = Math.SQRT1_2;
  for (const [px, py, dx, dy] of [
    [-60, 0, d, d],
    [60, 0, -d, d],
    [-60, 30, d, -d],
    [60, 30, -d, -d],
    [-15, 120, d, -d],
    [15, 120, -d, -d],
  ]) {
    out.push({ px, py, dx, dy });
  }
  // The pusher centre stands one radius back along the push line; keep contacts where that spot is free.
  return out.filter((c) => tDistance(c.px - c.dx * (AGENT_RADIUS + 1), c.py - c.dy * (AGENT_RADIUS + 1)) >= AGENT_RADIUS - 1e-9);
}

export const PUSH_CONTACTS: readonly PushContact[] = buildContacts();

/** Local → world for a point of a block at `pose`. */
export function toWorld(pose: Pose, lx: number, ly: number): [number, number] {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  return [c * lx - s * ly + pose.x, s * lx + c * ly + pose.y];
}

/** World → local for a block at `pose`. */
export function toLocal(pose: Pose, wx: number, wy: number): [number, number] {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  const x = wx - pose.x;
  const y = wy - pose.y;
  return [c * x + s * y, -s * x + c * y];
}

/** A local direction rotated into the world. */
export function dirToWorld(pose: Pose, dx: number, dy: number): [number, number] {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  return [c * dx - s * dy, s * dx + c * dy];
}
