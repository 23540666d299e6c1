// Push-T as the original defines it (real-stanford/diffusion_policy pusht_env.py; see
// shared/reference/pusht.md): pixel units, 512×512 workspace, y down. Every number the simulator,
// the coverage, the tokens and the expert need lives here, once.

export const WORKSPACE_SIZE = 512;

// ── physics ──────────────────────────────────────────────────────────────────────────────────────────
/** Physics step (100 Hz). */
export const SUBSTEP_DT = 0.01;
/** Physics substeps per control step (10 Hz control). */
export const SUBSTEPS_PER_ACTION = 10;
/** Control rate, Hz (= 1 / (SUBSTEP_DT · SUBSTEPS_PER_ACTION)). */
export const CONTROL_HZ = 10;
/** PD law on the agent velocity: v += (K_P·(a − p) − K_V·v)·dt. */
export const K_P = 100;
export const K_V = 20;
/** Control steps per episode at most. */
export const MAX_STEPS = 300;
/** Chipmunk's solver iterations in the original. */
export const SOLVER_ITERATIONS = 10;

// ── bodies ───────────────────────────────────────────────────────────────────────────────────────────
export const AGENT_RADIUS = 15;
/** Wall segments (radius WALL_RADIUS) run through these corners, closed. Only the block collides with them. */
export const WALL_CORNERS: readonly (readonly [number, number])[] = [
  [5, 5],
  [506, 5],
  [506, 506],
  [5, 506],
];
export const WALL_RADIUS = 2;

/** An axis-aligned box in the block's local frame. */
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
/** The T: crossbar then stem. They share an edge but do not overlap, so areas add. */
export const BLOCK_BOXES: readonly Box[] = [
  { x0: -60, x1: 60, y0: 0, y1: 30 },
  { x0: -15, x1: 15, y0: 30, y1: 120 },
];
export const BLOCK_AREA = 6300;
export const BLOCK_MASS = 1;
/** The original's centre of gravity: the plain average of the two boxes' vertex centroids, not the true centroid. */
export const BLOCK_COG: readonly [number, number] = [0, 45];
/** The original's moment of inertia (about the centre of gravity). */
export const BLOCK_INERTIA = 3000;

/**
 * The 9 keypoints of the keypoint observation, local coordinates (recreated from the original's
 * farthest-point sampling). world = R(θ)·local + origin.
 */
export const BLOCK_KEYPOINTS: readonly (readonly [number, number])[] = [
  [9.27, 90.04],
  [-60.98, -1.19],
  [60.91, -1.39],
  [-0.27, 25.54],
  [-14.06, 122.82],
  [39.0, 32.86],
  [-39.97, 32.73],
  [-16.82, 62.86],
  [23.54, -1.7],
];
export const NUM_KEYPOINTS = BLOCK_KEYPOINTS.length;

// ── task ─────────────────────────────────────────────────────────────────────────────────────────────
/** A block pose: the body origin (middle of the crossbar's outer edge) and the angle, radians. */
export interface Pose {
  x: number;
  y: number;
  angle: number;
}
export const GOAL_POSE: Readonly<Pose> = { x: 256, y: 256, angle: Math.PI / 4 };
/** Coverage above which the episode succeeds and terminates. */
export const SUCCESS_COVERAGE = 0.95;

/** Reset distribution (numpy randint, hi exclusive): agent ints in [50, 450), block ints in [100, 400), angle in [−π, π). */
export const RESET_AGENT_RANGE: readonly [number, number] = [50, 450];
export const RESET_BLOCK_RANGE: readonly [number, number] = [100, 400];

/** The walls' inner surfaces bound the arena: x, y ∈ [ARENA_MIN, ARENA_MAX]. */
export const ARENA_MIN = WALL_CORNERS[0][0] + WALL_RADIUS;
export const ARENA_MAX = WALL_CORNERS[2][0] - WALL_RADIUS;

/** Whether every corner of the T at `pose` lies inside the walls (then all of the T does: it is a union of boxes). */
export function blockInsideArena(pose: Pose): boolean {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  for (const b of BLOCK_BOXES) {
    for (const lx of [b.x0, b.x1]) {
      for (const ly of [b.y0, b.y1]) {
        const x = c * lx - s * ly + pose.x;
        const y = s * lx + c * ly + pose.y;
        if (x < ARENA_MIN || x > ARENA_MAX || y < ARENA_MIN || y > ARENA_MAX) return false;
      }
    }
  }
  return true;
}

/** Clamps a commanded coordinate to the action space [0, 512]. */
export function clampToWorkspace(v: number): number {
  return v < 0 ? 0 : v > WORKSPACE_SIZE ? WORKSPACE_SIZE : v;
}

/** Task reward: clip(coverage / 0.95, 0, 1). */
export function pushTReward(coverage: number): number {
  const r = coverage / SUCCESS_COVERAGE;
  return r < 0 ? 0 : r > 1 ? 1 : r;
}

/** Writes the 9 keypoints of a block at `pose` in world pixels into out[offset + 2k], out[offset + 2k + 1]. */
export function blockKeypointsWorld(pose: Pose, out: Float64Array | Float32Array, offset = 0): void {
  const c = Math.cos(pose.angle);
  const s = Math.sin(pose.angle);
  for (let k = 0; k < NUM_KEYPOINTS; k++) {
    const [lx, ly] = BLOCK_KEYPOINTS[k];
    out[offset + 2 * k] = c * lx - s * ly + pose.x;
    out[offset + 2 * k + 1] = s * lx + c * ly + pose.y;
  }
}
