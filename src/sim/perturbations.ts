// Out-of-distribution perturbations for Push-T: what each one does, its parameters (with ranges and the
// suite defaults) for the `--perturb SPEC` parser (perturbationSpec.ts), and how a perturbation acts on an
// env during an episode.
// Units: pixels, radians, control steps (10 Hz).
//
//   nominal       the original task.
//   shifted-init  the block starts in a border band of width `band` px outside the nominal reset square.
//   displace      at control step `at` + j, j uniform in [0, jitter) per episode (so the shove lands at any phase
//                 of an action chunk), before its action runs, the block is teleported by (dx, dy, dtheta)
//                 (rotation about the body origin). Exact: the pose changes by exactly that offset.
//   kick          at control step `at` + j (as displace) the block is shoved: for KICK_SUBSTEPS substeps it starts
//                 each substep at speed impulse / (mass · KICK_SUBSTEPS · dt) instead of at rest. `impulse` is in
//                 mass·px: a unit-mass block in free space travels `impulse` px; walls and the agent stop it as usual.
//                 Direction `angle` (radians, image axes: 0 = +x, π/2 = +y); omitted = uniform per episode from the seed.
//   bias          the agent's commanded target is offset by (dx, dy) px at every step (a miscalibrated arm).
//   offset        bias in a random direction: per episode, an offset of size uniform in [min, max] px, direction
//                 uniform.
//   friction      Coulomb friction mu at the agent–block contact (the original is frictionless). Because the
//                 block is quasi-static, this is the friction that matters: the pusher drags the block sideways.
//   mass          the block's centre of mass moves by (com_dx, com_dy) px in its local frame (mass and
//                 inertia about the centre of mass unchanged), so pushes turn it differently.
import type { Rng } from '../core/rng';
import { BLOCK_MASS, SUBSTEP_DT, WORKSPACE_SIZE } from './pusht/geometry';
import { drawEventStep, drawOffset, formatPerturbationSpec, parsePerturbationSpec, suiteDefault, validateSuiteIn, type SuiteTable } from './perturbationSpec';
import type { PushTEnv, PushTState } from './pusht/pushTEnv';
import { sampleResetState, sampleShiftedResetState } from './pusht/reset';

export const SUITE_NAMES = ['nominal', 'shifted-init', 'displace', 'kick', 'bias', 'offset', 'friction', 'mass'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

export type Perturbation =
  | { kind: 'nominal' }
  | { kind: 'shifted-init'; band: number }
  | { kind: 'displace'; dx: number; dy: number; dtheta: number; at: number; jitter: number }
  | { kind: 'kick'; impulse: number; angle: number | null; at: number; jitter: number }
  | { kind: 'bias'; dx: number; dy: number }
  | { kind: 'offset'; min: number; max: number }
  | { kind: 'friction'; mu: number }
  | { kind: 'mass'; comDx: number; comDy: number };

/** Substeps over which a kick acts (0.05 s: sudden, yet resolved by the contact solver step by step). */
export const KICK_SUBSTEPS = 5;

const MAX_STEP = 2000;
/** Disturbance times spread over this many steps: every phase of a chunk of up to 16 actions. */
const DEFAULT_JITTER = 16;
const JITTER = { key: 'jitter', field: 'jitter', min: 1, max: MAX_STEP, integer: true };
const PARAMS: SuiteTable<Perturbation>['params'] = {
  nominal: [],
  'shifted-init': [{ key: 'band', field: 'band', min: 1, max: 95, integer: true }],
  displace: [
    { key: 'dx', field: 'dx', min: -WORKSPACE_SIZE, max: WORKSPACE_SIZE, integer: false },
    { key: 'dy', field: 'dy', min: -WORKSPACE_SIZE, max: WORKSPACE_SIZE, integer: false },
    { key: 'dtheta', field: 'dtheta', min: -2 * Math.PI, max: 2 * Math.PI, integer: false },
    { key: 'at', field: 'at', min: 0, max: MAX_STEP, integer: true },
    JITTER,
  ],
  kick: [
    { key: 'impulse', field: 'impulse', min: 0, max: WORKSPACE_SIZE, integer: false },
    { key: 'angle', field: 'angle', min: -2 * Math.PI, max: 2 * Math.PI, integer: false, optional: true },
    { key: 'at', field: 'at', min: 0, max: MAX_STEP, integer: true },
    JITTER,
  ],
  bias: [
    { key: 'dx', field: 'dx', min: -WORKSPACE_SIZE / 2, max: WORKSPACE_SIZE / 2, integer: false },
    { key: 'dy', field: 'dy', min: -WORKSPACE_SIZE / 2, max: WORKSPACE_SIZE / 2, integer: false },
  ],
  offset: [
    { key: 'min', field: 'min', min: 0, max: WORKSPACE_SIZE / 2, integer: false },
    { key: 'max', field: 'max', min: 0, max: WORKSPACE_SIZE / 2, integer: false },
  ],
  friction: [{ key: 'mu', field: 'mu', min: 0, max: 10, integer: false }],
  mass: [
    { key: 'com_dx', field: 'comDx', min: -60, max: 60, integer: false },
    { key: 'com_dy', field: 'comDy', min: -60, max: 60, integer: false },
  ],
};

/** The suites' fixed default parameters (what `eval --suite NAME` runs without --perturb). */
export const SUITES: { readonly [K in SuiteName]: Readonly<Extract<Perturbation, { kind: K }>> } = {
  nominal: { kind: 'nominal' },
  'shifted-init': { kind: 'shifted-init', band: 40 },
  displace: { kind: 'displace', dx: 30, dy: -20, dtheta: 0.3, at: 60, jitter: DEFAULT_JITTER },
  kick: { kind: 'kick', impulse: 40, angle: null, at: 80, jitter: DEFAULT_JITTER },
  bias: { kind: 'bias', dx: 8, dy: 0 },
  offset: { kind: 'offset', min: 4, max: 12 },
  friction: { kind: 'friction', mu: 0.6 },
  mass: { kind: 'mass', comDx: 10, comDy: 0 },
};

/** Push-T's suites for the spec parser (perturbationSpec.ts). */
export const PUSH_T_SUITES: SuiteTable<Perturbation> = { names: SUITE_NAMES, params: PARAMS, defaults: SUITES };

/** Throws a clear error unless `name` is a suite. */
export function validateSuite(name: string): SuiteName {
  return validateSuiteIn(PUSH_T_SUITES, name);
}

/** The default perturbation of a suite (a fresh copy). */
export function suitePerturbation(name: string): Perturbation {
  return suiteDefault(PUSH_T_SUITES, name);
}

/** Parses a Push-T spec, e.g. `displace:dx=30,dy=-20,dtheta=0.3,at=60` (perturbationSpec.ts). */
export function parsePerturbation(spec: string): Perturbation {
  return parsePerturbationSpec(PUSH_T_SUITES, spec);
}

/** The spec string of a perturbation (parsePerturbation's inverse), for logs and reports. */
export function formatPerturbation(p: Perturbation): string {
  return formatPerturbationSpec(PUSH_T_SUITES, p);
}

// ── an episode's perturbation ────────────────────────────────────────────────────────────────────────

/**
 * The concrete perturbation of one episode: a random time within the jitter window, a random-direction offset
 * as the bias it draws. Draws from the env's perturbation stream, before startEpisode's own draws.
 */
export function episodePerturbation(p: Perturbation, rng: Rng): Perturbation {
  switch (p.kind) {
    case 'displace':
    case 'kick':
      return drawEventStep(p, rng);
    case 'offset':
      return { kind: 'bias', ...drawOffset(p, rng) };
    default:
      return p;
  }
}

/** Training shoves land in this window of control steps (episodes last up to 300). */
const TRAIN_FIRST_STEP = 10;
const TRAIN_LAST_STEP = 200;

/**
 * Stage 2's training disturbances: with probability `disturbed` an episode gets one family, uniformly, with
 * parameters drawn from wide ranges around (never fixed at) the evaluation suites' values, at a random step:
 *   displace (|dx|, |dy| ≤ 40 px, |dθ| ≤ 0.5), kick (10–60 mass·px, any direction), offset (2–16 px, any
 *   direction), friction (μ 0.2–1), mass (centre of mass within ±20 px).
 * The rest are nominal. Continuous draws, so no episode replays an evaluation suite's exact values.
 */
export function trainingDisturbance(rng: Rng, disturbed: number): Perturbation {
  if (!(rng.uniform() < disturbed)) return { kind: 'nominal' };
  const at = rng.int(TRAIN_FIRST_STEP, TRAIN_LAST_STEP);
  switch (rng.int(0, 5)) {
    case 0:
      return { kind: 'displace', dx: rng.range(-40, 40), dy: rng.range(-40, 40), dtheta: rng.range(-0.5, 0.5), at, jitter: 1 };
    case 1:
      return { kind: 'kick', impulse: rng.range(10, 60), angle: rng.range(-Math.PI, Math.PI), at, jitter: 1 };
    case 2:
      return episodePerturbation({ kind: 'offset', min: 2, max: 16 }, rng);
    case 3:
      return { kind: 'friction', mu: rng.range(0.2, 1) };
    default:
      return { kind: 'mass', comDx: rng.range(-20, 20), comDy: rng.range(-20, 20) };
  }
}
// ── acting on an env ─────────────────────────────────────────────────────────────────────────────────

/** Per-episode draws of a perturbation (the kick's direction when it is random). */
export interface PerturbationEpisode {
  kickAngle: number;
}

/**
 * Starts an episode under `p`: draws the initial state from `resetRng`, sets the env's physical constants,
 * and draws the perturbation's own randomness from a separate stream, `perturbRng`, so that every suite
 * but shifted-init starts from exactly the nominal suite's states for a given seed (paired comparisons).
 */
export function startEpisode(env: PushTEnv, p: Perturbation, resetRng: Rng, perturbRng: Rng, state: PushTState, episode: PerturbationEpisode): void {
  if (p.kind === 'shifted-init') sampleShiftedResetState(resetRng, p.band, state);
  else sampleResetState(resetRng, state);
  env.setAgentFriction(p.kind === 'friction' ? p.mu : 0);
  if (p.kind === 'mass') env.setComOffset(p.comDx, p.comDy);
  else env.setComOffset(0, 0);
  env.setState(state);
  episode.kickAngle = p.kind === 'kick' ? (p.angle ?? perturbRng.range(-Math.PI, Math.PI)) : 0;
}

/** Acts at the start of control step `step` (0-based within the episode), before that step's action runs. */
export function beforeControlStep(env: PushTEnv, p: Perturbation, step: number, episode: PerturbationEpisode): void {
  if (p.kind === 'displace' && step === p.at) {
    env.setBlockPose(env.block.x + p.dx, env.block.y + p.dy, env.block.angle + p.dtheta);
  } else if (p.kind === 'kick' && step === p.at) {
    const speed = p.impulse / (BLOCK_MASS * KICK_SUBSTEPS * SUBSTEP_DT);
    // A direction given in `p` wins over the episode's draw: a kick set mid-episode (setEpisodePerturbation) has no draw.
    const angle = p.angle ?? episode.kickAngle;
    env.kick(speed * Math.cos(angle), speed * Math.sin(angle), KICK_SUBSTEPS);
  }
}

/** Offset added to the commanded target (pixels): non-zero only under `bias`. */
export function targetBiasX(p: Perturbation): number {
  return p.kind === 'bias' ? p.dx : 0;
}
export function targetBiasY(p: Perturbation): number {
  return p.kind === 'bias' ? p.dy : 0;
}
