// Out-of-distribution perturbations for push-3d: Push-T's suites carried to 3D, plus `tilt`. Their keys,
// ranges and defaults (for the shared `--perturb SPEC` parser, perturbationSpec.ts), and how each acts on
// an env. Units: metres, radians, N·s, control steps (10 Hz). Directions are world azimuths (0 = +x, π/2 = +y).
//
//   nominal       the task.
//   shifted-init  the object's origin starts in a border band of width `band` m outside the nominal reset
//                 square, its whole footprint on the table.
//   displace      at control step `at` + j, j uniform in [0, jitter) per episode (so the event lands at any phase
//                 of an action chunk, as on Push-T), before its action runs, the object is moved by (dx, dy, dz)
//                 and turned by dyaw about the vertical through its centre of mass (dz ≥ 0: it is dropped).
//   kick          at control step `at` + j (as displace) the object's centre of mass gets a horizontal impulse
//                 `impulse` N·s (a velocity change impulse / mass) in direction `angle`; omitted = uniform per episode.
//   bias          the pusher's commanded target is offset by (dx, dy, dz) m at every step (a miscalibrated arm).
//   offset        bias in a random horizontal direction: per episode, an offset of size uniform in [min, max] m.
//   friction      the table's Coulomb friction becomes `mu` (nominal 0.5). Note that a pillar sliding freely
//                 on a table with mu ≳ 0.68 tips over as it decelerates (mu · 6 cm > 4.1 cm).
//   mass          the centre of mass moves by (com_dx, com_dy, com_dz) m in the object's frame (mass and
//                 inertia about it unchanged): pushes turn it differently, and a higher one tips more easily.
//   tilt          at control step `at` + j (as displace) the object is tipped by `angle` towards direction
//                 `azimuth` (omitted = uniform per episode) about the footprint corner lowest on that side, and
//                 released at rest: below the tipping angle in that direction (≥ 0.59 rad) it falls back, past it over.
import type { Rng } from '../../core/rng';
import { drawEventStep, drawOffset, formatPerturbationSpec, parsePerturbationSpec, type SuiteTable } from '../perturbationSpec';
import { FOOTPRINT_CORNERS, OBJECT_MASS, TABLE_FRICTION, TABLE_HALF, type Pose3 } from './geometry';
import { comWorld, rotateAbout, toWorld3 } from './pose3';
import type { Push3DEnv, Push3DState } from './push3dEnv';
import { sampleResetState3d, sampleShiftedResetState3d } from './reset';

export const SUITE_NAMES_3D = ['nominal', 'shifted-init', 'displace', 'kick', 'bias', 'offset', 'friction', 'mass', 'tilt'] as const;

export type Push3DPerturbation =
  | { kind: 'nominal' }
  | { kind: 'shifted-init'; band: number }
  | { kind: 'displace'; dx: number; dy: number; dz: number; dyaw: number; at: number; jitter: number }
  | { kind: 'kick'; impulse: number; angle: number | null; at: number; jitter: number }
  | { kind: 'bias'; dx: number; dy: number; dz: number }
  | { kind: 'offset'; min: number; max: number }
  | { kind: 'friction'; mu: number }
  | { kind: 'mass'; comDx: number; comDy: number; comDz: number }
  | { kind: 'tilt'; angle: number; azimuth: number | null; at: number; jitter: number };

const MAX_STEP = 2000;
const TWO_PI = 2 * Math.PI;
/** Event times spread over this many steps: every phase of a chunk of up to 16 actions. */
const DEFAULT_JITTER = 16;
const at = { key: 'at', field: 'at', min: 0, max: MAX_STEP, integer: true };
const jitter = { key: 'jitter', field: 'jitter', min: 1, max: MAX_STEP, integer: true };
const metres = (key: string, field: string, limit: number) => ({ key, field, min: -limit, max: limit, integer: false });

export const PUSH_3D_SUITES: SuiteTable<Push3DPerturbation> = {
  names: SUITE_NAMES_3D,
  params: {
    nominal: [],
    'shifted-init': [{ key: 'band', field: 'band', min: 0.001, max: 0.1, integer: false }],
    displace: [metres('dx', 'dx', 2 * TABLE_HALF), metres('dy', 'dy', 2 * TABLE_HALF), { key: 'dz', field: 'dz', min: 0, max: 0.2, integer: false }, metres('dyaw', 'dyaw', TWO_PI), at, jitter],
    kick: [{ key: 'impulse', field: 'impulse', min: 0, max: 2, integer: false }, { ...metres('angle', 'angle', TWO_PI), optional: true }, at, jitter],
    bias: [metres('dx', 'dx', 0.1), metres('dy', 'dy', 0.1), metres('dz', 'dz', 0.1)],
    offset: [
      { key: 'min', field: 'min', min: 0, max: 0.1, integer: false },
      { key: 'max', field: 'max', min: 0, max: 0.1, integer: false },
    ],
    friction: [{ key: 'mu', field: 'mu', min: 0, max: 2, integer: false }],
    mass: [metres('com_dx', 'comDx', 0.05), metres('com_dy', 'comDy', 0.05), metres('com_dz', 'comDz', 0.05)],
    tilt: [{ key: 'angle', field: 'angle', min: 0, max: Math.PI / 2, integer: false }, { ...metres('azimuth', 'azimuth', TWO_PI), optional: true }, at, jitter],
  },
  defaults: {
    nominal: { kind: 'nominal' },
    'shifted-init': { kind: 'shifted-init', band: 0.04 },
    displace: { kind: 'displace', dx: 0.03, dy: -0.02, dz: 0.01, dyaw: 0.3, at: 60, jitter: DEFAULT_JITTER },
    kick: { kind: 'kick', impulse: 0.3, angle: null, at: 80, jitter: DEFAULT_JITTER },
    bias: { kind: 'bias', dx: 0.008, dy: 0, dz: 0 },
    offset: { kind: 'offset', min: 0.004, max: 0.012 },
    friction: { kind: 'friction', mu: 0.25 },
    mass: { kind: 'mass', comDx: 0.01, comDy: 0, comDz: 0.02 },
    tilt: { kind: 'tilt', angle: 0.35, azimuth: null, at: 60, jitter: DEFAULT_JITTER },
  },
};

export function parsePerturbation3d(spec: string): Push3DPerturbation {
  return parsePerturbationSpec(PUSH_3D_SUITES, spec);
}

export function formatPerturbation3d(p: Push3DPerturbation): string {
  return formatPerturbationSpec(PUSH_3D_SUITES, p);
}

/**
 * The concrete perturbation of one episode: a random time within the jitter window, a random-direction offset
 * as the horizontal bias it draws. Draws from the env's perturbation stream, before startEpisode3d's own draws.
 */
export function episodePerturbation3d(p: Push3DPerturbation, rng: Rng): Push3DPerturbation {
  switch (p.kind) {
    case 'displace':
    case 'kick':
    case 'tilt':
      return drawEventStep(p, rng);
    case 'offset':
      return { kind: 'bias', ...drawOffset(p, rng), dz: 0 };
    default:
      return p;
  }
}

// ── stage 2's training disturbances ──────────────────────────────────────────────────────────────────

/** Training shoves land in this window of control steps (episodes last up to 300). */
const TRAIN_FIRST_STEP = 10;
const TRAIN_LAST_STEP = 200;

/**
 * With probability `disturbed` an episode gets one family, uniformly, with parameters drawn from wide ranges
 * around (never fixed at) the evaluation suites' values, at a random step: displace (|dx|, |dy| ≤ 4 cm, dz ≤
 * 1 cm, |dyaw| ≤ 0.5), kick (0.1–0.5 N·s), bias (2–16 mm in a random horizontal direction), friction (μ 0.3–0.6),
 * mass (centre of mass within ±1.5 cm across, 0–3 cm up), tilt (0.1–0.5 rad). The rest are nominal.
 */
export function trainingDisturbance3d(rng: Rng, disturbed: number): Push3DPerturbation {
  if (!(rng.uniform() < disturbed)) return { kind: 'nominal' };
  const at = rng.int(TRAIN_FIRST_STEP, TRAIN_LAST_STEP);
  const direction = rng.range(-Math.PI, Math.PI);
  switch (rng.int(0, 6)) {
    case 0:
      return { kind: 'displace', dx: rng.range(-0.04, 0.04), dy: rng.range(-0.04, 0.04), dz: rng.range(0, 0.01), dyaw: rng.range(-0.5, 0.5), at, jitter: 1 };
    case 1:
      return { kind: 'kick', impulse: rng.range(0.1, 0.5), angle: direction, at, jitter: 1 };
    case 2: {
      const size = rng.range(0.002, 0.016);
      return { kind: 'bias', dx: size * Math.cos(direction), dy: size * Math.sin(direction), dz: 0 };
    }
    case 3:
      return { kind: 'friction', mu: rng.range(0.3, 0.6) };
    case 4:
      return { kind: 'mass', comDx: rng.range(-0.015, 0.015), comDy: rng.range(-0.015, 0.015), comDz: rng.range(0, 0.03) };
    default:
      return { kind: 'tilt', angle: rng.range(0.1, 0.5), azimuth: direction, at, jitter: 1 };
  }
}

// ── acting on an env ─────────────────────────────────────────────────────────────────────────────────

/** Per-episode draws of a perturbation (directions left random). */
export interface Push3DEpisodeDraws {
  kickAngle: number;
  tiltAzimuth: number;
}

/**
 * Starts an episode under `p`: draws the start from `resetRng`, sets the physical constants, clears the
 * world's history (so the episode does not depend on what the env ran before), draws the perturbation's
 * own randomness from `perturbRng` (so every suite but shifted-init starts from the nominal suite's states
 * for a seed: paired comparisons).
 */
export function startEpisode3d(env: Push3DEnv, p: Push3DPerturbation, resetRng: Rng, perturbRng: Rng, state: Push3DState, draws: Push3DEpisodeDraws): void {
  if (p.kind === 'shifted-init') sampleShiftedResetState3d(resetRng, p.band, state);
  else sampleResetState3d(resetRng, state);
  env.setTableFriction(p.kind === 'friction' ? p.mu : TABLE_FRICTION);
  if (p.kind === 'mass') env.setComOffset(p.comDx, p.comDy, p.comDz);
  else env.setComOffset(0, 0, 0);
  env.clearHistory();
  env.setState(state);
  draws.kickAngle = p.kind === 'kick' ? (p.angle ?? perturbRng.range(-Math.PI, Math.PI)) : 0;
  draws.tiltAzimuth = p.kind === 'tilt' ? (p.azimuth ?? perturbRng.range(-Math.PI, Math.PI)) : 0;
}

const pose: Pose3 = { x: 0, y: 0, z: 0, qx: 0, qy: 0, qz: 0, qw: 1 };
const corner = new Float64Array(3);

/** Acts at the start of control step `step` (0-based within the episode), before that step's action runs. */
export function beforeControlStep3d(env: Push3DEnv, p: Push3DPerturbation, step: number, draws: Push3DEpisodeDraws): void {
  if (p.kind === 'displace' && step === p.at) {
    Object.assign(pose, env.object);
    const com = comWorld(pose);
    rotateAbout(pose, 0, 0, 1, p.dyaw, com[0], com[1], com[2]);
    pose.x += p.dx;
    pose.y += p.dy;
    pose.z += p.dz;
    env.setObjectPose(pose);
  } else if (p.kind === 'kick' && step === p.at) {
    const dv = p.impulse / OBJECT_MASS;
    // A direction given in `p` wins over the episode's draw: a kick set mid-episode (setEpisodePerturbation) has no draw.
    const angle = p.angle ?? draws.kickAngle;
    env.kick(dv * Math.cos(angle), dv * Math.sin(angle), 0);
  } else if (p.kind === 'tilt' && step === p.at) {
    Object.assign(pose, env.object);
    const azimuth = p.azimuth ?? draws.tiltAzimuth; // as the kick's direction
    const ux = Math.cos(azimuth);
    const uy = Math.sin(azimuth);
    // Pivot: the bottom corner furthest along the tilt direction; the axis z × u tips the top towards u.
    let best = -Infinity;
    let px = 0;
    let py = 0;
    let pz = 0;
    for (const [lx, ly] of FOOTPRINT_CORNERS) {
      toWorld3(pose, lx, ly, 0, corner, 0);
      const along = corner[0] * ux + corner[1] * uy;
      if (along > best) {
        best = along;
        [px, py, pz] = corner;
      }
    }
    rotateAbout(pose, -uy, ux, 0, p.angle, px, py, pz);
    env.setObjectPose(pose);
    env.setVelocity(0, 0, 0, 0, 0, 0);
    env.readObject();
  }
}

/** Offset added to the commanded target on `axis` (metres): non-zero only under `bias`. */
export function targetBias3d(p: Push3DPerturbation, axis: number): number {
  if (p.kind !== 'bias') return 0;
  return axis === 0 ? p.dx : axis === 1 ? p.dy : p.dz;
}
