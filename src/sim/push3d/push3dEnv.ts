// One push-3d world on Rapier 3D: a table, a T pillar that slides, turns and tips under gravity and
// Coulomb friction, and a kinematic ball driven by a PD law towards a 3D target. Episodes, tokens, scores
// and perturbation schedules live in the task adapter (push3dTask.ts); this file is the state, the
// PD-controlled substeps and the physical knobs the perturbations turn (teleport, shove, table friction,
// centre-of-mass offset).
//
// The object keeps its momentum (unlike Push-T's quasi-static block), so the state holds its velocities:
// (pusher position, pusher velocity, object pose, object linear and angular velocity) is the whole physical
// state and setState restores it without snapshots. As in Push-T, Rapier's contact cache (warm starts) is
// not part of it: two fresh worlds set to one state replay bit for bit.
//
// Hot path: no allocation per substep. The substep calls the raw WASM bindings with vectors made once per env.
import RAPIER from '@dimforge/rapier3d-compat';
import {
  GRAVITY,
  K_P,
  K_V,
  OBJECT_BOXES,
  OBJECT_HEIGHT,
  OBJECT_INERTIA,
  OBJECT_MASS,
  COM_LOCAL,
  PUSHER_FRICTION,
  PUSHER_RADIUS,
  RESTITUTION,
  SOLVER_ITERATIONS,
  SUBSTEPS_PER_ACTION,
  SUBSTEP_DT,
  TABLE_FRICTION,
  TABLE_HALF,
  TABLE_THICKNESS,
  type Pose3,
} from './geometry';
import { prepareRawStep, wasmLoader } from '../rapierWorld';

const wasm = wasmLoader(() => RAPIER.init());

/** Loads Rapier 3D's WASM once (Node, Vite and Web Workers: the -compat build embeds it). */
export const initRapier3d = wasm.load;

/** Rapier's length unit ≈ the objects' size: allowed penetration 0.005 · 0.1 m = 0.5 mm. */
const LENGTH_UNIT_M = 0.1;

/** The full state of a push-3d world: metres, m/s, unit quaternion, rad/s (a type: generic code reads it as a record). */
export type Push3DState = {
  pusherX: number;
  pusherY: number;
  pusherZ: number;
  pusherVx: number;
  pusherVy: number;
  pusherVz: number;
  objectX: number;
  objectY: number;
  objectZ: number;
  objectQx: number;
  objectQy: number;
  objectQz: number;
  objectQw: number;
  objectVx: number;
  objectVy: number;
  objectVz: number;
  objectWx: number;
  objectWy: number;
  objectWz: number;
};

export const PUSH3D_STATE_LAYOUT = [
  'pusherX',
  'pusherY',
  'pusherZ',
  'pusherVx',
  'pusherVy',
  'pusherVz',
  'objectX',
  'objectY',
  'objectZ',
  'objectQx',
  'objectQy',
  'objectQz',
  'objectQw',
  'objectVx',
  'objectVy',
  'objectVz',
  'objectWx',
  'objectWy',
  'objectWz',
] as const satisfies readonly (keyof Push3DState)[];

export function zeroState3d(): Push3DState {
  const s = {} as Push3DState;
  for (const k of PUSH3D_STATE_LAYOUT) s[k] = 0;
  s.objectQw = 1;
  return s;
}

/** The pusher's part of the state; the env keeps it in fields of the same names. */
const PUSHER_KEYS = ['pusherX', 'pusherY', 'pusherZ', 'pusherVx', 'pusherVy', 'pusherVz'] as const;
type PusherState = Pick<Push3DState, (typeof PUSHER_KEYS)[number]>;

function copyPusher(from: PusherState, to: PusherState): void {
  for (const k of PUSHER_KEYS) to[k] = from[k];
}

type RawBodies = RAPIER.World['bodies']['raw'];
type RawVector = ReturnType<typeof RAPIER.VectorOps.intoRaw>;

export class Push3DEnv {
  // The Rapier world and what the hot path needs of it; rebuilt by clearHistory().
  private world!: RAPIER.World;
  private rawBodies!: RawBodies;
  private pusherHandle!: number;
  private objectHandle!: number;
  private objectBody!: RAPIER.RigidBody;
  private tableCollider!: RAPIER.Collider;
  private stepArgs!: Parameters<RAPIER.PhysicsPipeline['raw']['step']>;
  private readonly rawGravity: RawVector;
  private readonly rawVec: RawVector;
  private readonly f32 = new Float32Array(4);

  // The pusher's state is ours (kinematic, integrated in JS doubles); the object's is read back from Rapier.
  pusherX = 0;
  pusherY = 0;
  pusherZ = 0;
  pusherVx = 0;
  pusherVy = 0;
  pusherVz = 0;
  /** Object pose as of the last control step or setState (f32 precision, from Rapier). */
  readonly object: Pose3 = { x: 0, y: 0, z: 0, qx: 0, qy: 0, qz: 0, qw: 1 };
  /** Object velocity as of the last control step or setState: linear (m/s) then angular (rad/s). */
  readonly objectVel = new Float64Array(6);

  private friction = TABLE_FRICTION;
  private comDx = 0;
  private comDy = 0;
  private comDz = 0;

  /** Requires `await initRapier3d()` first. */
  constructor() {
    if (!wasm.loaded) throw new Error('Push3DEnv: Rapier 3D is not initialised; await initRapier3d() first');
    this.rawGravity = RAPIER.VectorOps.intoRaw({ x: 0, y: 0, z: -GRAVITY });
    this.rawVec = RAPIER.VectorOps.intoRaw({ x: 0, y: 0, z: 0 });
    this.build();
  }

  /**
   * Rebuilds the Rapier world in the current state and settings, dropping what Rapier carries from step to
   * step beyond the state (contact pairs with their warm-start impulses, the broad phase's tree), so that
   * what follows depends on the state alone. Episode starts call it: an episode then plays out the same
   * whatever this env (or an expert's simulator copy) ran before (≈ 0.3 ms).
   */
  clearHistory(): void {
    const s = this.getState();
    this.world.free();
    this.build();
    this.setState(s);
  }

  private build(): void {
    const world = new RAPIER.World({ x: 0, y: 0, z: -GRAVITY });
    world.timestep = SUBSTEP_DT;
    world.lengthUnit = LENGTH_UNIT_M;
    world.numSolverIterations = SOLVER_ITERATIONS;
    this.world = world;

    const table = world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
    // The object's colliders have friction 0 under the Max rule, so each contact takes the other side's coefficient.
    this.tableCollider = world.createCollider(
      RAPIER.ColliderDesc.cuboid(TABLE_HALF, TABLE_HALF, TABLE_THICKNESS / 2).setTranslation(0, 0, -TABLE_THICKNESS / 2).setFriction(this.friction).setRestitution(RESTITUTION),
      table,
    );

    const pusher = world.createRigidBody(RAPIER.RigidBodyDesc.kinematicPositionBased());
    world.createCollider(RAPIER.ColliderDesc.ball(PUSHER_RADIUS).setFriction(PUSHER_FRICTION).setRestitution(RESTITUTION), pusher);

    const object = world.createRigidBody(RAPIER.RigidBodyDesc.dynamic().setCanSleep(false).setCcdEnabled(false));
    for (const b of OBJECT_BOXES) {
      const desc = RAPIER.ColliderDesc.cuboid((b.x1 - b.x0) / 2, (b.y1 - b.y0) / 2, OBJECT_HEIGHT / 2)
        .setTranslation((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, OBJECT_HEIGHT / 2)
        .setDensity(0) // mass properties are set below, exactly
        .setFriction(0)
        .setFrictionCombineRule(RAPIER.CoefficientCombineRule.Max)
        .setRestitution(RESTITUTION);
      world.createCollider(desc, object);
    }
    this.objectBody = object;
    this.setMassProperties();
    this.pusherHandle = pusher.handle;
    this.objectHandle = object.handle;
    this.rawBodies = world.bodies.raw;
    this.stepArgs = prepareRawStep(world, this.rawGravity);
  }

  static async create(): Promise<Push3DEnv> {
    await initRapier3d();
    return new Push3DEnv();
  }

  // ── state ────────────────────────────────────────────────────────────────────────────────────────
  setState(s: Push3DState): void {
    copyPusher(s, this);
    this.rawBodies.rbSetTranslation(this.pusherHandle, s.pusherX, s.pusherY, s.pusherZ, true);
    this.rawBodies.rbSetNextKinematicTranslation(this.pusherHandle, s.pusherX, s.pusherY, s.pusherZ);
    const b = this.rawBodies;
    const h = this.objectHandle;
    b.rbSetTranslation(h, s.objectX, s.objectY, s.objectZ, true);
    b.rbSetRotation(h, s.objectQx, s.objectQy, s.objectQz, s.objectQw, true);
    this.setVelocity(s.objectVx, s.objectVy, s.objectVz, s.objectWx, s.objectWy, s.objectWz);
    this.readObject();
  }

  getState(out: Push3DState = zeroState3d()): Push3DState {
    copyPusher(this, out);
    const o = this.object;
    out.objectX = o.x;
    out.objectY = o.y;
    out.objectZ = o.z;
    out.objectQx = o.qx;
    out.objectQy = o.qy;
    out.objectQz = o.qz;
    out.objectQw = o.qw;
    const v = this.objectVel;
    out.objectVx = v[0];
    out.objectVy = v[1];
    out.objectVz = v[2];
    out.objectWx = v[3];
    out.objectWy = v[4];
    out.objectWz = v[5];
    return out;
  }

  /** Teleports the object to pose `p`, keeping its velocity. */
  setObjectPose(p: Pose3): void {
    this.rawBodies.rbSetTranslation(this.objectHandle, p.x, p.y, p.z, true);
    this.rawBodies.rbSetRotation(this.objectHandle, p.qx, p.qy, p.qz, p.qw, true);
    this.readObject();
  }

  /** Sets the object's linear (m/s) and angular (rad/s) velocity. */
  setVelocity(vx: number, vy: number, vz: number, wx: number, wy: number, wz: number): void {
    const r = this.rawVec;
    r.x = vx;
    r.y = vy;
    r.z = vz;
    this.rawBodies.rbSetLinvel(this.objectHandle, r, true);
    r.x = wx;
    r.y = wy;
    r.z = wz;
    this.rawBodies.rbSetAngvel(this.objectHandle, r, true);
  }

  /** Refreshes `object` and `objectVel` from Rapier (step() does this). */
  readObject(): void {
    const b = this.rawBodies;
    const h = this.objectHandle;
    const f = this.f32;
    const o = this.object;
    b.rbTranslation(h, f);
    o.x = f[0];
    o.y = f[1];
    o.z = f[2];
    b.rbRotation(h, f);
    o.qx = f[0];
    o.qy = f[1];
    o.qz = f[2];
    o.qw = f[3];
    const v = this.objectVel;
    b.rbLinvel(h, f);
    v[0] = f[0];
    v[1] = f[1];
    v[2] = f[2];
    b.rbAngvel(h, f);
    v[3] = f[0];
    v[4] = f[1];
    v[5] = f[2];
  }

  // ── dynamics ─────────────────────────────────────────────────────────────────────────────────────
  /** One control step: SUBSTEPS_PER_ACTION substeps of the PD law towards the target (metres, already clamped). */
  step(tx: number, ty: number, tz: number): void {
    for (let i = 0; i < SUBSTEPS_PER_ACTION; i++) this.substep(tx, ty, tz);
    this.readObject();
  }

  /** One physics substep (dt = 0.01 s); `object` is refreshed by step(), not here. */
  substep(tx: number, ty: number, tz: number): void {
    this.pusherVx += (K_P * (tx - this.pusherX) - K_V * this.pusherVx) * SUBSTEP_DT;
    this.pusherVy += (K_P * (ty - this.pusherY) - K_V * this.pusherVy) * SUBSTEP_DT;
    this.pusherVz += (K_P * (tz - this.pusherZ) - K_V * this.pusherVz) * SUBSTEP_DT;
    this.pusherX += this.pusherVx * SUBSTEP_DT;
    this.pusherY += this.pusherVy * SUBSTEP_DT;
    this.pusherZ += this.pusherVz * SUBSTEP_DT;
    this.advancePhysics();
  }

  /** The Rapier work of one substep without the PD law: the pusher moves to its position, the world steps. */
  advancePhysics(): void {
    this.rawBodies.rbSetNextKinematicTranslation(this.pusherHandle, this.pusherX, this.pusherY, this.pusherZ);
    this.world.physicsPipeline.raw.step(...this.stepArgs);
  }

  // ── perturbation knobs ───────────────────────────────────────────────────────────────────────────
  /** A shove: adds the velocity change (dvx, dvy, dvz) to the object's centre of mass (an impulse / mass). */
  kick(dvx: number, dvy: number, dvz: number): void {
    const v = this.objectVel;
    this.setVelocity(v[0] + dvx, v[1] + dvy, v[2] + dvz, v[3], v[4], v[5]);
    v[0] += dvx;
    v[1] += dvy;
    v[2] += dvz;
  }

  /** Coulomb friction coefficient of the table top (nominal TABLE_FRICTION). */
  setTableFriction(mu: number): void {
    if (mu === this.friction) return;
    this.friction = mu;
    this.tableCollider.setFriction(mu);
  }

  /** Moves the centre of mass by (dx, dy, dz) in the object's frame (mass and inertia about the centre unchanged). */
  setComOffset(dx: number, dy: number, dz: number): void {
    if (dx === this.comDx && dy === this.comDy && dz === this.comDz) return;
    this.comDx = dx;
    this.comDy = dy;
    this.comDz = dz;
    this.setMassProperties();
  }

  private setMassProperties(): void {
    const [ix, iy, iz] = OBJECT_INERTIA;
    this.objectBody.setAdditionalMassProperties(
      OBJECT_MASS,
      { x: COM_LOCAL[0] + this.comDx, y: COM_LOCAL[1] + this.comDy, z: COM_LOCAL[2] + this.comDz },
      { x: ix, y: iy, z: iz },
      { x: 0, y: 0, z: 0, w: 1 },
      true,
    );
  }

  free(): void {
    this.rawGravity.free();
    this.rawVec.free();
    this.world.free();
  }
}
