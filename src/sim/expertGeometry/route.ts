// The pusher's way to a push's starting point without touching the block, planned in the block frame:
// back off the surface if in contact, go straight when the segment is clear, otherwise travel round an
// orbit circle about the centre of gravity that clears the whole T; then shortcut the polyline.
import { wrapAngle } from '../../core/angle';
import { AGENT_RADIUS, BLOCK_COG } from '../pusht/geometry';
import { T_REACH, tDistance, tOutward } from './tShape';

/** Clearance kept between the pusher and the block while travelling (px). */
export const TRAVEL_CLEARANCE = 4;
/** Orbit radius: the T's reach plus the pusher and a margin for the PD controller's lag. */
const ORBIT_RADIUS = T_REACH + AGENT_RADIUS + 14;
/** Arc spacing of orbit waypoints. */
const ORBIT_STEP = Math.PI / 8;
/** Segment sampling for clearance checks (px). */
const CHECK_SPACING = 3;

function segmentClear(ax: number, ay: number, bx: number, by: number): boolean {
  const len = Math.hypot(bx - ax, by - ay);
  const n = Math.max(1, Math.ceil(len / CHECK_SPACING));
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    if (tDistance(ax + t * (bx - ax), ay + t * (by - ay)) < AGENT_RADIUS + TRAVEL_CLEARANCE) return false;
  }
  return true;
}

/**
 * Local polyline from the pusher at (ax, ay) to (gx, gy), as flat [x0, y0, x1, y1, …], start included.
 * `reachable(x, y)` says whether a local point lies in the workspace (targets outside are clamped, so a
 * route through them would stall): the orbit goes the other way round when the short way leaves it, and
 * the result is null when neither way, or the goal itself, is reachable.
 */
export function planRoute(ax: number, ay: number, gx: number, gy: number, reachable: (x: number, y: number) => boolean): number[] | null {
  if (!reachable(gx, gy)) return null;
  const pts: number[] = [ax, ay];
  // In contact (or inside after a reset overlap): first step straight out of the block.
  const d = tDistance(ax, ay);
  if (d < AGENT_RADIUS + TRAVEL_CLEARANCE) {
    const [nx, ny] = tOutward(ax, ay);
    const back = AGENT_RADIUS + TRAVEL_CLEARANCE + 1 - d;
    ax += nx * back;
    ay += ny * back;
    pts.push(ax, ay);
  }
  if (!segmentClear(ax, ay, gx, gy)) {
    const [cx, cy] = BLOCK_COG;
    const a0 = Math.atan2(ay - cy, ax - cx);
    const a1 = Math.atan2(gy - cy, gx - cx);
    const short = wrapAngle(a1 - a0);
    const long = short - 2 * Math.PI * Math.sign(short || 1);
    const arc = orbitArc(a0, short, reachable) ?? orbitArc(a0, long, reachable);
    if (arc === null) return null;
    pts.push(...arc);
  }
  pts.push(gx, gy);
  return shortcut(pts);
}

/** Orbit waypoints from angle a0 sweeping by `sweep`, or null if one leaves the workspace. */
function orbitArc(a0: number, sweep: number, reachable: (x: number, y: number) => boolean): number[] | null {
  const [cx, cy] = BLOCK_COG;
  const n = Math.max(1, Math.ceil(Math.abs(sweep) / ORBIT_STEP));
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    const a = a0 + (sweep * i) / n;
    const x = cx + ORBIT_RADIUS * Math.cos(a);
    const y = cy + ORBIT_RADIUS * Math.sin(a);
    if (!reachable(x, y)) return null;
    out.push(x, y);
  }
  return out;
}

/** Greedy shortcutting: from each kept point, jump to the farthest later point reachable in a clear line. */
function shortcut(pts: number[]): number[] {
  const n = pts.length / 2;
  const out = [pts[0], pts[1]];
  let i = 0;
  while (i < n - 1) {
    let j = n - 1;
    while (j > i + 1 && !segmentClear(pts[2 * i], pts[2 * i + 1], pts[2 * j], pts[2 * j + 1])) j--;
    out.push(pts[2 * j], pts[2 * j + 1]);
    i = j;
  }
  return out;
}

export function routeLength(pts: readonly number[]): number {
  let len = 0;
  for (let i = 2; i < pts.length; i += 2) len += Math.hypot(pts[i] - pts[i - 2], pts[i + 1] - pts[i - 1]);
  return len;
}

/**
 * Pure pursuit: the point `lookahead` px further along the polyline than the pusher's projection onto it
 * (clamped to the end). Returns the local target and the remaining distance to the end.
 */
export function pursue(pts: readonly number[], px: number, py: number, lookahead: number): { x: number; y: number; remaining: number } {
  // Project onto every segment, keep the closest; arc length there.
  let bestD = Infinity;
  let bestS = 0;
  let s0 = 0;
  for (let i = 2; i < pts.length; i += 2) {
    const ax = pts[i - 2];
    const ay = pts[i - 1];
    const ex = pts[i] - ax;
    const ey = pts[i + 1] - ay;
    const len = Math.hypot(ex, ey);
    const t = len > 0 ? Math.min(1, Math.max(0, ((px - ax) * ex + (py - ay) * ey) / (len * len))) : 0;
    const d = Math.hypot(ax + t * ex - px, ay + t * ey - py);
    if (d < bestD) {
      bestD = d;
      bestS = s0 + t * len;
    }
    s0 += len;
  }
  const total = s0;
  const s = Math.min(total, bestS + lookahead);
  // Walk to arc length s.
  let acc = 0;
  for (let i = 2; i < pts.length; i += 2) {
    const len = Math.hypot(pts[i] - pts[i - 2], pts[i + 1] - pts[i - 1]);
    if (acc + len >= s && len > 0) {
      const t = (s - acc) / len;
      return { x: pts[i - 2] + t * (pts[i] - pts[i - 2]), y: pts[i - 1] + t * (pts[i + 1] - pts[i - 1]), remaining: total - bestS };
    }
    acc += len;
  }
  return { x: pts[pts.length - 2], y: pts[pts.length - 1], remaining: total - bestS };
}
