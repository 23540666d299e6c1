// Block-pose geometry the playground needs around the simulator: recovering a pose from its keypoint tokens
// (a finished episode's last observation, after the env has already reset), and keeping a shove inside the
// walls. Pure functions over Push-T's geometry; no tfjs, no DOM.
import { wrapAngle } from '../core/angle';
import { ARENA_MAX, ARENA_MIN, BLOCK_BOXES, BLOCK_KEYPOINTS, type Pose } from '../sim/pusht/geometry';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { denormaliseCoord } from '../sim/tokens';

/** The two keypoints farthest apart (the crossbar's ends): the best-conditioned pair for the angle. */
const LEFT = 1;
const RIGHT = 2;

/**
 * The block pose whose keypoints are tokens 0…8 (normalised, as the observation holds them): the angle from the
 * crossbar-end pair, the origin from world = R(θ)·local + origin averaged over all keypoints.
 */
export function poseFromKeypoints(tokens: ArrayLike<number>, spec: TaskSpec, out: Pose = { x: 0, y: 0, angle: 0 }): Pose {
  const wx = (k: number) => denormaliseCoord(spec, 0, tokens[k * TOKEN_DIM]);
  const wy = (k: number) => denormaliseCoord(spec, 1, tokens[k * TOKEN_DIM + 1]);
  const [lx1, ly1] = BLOCK_KEYPOINTS[LEFT];
  const [lx2, ly2] = BLOCK_KEYPOINTS[RIGHT];
  const angle = Math.atan2(wy(RIGHT) - wy(LEFT), wx(RIGHT) - wx(LEFT)) - Math.atan2(ly2 - ly1, lx2 - lx1);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  let x = 0;
  let y = 0;
  for (let k = 0; k < BLOCK_KEYPOINTS.length; k++) {
    const [lx, ly] = BLOCK_KEYPOINTS[k];
    x += wx(k) - (c * lx - s * ly);
    y += wy(k) - (s * lx + c * ly);
  }
  out.x = x / BLOCK_KEYPOINTS.length;
  out.y = y / BLOCK_KEYPOINTS.length;
  out.angle = wrapAngle(angle);
  return out;
}

export interface Displacement {
  dx: number;
  dy: number;
  dtheta: number;
}

/** Bisection steps for the largest legal fraction of a shove (2^-20 of it: far below a pixel). */
const CLAMP_ITERATIONS = 20;

/** How far (px) the T at `pose` reaches past the walls' inner faces: 0 when it is inside. */
export function wallPenetration(pose: Pose): number {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  let depth = 0;
  for (const b of BLOCK_BOXES) {
    for (const lx of [b.x0, b.x1]) {
      for (const ly of [b.y0, b.y1]) {
        const x = c * lx - s * ly + pose.x;
        const y = s * lx + c * ly + pose.y;
        depth = Math.max(depth, ARENA_MIN - x, x - ARENA_MAX, ARENA_MIN - y, y - ARENA_MAX);
      }
    }
  }
  return depth;
}

/**
 * The largest fraction s ∈ [0, 1] of displacement `d` (translation and rotation about the body origin, as the
 * displace perturbation applies it) that does not put the T further into the walls than it already is (a block
 * resting on a wall sits a contact slop inside it), applied: a shove towards a wall stops at the wall.
 */
export function clampDisplacement(pose: Pose, d: Displacement): Displacement {
  const at = (f: number): Pose => ({ x: pose.x + f * d.dx, y: pose.y + f * d.dy, angle: pose.angle + f * d.dtheta });
  const limit = wallPenetration(pose);
  const allowed = (f: number) => wallPenetration(at(f)) <= limit;
  if (allowed(1)) return { ...d };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < CLAMP_ITERATIONS; i++) {
    const mid = (lo + hi) / 2;
    if (allowed(mid)) lo = mid;
    else hi = mid;
  }
  return { dx: lo * d.dx, dy: lo * d.dy, dtheta: lo * d.dtheta };
}

/** The displacement (about the body origin) that rotates the block by `dtheta` about the point (px, py). */
export function rotationAbout(pose: Pose, px: number, py: number, dtheta: number): Displacement {
  const c = Math.cos(dtheta);
  const s = Math.sin(dtheta);
  const ox = pose.x - px;
  const oy = pose.y - py;
  return { dx: px + c * ox - s * oy - pose.x, dy: py + s * ox + c * oy - pose.y, dtheta };
}

/** The T's area centroid in its local frame (the boxes' centres weighted by their areas). */
export const BLOCK_CENTROID_LOCAL: readonly [number, number] = (() => {
  let area = 0;
  let cx = 0;
  let cy = 0;
  for (const b of BLOCK_BOXES) {
    const a = (b.x1 - b.x0) * (b.y1 - b.y0);
    area += a;
    cx += (a * (b.x0 + b.x1)) / 2;
    cy += (a * (b.y0 + b.y1)) / 2;
  }
  return [cx / area, cy / area];
})();

/** World position of a local point of the block at `pose`. */
export function blockPoint(pose: Pose, lx: number, ly: number): { x: number; y: number } {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  return { x: c * lx - s * ly + pose.x, y: s * lx + c * ly + pose.y };
}

export function blockCentroid(pose: Pose): { x: number; y: number } {
  return blockPoint(pose, BLOCK_CENTROID_LOCAL[0], BLOCK_CENTROID_LOCAL[1]);
}

/** Whether the world point (x, y) lies on the block at `pose` (within `margin` px of it). */
export function pointInBlock(pose: Pose, x: number, y: number, margin = 0): boolean {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  const dx = x - pose.x;
  const dy = y - pose.y;
  const lx = c * dx + s * dy;
  const ly = -s * dx + c * dy;
  return BLOCK_BOXES.some((b) => lx >= b.x0 - margin && lx <= b.x1 + margin && ly >= b.y0 - margin && ly <= b.y1 + margin);
}
