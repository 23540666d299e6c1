// push-3d: a T-shaped pillar on a table, pushed by a ball that moves in 3D. Every number the simulator,
// the tokens, the score and the expert need lives here, once.
//
// Units: metres, kilograms, seconds, radians; z up, the table top at z = 0, the table centred on the origin.
// The object is Push-T's T at 1 px = 1 mm, extruded to a pillar OBJECT_HEIGHT tall, in Push-T's frame: the
// body origin is the middle of the crossbar's outer bottom edge, the stem points along local +y, local +z
// is up. Its pose is (position, unit quaternion); "yaw" is its heading about the world z axis and "tilt"
// the angle between its up axis and the world's. The pusher is Push-T's agent at the same scale, so Push-T's
// planar geometry of the T (signed distance, push contacts, routes round it) serves here in millimetres.
import { AGENT_RADIUS, BLOCK_BOXES } from '../pusht/geometry';

/** Push-T pixels per push-3d metre. */
export const PX_PER_M = 1000;

// ── physics ──────────────────────────────────────────────────────────────────────────────────────────
export const GRAVITY = 9.81;
/** Push-T's timing (100 Hz physics: at most 5 mm of pusher travel per substep against a 15 mm ball; 10 Hz
 * control; 300-step, 30 s episodes) and its critically damped PD law on the pusher velocity, here per axis:
 * v += (K_P·(a − p) − K_V·v)·dt (gains in 1/s² and 1/s, so the same in metres as in pixels). */
export { CONTROL_HZ, K_P, K_V, MAX_STEPS, SUBSTEPS_PER_ACTION, SUBSTEP_DT } from '../pusht/geometry';
/** TGS solver iterations per step (Rapier's default; a resting pillar creeps < 0.1 mm a minute). */
export const SOLVER_ITERATIONS = 4;

// ── table ────────────────────────────────────────────────────────────────────────────────────────────
/** The table top is the square |x|, |y| ≤ TABLE_HALF at z = 0. No walls: an object pushed over an edge falls. */
export const TABLE_HALF = 0.25;
export const TABLE_THICKNESS = 0.04;

// ── pusher ───────────────────────────────────────────────────────────────────────────────────────────
/** A kinematic ball (15 mm, Push-T's agent): it pushes the object with unbounded force and passes through the table. */
export const PUSHER_RADIUS = AGENT_RADIUS / PX_PER_M;
/** Action space: the target position, x, y ∈ [−ACTION_HALF, ACTION_HALF] (the table plus 5 cm, to push
 * from beyond an edge), z ∈ [PUSHER_RADIUS, ACTION_TOP] (never below the table top). */
export const ACTION_HALF = 0.3;
export const ACTION_TOP = 0.25;

// ── object ───────────────────────────────────────────────────────────────────────────────────────────
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
/** The T footprint, local metres: crossbar x ∈ [−0.06, 0.06], y ∈ [0, 0.03], then stem x ∈ [−0.015, 0.015],
 * y ∈ [0.03, 0.12] (Push-T's boxes). They share an edge, so areas add. */
export const OBJECT_BOXES: readonly Box[] = BLOCK_BOXES.map((b) => ({ x0: b.x0 / PX_PER_M, x1: b.x1 / PX_PER_M, y0: b.y0 / PX_PER_M, y1: b.y1 / PX_PER_M }));
/** Height of the pillar. Pushed at height h against table friction μ it slides while h < d/μ, d being the
 * horizontal distance from the centre of mass to the edge it would tip over (4.1 cm to the crossbar's outer
 * face, the edge a push on the stem's end tips it over), so at μ = 0.5 such pushes above ~8 cm tip it. */
export const OBJECT_HEIGHT = 0.12;
/** Mass (uniform density 660 kg/m³, about that of wood: the pillar holds 0.76 l). */
export const OBJECT_MASS = 0.5;
/** Coulomb friction, object–table and object–pusher (static = kinetic in Rapier). */
export const TABLE_FRICTION = 0.5;
export const PUSHER_FRICTION = 0.3;
/** All contacts are inelastic. */
export const RESTITUTION = 0;

const AREAS = OBJECT_BOXES.map((b) => (b.x1 - b.x0) * (b.y1 - b.y0));
const AREA = AREAS[0] + AREAS[1];
/** The footprint's centroid, local (x is 0 by symmetry): the centre of mass is (0, CENTROID_Y, OBJECT_HEIGHT / 2). */
export const CENTROID_Y = OBJECT_BOXES.reduce((s, b, i) => s + (AREAS[i] * (b.y0 + b.y1)) / 2, 0) / AREA;
export const COM_LOCAL: readonly [number, number, number] = [0, CENTROID_Y, OBJECT_HEIGHT / 2];

/** Principal moments of inertia about the centre of mass, along the local axes (the T is symmetric in x and
 * a uniform extrusion in z, so the local axes are principal): sum of the two cuboids, parallel-axis shifted. */
export const OBJECT_INERTIA: readonly [number, number, number] = (() => {
  const h = OBJECT_HEIGHT;
  let ixx = 0;
  let iyy = 0;
  let izz = 0;
  OBJECT_BOXES.forEach((b, i) => {
    const m = (OBJECT_MASS * AREAS[i]) / AREA;
    const w = b.x1 - b.x0;
    const d = b.y1 - b.y0;
    const dy = (b.y0 + b.y1) / 2 - CENTROID_Y; // the box centre's offset from the centre of mass (x and z offsets are 0)
    ixx += (m * (d * d + h * h)) / 12 + m * dy * dy;
    iyy += (m * (w * w + h * h)) / 12;
    izz += (m * (w * w + d * d)) / 12 + m * dy * dy;
  });
  return [ixx, iyy, izz];
})();

/** The footprint's six convex corners, local (the two concave ones at the stem's root carry no extra shape). */
export const FOOTPRINT_CORNERS: readonly (readonly [number, number])[] = [
  [-0.06, 0],
  [0.06, 0],
  [0.06, 0.03],
  [0.015, 0.12],
  [-0.015, 0.12],
  [-0.06, 0.03],
];

/** The 13 keypoints, local: the six convex corners at the bottom, the same at the top, then the centre of mass. */
export const OBJECT_KEYPOINTS: readonly (readonly [number, number, number])[] = [
  ...FOOTPRINT_CORNERS.map(([x, y]) => [x, y, 0] as const),
  ...FOOTPRINT_CORNERS.map(([x, y]) => [x, y, OBJECT_HEIGHT] as const),
  COM_LOCAL,
];
export const NUM_KEYPOINTS = OBJECT_KEYPOINTS.length;

// ── task ─────────────────────────────────────────────────────────────────────────────────────────────
/** A rigid pose: body origin (metres) and unit quaternion (x, y, z, w). */
export interface Pose3 {
  x: number;
  y: number;
  z: number;
  qx: number;
  qy: number;
  qz: number;
  qw: number;
}

/** An upright pose on the table with heading `yaw` about z. */
export function uprightPose(x: number, y: number, yaw: number): Pose3 {
  return { x, y, z: 0, qx: 0, qy: 0, qz: Math.sin(yaw / 2), qw: Math.cos(yaw / 2) };
}

/** Goal: upright, heading π/4 (as Push-T's), its centre of mass above the table's centre. */
export const GOAL_YAW = Math.PI / 4;
export const GOAL_POSE: Readonly<Pose3> = uprightPose(Math.sin(GOAL_YAW) * CENTROID_Y, -Math.cos(GOAL_YAW) * CENTROID_Y, GOAL_YAW);

/** Success tolerances: centre of mass within 1 cm of the goal's (horizontally), heading within 0.1 rad, tilt below 0.1 rad. */
export const SUCCESS_POSITION = 0.01;
export const SUCCESS_YAW = 0.1;
export const SUCCESS_TILT = 0.1;
/** Failure: fallen off the table (centre of mass below the table top) or tipped over (tilt past every
 * static tipping angle, the largest being atan(7.9 cm / 6 cm) ≈ 0.92 rad over the stem's end). */
export const FALLEN_Z = 0;
export const TIPPED_TILT = 1.0;
/** Pose score: 1 − (mean keypoint distance to the goal's keypoints) / SCORE_SCALE, clipped to [0, 1]. */
export const SCORE_SCALE = 0.1;

/** Reset: body origin uniform in [−RESET_OBJECT_HALF, RESET_OBJECT_HALF]² (the whole T stays ≥ 1 cm inside
 * the table), heading uniform in [−π, π), upright at rest; pusher uniform in [−RESET_PUSHER_HALF, …]² at
 * height [PUSHER_RADIUS, RESET_PUSHER_TOP), redrawn while it is within RESET_CLEARANCE of the object. */
export const RESET_OBJECT_HALF = 0.11;
export const RESET_PUSHER_HALF = 0.2;
export const RESET_PUSHER_TOP = 0.1;
export const RESET_CLEARANCE = 0.01;

/** The action space's bounds per axis (x, y, z), metres. */
export const ACTION_LOW: readonly number[] = [-ACTION_HALF, -ACTION_HALF, PUSHER_RADIUS];
export const ACTION_HIGH: readonly number[] = [ACTION_HALF, ACTION_HALF, ACTION_TOP];

/** Clamps a commanded target to the action space on `axis` (0, 1, 2: x, y, z). */
export function clampTarget(axis: number, v: number): number {
  const lo = ACTION_LOW[axis];
  const hi = ACTION_HIGH[axis];
  return v < lo ? lo : v > hi ? hi : v;
}
