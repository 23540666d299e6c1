// One Push-T world on Rapier 2D: the physics of the original (pymunk/Chipmunk) and nothing else.
// Episodes, tokens, rewards and perturbation schedules live in vecEnv.ts; this file is the state
// (agent position, agent velocity, block pose), the PD-controlled substeps, and the physical knobs the
// perturbations turn (block teleport, shove, contact friction, centre-of-mass offset).
//
// Faithful to the original:
//   - the agent is a kinematic circle driven by v += (K_P·(a − p) − K_V·v)·dt, p += v·dt (Chipmunk
//     integrates a kinematic body's position from its velocity); it passes through the walls;
//   - the block is quasi-static: pymunk's space damping 0 zeroes its velocity every substep, so we zero
//     linear and angular velocity before each substep (damping would not reproduce this);
//   - all contacts frictionless and inelastic; 10 solver iterations per step; no CCD; slop 0.1 px
//     (Rapier's allowed linear error = 0.001 · lengthUnit, with lengthUnit = 100 px).
// Because the block keeps no velocity, the physical state is (agent position, agent velocity, block
// pose) and setState restores it without snapshots (Rapier's restoreSnapshot leaks WASM memory and
// returns a new World). Rapier's contact cache (warm-start impulses) is not part of it: two fresh worlds
// set to one state replay bit for bit, while a restored copy of a world in contact follows the original
// to ~1e-3 px over a few steps before contact chaos separates them (Chipmunk caches impulses alike).
//
// Hot path: no allocation per substep. Rapier's JS wrappers allocate a RawVector for setLinvel and for
// World.step's gravity, so the substep calls the raw WASM bindings with vectors made once per env.
import RAPIER from '@dimforge/rapier2d-compat';
import {
  AGENT_RADIUS,
  BLOCK_BOXES,
  BLOCK_COG,
  BLOCK_INERTIA,
  BLOCK_MASS,
  K_P,
  K_V,
  SOLVER_ITERATIONS,
  SUBSTEPS_PER_ACTION,
  SUBSTEP_DT,
  WALL_CORNERS,
  WALL_RADIUS,
  WORKSPACE_SIZE,
  type Pose,
} from './geometry';
import { prepareRawStep, wasmLoader } from '../rapierWorld';

const wasm = wasmLoader(() => RAPIER.init());

/** Loads Rapier's WASM once (works in Node, Vite and Web Workers: the -compat build embeds it). */
export const initRapier = wasm.load;

/** Thickness of the wall slabs, px (outwards from the original's inner wall surfaces). */
const WALL_SLAB = 100;
const WALL_CENTRE = [WORKSPACE_SIZE / 2, WORKSPACE_SIZE / 2] as const;

/** Rapier's length unit: tolerances scale with it (allowed penetration 0.001·unit = Chipmunk's 0.1 px slop). */
const LENGTH_UNIT_PX = 100;

/** The full state of a Push-T world. Pixels, pixels/s, radians. (A type, not an interface: generic code reads states as records of numbers.) */
export type PushTState = {
  agentX: number;
  agentY: number;
  agentVx: number;
  agentVy: number;
  blockX: number;
  blockY: number;
  blockAngle: number;
};

export function zeroState(): PushTState {
  return { agentX: 0, agentY: 0, agentVx: 0, agentVy: 0, blockX: 0, blockY: 0, blockAngle: 0 };
}

type RawBodies = RAPIER.World['bodies']['raw'];
type RawVector = ReturnType<typeof RAPIER.VectorOps.intoRaw>;

export class PushTEnv {
  readonly world: RAPIER.World;
  private readonly rawBodies: RawBodies;
  private readonly agentHandle: number;
  private readonly blockHandle: number;
  private readonly agentCollider: RAPIER.Collider;
  private readonly blockBody: RAPIER.RigidBody;
  private readonly rawGravity: RawVector;
  private readonly rawZero: RawVector;
  private readonly rawKickVel: RawVector;
  private readonly stepArgs: Parameters<RAPIER.PhysicsPipeline['raw']['step']>;
  private readonly f32 = new Float32Array(2);

  // The state, kept in JS doubles for the agent (its integration is ours) and mirrored from Rapier for the block.
  agentX = 0;
  agentY = 0;
  agentVx = 0;
  agentVy = 0;
  /** Block pose as of the last control step or setState (read back from Rapier, f32 precision). */
  readonly block: Pose = { x: 0, y: 0, angle: 0 };

  // Perturbation knobs.
  private kickSubstepsLeft = 0;
  private friction = 0;
  private comDx = 0;
  private comDy = 0;

  /** Requires `await initRapier()` first. */
  constructor() {
    if (!wasm.loaded) throw new Error('PushTEnv: Rapier is not initialised; await initRapier() first');
    const world = new RAPIER.World({ x: 0, y: 0 });
    world.timestep = SUBSTEP_DT;
    world.lengthUnit = LENGTH_UNIT_PX;
    // Chipmunk runs 10 sequential-impulse iterations within one step; Rapier's analogue is one solver
    // iteration (TGS substep) holding 10 PGS iterations. (10 TGS substeps of 1 iteration land as close
    // to a converged solve but cost twice the time.)
    world.numSolverIterations = 1;
    world.numInternalPgsIterations = SOLVER_ITERATIONS;
    this.world = world;

    // Walls: the original's segments of radius 2, built as thick slabs whose inner faces are the segments'
    // inner surfaces. From inside the arena the contact surface is the same; a block teleported or reset
    // deep into a wall is pushed back in, where a 4 px wall could let the solver expel it outwards.
    const walls = world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
    const [cx, cy] = WALL_CENTRE;
    for (let i = 0; i < WALL_CORNERS.length; i++) {
      const [ax, ay] = WALL_CORNERS[i];
      const [bx, by] = WALL_CORNERS[(i + 1) % WALL_CORNERS.length];
      const len = Math.hypot(bx - ax, by - ay);
      const mx = (ax + bx) / 2;
      const my = (ay + by) / 2;
      // Unit normal of the segment, pointing into the arena.
      let nx = -(by - ay) / len;
      let ny = (bx - ax) / len;
      if (nx * (cx - mx) + ny * (cy - my) < 0) {
        nx = -nx;
        ny = -ny;
      }
      const offset = WALL_RADIUS - WALL_SLAB / 2; // slab centre sits outside, inner face at the segment + radius
      const desc = RAPIER.ColliderDesc.cuboid(len / 2 + WALL_SLAB, WALL_SLAB / 2)
        .setTranslation(mx + nx * offset, my + ny * offset)
        .setRotation(Math.atan2(by - ay, bx - ax))
        .setFriction(0)
        .setRestitution(0);
      world.createCollider(desc, walls);
    }

    const agent = world.createRigidBody(RAPIER.RigidBodyDesc.kinematicPositionBased());
    // Friction perturbations set the agent's coefficient; the Max rule makes it the agent–block value
    // while block–wall contacts stay frictionless.
    this.agentCollider = world.createCollider(
      RAPIER.ColliderDesc.ball(AGENT_RADIUS).setFriction(0).setFrictionCombineRule(RAPIER.CoefficientCombineRule.Max).setRestitution(0),
      agent,
    );

    const block = world.createRigidBody(
      RAPIER.RigidBodyDesc.dynamic()
        .setCanSleep(false)
        .setCcdEnabled(false)
        .setAdditionalMassProperties(BLOCK_MASS, { x: BLOCK_COG[0], y: BLOCK_COG[1] }, BLOCK_INERTIA),
    );
    for (const box of BLOCK_BOXES) {
      const desc = RAPIER.ColliderDesc.cuboid((box.x1 - box.x0) / 2, (box.y1 - box.y0) / 2)
        .setTranslation((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
        .setDensity(0) // mass properties come from the original's numbers above, not from the shapes
        .setFriction(0)
        .setRestitution(0);
      world.createCollider(desc, block);
    }
    this.blockBody = block;
    this.agentHandle = agent.handle;
    this.blockHandle = block.handle;
    this.rawBodies = world.bodies.raw;
    this.rawGravity = RAPIER.VectorOps.intoRaw({ x: 0, y: 0 });
    this.rawZero = RAPIER.VectorOps.intoRaw({ x: 0, y: 0 });
    this.rawKickVel = RAPIER.VectorOps.intoRaw({ x: 0, y: 0 });
    this.stepArgs = prepareRawStep(world, this.rawGravity);
  }

  /** Convenience: initialise Rapier and build one env. */
  static async create(): Promise<PushTEnv> {
    await initRapier();
    return new PushTEnv();
  }

  // ── state ────────────────────────────────────────────────────────────────────────────────────────
  setState(s: PushTState): void {
    this.agentX = s.agentX;
    this.agentY = s.agentY;
    this.agentVx = s.agentVx;
    this.agentVy = s.agentVy;
    this.rawBodies.rbSetTranslation(this.agentHandle, s.agentX, s.agentY, true);
    this.rawBodies.rbSetNextKinematicTranslation(this.agentHandle, s.agentX, s.agentY);
    this.setBlockPose(s.blockX, s.blockY, s.blockAngle);
    this.kickSubstepsLeft = 0;
  }

  getState(out: PushTState = zeroState()): PushTState {
    out.agentX = this.agentX;
    out.agentY = this.agentY;
    out.agentVx = this.agentVx;
    out.agentVy = this.agentVy;
    out.blockX = this.block.x;
    out.blockY = this.block.y;
    out.blockAngle = this.block.angle;
    return out;
  }

  /** Teleports the block (pixels, radians; the angle is about the body origin, the plain pose). */
  setBlockPose(x: number, y: number, angle: number): void {
    this.rawBodies.rbSetTranslation(this.blockHandle, x, y, true);
    this.rawBodies.rbSetRotation(this.blockHandle, angle, true);
    this.readBlockPose();
  }

  /** Refreshes `block` from Rapier (step() does this; callers of substep() call it when they need the pose). */
  readBlockPose(): void {
    this.rawBodies.rbTranslation(this.blockHandle, this.f32);
    this.block.x = this.f32[0];
    this.block.y = this.f32[1];
    this.block.angle = this.rawBodies.rbRotation(this.blockHandle);
  }

  // ── dynamics ─────────────────────────────────────────────────────────────────────────────────────
  /** One control step: SUBSTEPS_PER_ACTION substeps of the PD law towards the target (pixels). */
  step(targetX: number, targetY: number): void {
    for (let i = 0; i < SUBSTEPS_PER_ACTION; i++) this.substep(targetX, targetY);
    this.readBlockPose();
  }

  /** One physics substep (dt = 0.01 s). The block pose fields are refreshed by step(), not here. */
  substep(targetX: number, targetY: number): void {
    this.agentVx += (K_P * (targetX - this.agentX) - K_V * this.agentVx) * SUBSTEP_DT;
    this.agentVy += (K_P * (targetY - this.agentY) - K_V * this.agentVy) * SUBSTEP_DT;
    this.agentX += this.agentVx * SUBSTEP_DT;
    this.agentY += this.agentVy * SUBSTEP_DT;
    this.advancePhysics();
  }

  /**
   * The Rapier work of one substep without the PD law: the agent moves to (agentX, agentY), the block
   * starts at rest, the world steps. Exposed so the benchmark can time raw physics on replayed agent paths.
   */
  advancePhysics(): void {
    this.rawBodies.rbSetNextKinematicTranslation(this.agentHandle, this.agentX, this.agentY);
    // Quasi-static block: no velocity carries over between substeps (a kick overrides it for a few).
    if (this.kickSubstepsLeft > 0) {
      this.rawBodies.rbSetLinvel(this.blockHandle, this.rawKickVel, false);
      this.kickSubstepsLeft--;
    } else {
      this.rawBodies.rbSetLinvel(this.blockHandle, this.rawZero, false);
    }
    this.rawBodies.rbSetAngvel(this.blockHandle, 0, false);
    this.world.physicsPipeline.raw.step(...this.stepArgs);
  }

  // ── perturbation knobs ───────────────────────────────────────────────────────────────────────────
  /**
   * A shove: for the next `substeps` substeps the block starts each substep at velocity (vx, vy) px/s
   * instead of at rest, so it travels vx·dt per substep through the physics (walls and the agent still stop it).
   */
  kick(vx: number, vy: number, substeps: number): void {
    this.rawKickVel.x = vx;
    this.rawKickVel.y = vy;
    this.kickSubstepsLeft = substeps;
  }

  /** Coulomb friction coefficient at the agent–block contact (the original: 0). */
  setAgentFriction(mu: number): void {
    if (mu === this.friction) return;
    this.friction = mu;
    this.agentCollider.setFriction(mu);
  }

  /** Moves the block's centre of mass by (dx, dy) in its local frame (mass and inertia about the CoM unchanged). */
  setComOffset(dx: number, dy: number): void {
    if (dx === this.comDx && dy === this.comDy) return;
    this.comDx = dx;
    this.comDy = dy;
    this.blockBody.setAdditionalMassProperties(BLOCK_MASS, { x: BLOCK_COG[0] + dx, y: BLOCK_COG[1] + dy }, BLOCK_INERTIA, true);
  }

  /** Frees the WASM memory of this world. The env is unusable afterwards. */
  free(): void {
    this.rawGravity.free();
    this.rawZero.free();
    this.rawKickVel.free();
    this.world.free();
  }
}
