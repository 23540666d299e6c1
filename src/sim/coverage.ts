// Exact coverage: area(block T ∩ goal T) / 6300 by convex polygon clipping.
// Each T is the union of two boxes that do not overlap, so area(A ∩ B) = Σ_{i,j} area(A_i ∩ B_j), and
// each A_i ∩ B_j is the intersection of two convex quadrilaterals (Sutherland–Hodgman). No allocation
// per call: the clipper works in fixed scratch buffers (a quad clipped by a quad has at most 8 vertices).
import { BLOCK_AREA, BLOCK_BOXES, GOAL_POSE, type Box, type Pose } from './pusht/geometry';

const MAX_VERTS = 16;
const scratchA = new Float64Array(2 * MAX_VERTS);
const scratchB = new Float64Array(2 * MAX_VERTS);
const quadsA = new Float64Array(2 * 4 * BLOCK_BOXES.length);
const quadsB = new Float64Array(2 * 4 * BLOCK_BOXES.length);

/** Shoelace area of a polygon stored as x0, y0, x1, y1, … (positive when counter-clockwise in x-right/y-up axes). */
export function polygonArea(pts: Float64Array, n: number): number {
  let twice = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) twice += pts[2 * j] * pts[2 * i + 1] - pts[2 * i] * pts[2 * j + 1];
  return twice / 2;
}

/**
 * Area of the intersection of two convex polygons, both with positive orientation (polygonArea > 0).
 * `subject` and `clip` are read, never written.
 */
export function convexIntersectionArea(subject: Float64Array, ns: number, clip: Float64Array, nc: number): number {
  let src = scratchA;
  let dst = scratchB;
  for (let i = 0; i < 2 * ns; i++) src[i] = subject[i];
  let n = ns;
  for (let e = 0; e < nc && n > 0; e++) {
    // Keep the half-plane left of the clip edge a→b: cross(b − a, p − a) ≥ 0.
    const ax = clip[2 * e];
    const ay = clip[2 * e + 1];
    const en = (e + 1) % nc;
    const ex = clip[2 * en] - ax;
    const ey = clip[2 * en + 1] - ay;
    let m = 0;
    let px = src[2 * (n - 1)];
    let py = src[2 * (n - 1) + 1];
    let dp = ex * (py - ay) - ey * (px - ax);
    for (let i = 0; i < n; i++) {
      const qx = src[2 * i];
      const qy = src[2 * i + 1];
      const dq = ex * (qy - ay) - ey * (qx - ax);
      if (dq >= 0) {
        if (dp < 0) {
          const t = dp / (dp - dq);
          dst[2 * m] = px + t * (qx - px);
          dst[2 * m + 1] = py + t * (qy - py);
          m++;
        }
        dst[2 * m] = qx;
        dst[2 * m + 1] = qy;
        m++;
      } else if (dp >= 0) {
        const t = dp / (dp - dq);
        dst[2 * m] = px + t * (qx - px);
        dst[2 * m + 1] = py + t * (qy - py);
        m++;
      }
      px = qx;
      py = qy;
      dp = dq;
    }
    const tmp = src;
    src = dst;
    dst = tmp;
    n = m;
  }
  return n < 3 ? 0 : Math.max(0, polygonArea(src, n));
}

/** Writes the 4 corners of a local box under `pose` into out[offset…offset+8), positively oriented. */
function boxCorners(box: Box, pose: Pose, out: Float64Array, offset: number): void {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  for (let k = 0; k < 4; k++) {
    const lx = k === 0 || k === 3 ? box.x0 : box.x1;
    const ly = k < 2 ? box.y0 : box.y1;
    out[offset + 2 * k] = c * lx - s * ly + pose.x;
    out[offset + 2 * k + 1] = s * lx + c * ly + pose.y;
  }
}

function tQuads(pose: Pose, out: Float64Array): void {
  for (let i = 0; i < BLOCK_BOXES.length; i++) boxCorners(BLOCK_BOXES[i], pose, out, 8 * i);
}

/** Radius of the smallest origin-centred circle holding the T (the stem's far corners (±15, 120)). */
const T_RADIUS = Math.hypot(15, 120);
const quadA = new Float64Array(8);
const quadB = new Float64Array(8);

/** Area of the intersection of two T blocks at poses a and b, pixels². */
export function tIntersectionArea(a: Pose, b: Pose): number {
  // Bounding-circle early out: two T's whose origins are further apart than 2·T_RADIUS cannot touch.
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  if (dx * dx + dy * dy > (2 * T_RADIUS) ** 2) return 0;
  tQuads(a, quadsA);
  tQuads(b, quadsB);
  let area = 0;
  for (let i = 0; i < BLOCK_BOXES.length; i++) {
    for (let k = 0; k < 8; k++) quadA[k] = quadsA[8 * i + k];
    for (let j = 0; j < BLOCK_BOXES.length; j++) {
      for (let k = 0; k < 8; k++) quadB[k] = quadsB[8 * j + k];
      area += convexIntersectionArea(quadA, 4, quadB, 4);
    }
  }
  return area;
}

/** Coverage of the goal by a block at `pose`: area(block ∩ goal) / 6300, in [0, 1]. */
export function coverage(pose: Pose, goal: Pose = GOAL_POSE): number {
  return tIntersectionArea(pose, goal) / BLOCK_AREA;
}
