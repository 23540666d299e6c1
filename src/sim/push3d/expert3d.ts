// The push-3d expert: a privileged push planner, Push-T's expert (src/sim/expert.ts) carried to the pillar.
//
// Pushes are made low (PUSH_HEIGHT = 3 cm, where the pillar slides rather than tips at any table friction
// below 1.3), so the planar part is Push-T's: the same push primitives on the T's faces and corners, the
// same routes round it (Push-T's geometry in millimetres, see geometry.ts). Each decision tries every
// primitive in the expert's own copy of the simulator, started from the observed state (velocities
// included): the pusher is put just off the contact point and driven through the object along the push
// line; every control step of that rollout is a candidate push depth. The primitive and depth with the
// fastest progress, log(cost before / cost after) per control step (travel included), wins, where the cost
// is the mean squared distance of the 13 keypoints to the goal's (so heading and tilt count). Rollouts in
// which the pillar tips or leaves the table are refused. Execution: travel round the object at push height,
// push to the chosen depth, replan. While the object is still moving or tilted (after a shove or a tip) the
// pusher holds still and waits for it to settle. A target bias is estimated from the pusher's own motion
// as Push-T's expert does (pdBias.ts).
//
// Deterministic: no randomness; its simulator copy is its own.
import { LINE_UP_TOLERANCE, ROLLOUT_DEPTHS, ROLLOUT_STEPS, drifted, followPlan, newPlan, progressRate, pushCandidates, type PushPlan } from '../expertGeometry/pushPlan';
import { toWorld } from '../expertGeometry/tShape';
import { estimateBias, type PdGains } from '../pdBias';
import type { Pose } from '../pusht/geometry';
import { ACTION_HALF, ACTION_HIGH, ACTION_LOW, K_P, K_V, PUSHER_RADIUS, PX_PER_M, SUBSTEPS_PER_ACTION, SUBSTEP_DT, clampTarget } from './geometry';
import { tiltOf, yawOf } from './pose3';
import { Push3DEnv, zeroState3d, type Push3DState } from './push3dEnv';
import { keypointCost, poseErrors, zeroErrors } from './score';

const PD_GAINS: PdGains = { kp: K_P, kv: K_V, dt: SUBSTEP_DT, substeps: SUBSTEPS_PER_ACTION };

/** Height of the pusher's centre while travelling and pushing (m). */
const PUSH_HEIGHT = 0.03;
/** The pusher's radius in Push-T pixels (= mm) in the object's plane, where the shared push plan
 * (expertGeometry/pushPlan.ts) works. */
const R_PX = PUSHER_RADIUS * PX_PER_M;
/** The object counts as settled below these speeds and this tilt (m/s, rad/s, rad). */
const SETTLED_SPEED = 0.01;
const SETTLED_SPIN = 0.1;
const SETTLED_TILT = 0.03;
/** A rollout whose pillar tilts past this is refused (rad). */
const MAX_ROLLOUT_TILT = 0.2;

export class Push3DExpert {
  private readonly sim: Push3DEnv;
  private readonly scratch: Push3DState = zeroState3d();
  private readonly errors = zeroErrors();
  private plan: PushPlan | null = null;
  private readonly bias = new Float64Array(3);
  private readonly prev = new Float64Array(9);
  private hasPrev = false;
  private readonly target = new Float64Array(3);

  /** `sim` is the expert's private simulator copy (requires Rapier 3D initialised). */
  constructor(sim: Push3DEnv = new Push3DEnv()) {
    this.sim = sim;
  }

  /** Forget the plan, the bias estimate and the simulator copy's history: a new episode starts. */
  reset(): void {
    this.sim.clearHistory();
    this.plan = null;
    this.bias.fill(0);
    this.hasPrev = false;
  }

  /** The current estimate of the target bias (m). */
  get biasEstimate(): [number, number, number] {
    return [this.bias[0], this.bias[1], this.bias[2]];
  }

  /** The target (world metres, x, y, z) to command for the observed state; the returned array is reused. */
  act(s: Push3DState): Float64Array {
    this.updateBias(s);
    const pose = planarPose(s);
    let next: [number, number] | null = null;
    if (settled(s) || this.plan?.phase === 'push') {
      next = this.follow(s, pose);
      if (next === null) {
        this.plan = this.decide(s, pose);
        next = this.follow(s, pose);
      }
    } else {
      this.plan = null; // unsettled: hold still, then plan afresh
    }
    const t = this.target;
    t[0] = next ? next[0] / PX_PER_M : s.pusherX;
    t[1] = next ? next[1] / PX_PER_M : s.pusherY;
    t[2] = next ? PUSH_HEIGHT : s.pusherZ;
    // Command the point that, after the bias is added, lands on the intended target.
    for (let d = 0; d < 3; d++) t[d] = clampTarget(d, t[d] - this.bias[d]);
    const p = this.prev;
    p[0] = s.pusherX;
    p[1] = s.pusherY;
    p[2] = s.pusherZ;
    p[3] = s.pusherVx;
    p[4] = s.pusherVy;
    p[5] = s.pusherVz;
    p[6] = t[0];
    p[7] = t[1];
    p[8] = t[2];
    this.hasPrev = true;
    return t;
  }

  free(): void {
    this.sim.free();
  }

  // ── executing a plan ───────────────────────────────────────────────────────────────────────────────
  /** The next planar target (world px) under the current plan, or null when a new decision is needed. */
  private follow(s: Push3DState, pose: Pose): [number, number] | null {
    const plan = this.plan;
    if (plan === null) return null;
    if (plan.phase === 'travel' && drifted(plan.pose, pose)) return null;
    const pusher = { x: s.pusherX * PX_PER_M, y: s.pusherY * PX_PER_M, speed: Math.hypot(s.pusherVx, s.pusherVy) * PX_PER_M };
    const lowEnough = Math.abs(s.pusherZ - PUSH_HEIGHT) < LINE_UP_TOLERANCE / PX_PER_M;
    return followPlan(plan, pose, pusher, R_PX, lowEnough);
  }

  // ── deciding ───────────────────────────────────────────────────────────────────────────────────────
  private decide(s: Push3DState, pose: Pose): PushPlan | null {
    const cost0 = keypointCost(objectPose(s));
    const limit = ACTION_HALF * PX_PER_M;
    const reachable = (lx: number, ly: number) => {
      const [wx, wy] = toWorld(pose, lx, ly);
      return Math.abs(wx) <= limit && Math.abs(wy) <= limit;
    };
    const sc = this.scratch;
    let best: PushPlan | null = null;
    let bestRate = 0;
    for (const p of pushCandidates(pose, s.pusherX * PX_PER_M, s.pusherY * PX_PER_M, R_PX, reachable)) {
      for (const depth of ROLLOUT_DEPTHS) {
        Object.assign(sc, s);
        sc.pusherX = p.wqx / PX_PER_M;
        sc.pusherY = p.wqy / PX_PER_M;
        sc.pusherZ = PUSH_HEIGHT;
        sc.pusherVx = sc.pusherVy = sc.pusherVz = 0;
        this.sim.setState(sc);
        const tx = clampTarget(0, (p.wqx + p.wdx * depth) / PX_PER_M);
        const ty = clampTarget(1, (p.wqy + p.wdy * depth) / PX_PER_M);
        for (let k = 1; k <= ROLLOUT_STEPS; k++) {
          this.sim.step(tx, ty, PUSH_HEIGHT);
          const e = poseErrors(this.sim.object, this.errors);
          if (e.tilt > MAX_ROLLOUT_TILT || e.comZ < 0) break;
          const rate = progressRate(cost0, keypointCost(this.sim.object), p.travel, k);
          if (rate > bestRate) {
            bestRate = rate;
            best = newPlan(p, pose, (this.sim.pusherX * PX_PER_M - p.wqx) * p.wdx + (this.sim.pusherY * PX_PER_M - p.wqy) * p.wdy);
          }
        }
      }
    }
    return best;
  }

  // ── target bias ────────────────────────────────────────────────────────────────────────────────────
  private updateBias(s: Push3DState): void {
    if (!this.hasPrev) return;
    const p = this.prev;
    const observed = [s.pusherX, s.pusherY, s.pusherZ];
    for (let d = 0; d < 3; d++) {
      const aimed = p[6 + d] + this.bias[d];
      // Commands clamped at the action space's edge do not show the bias linearly; skip them.
      if (aimed <= ACTION_LOW[d] || aimed >= ACTION_HIGH[d]) continue;
      this.bias[d] = estimateBias(p[d], p[3 + d], p[6 + d], observed[d], PD_GAINS);
    }
  }
}

/** The object's pose in the plane, in Push-T pixels (mm) and radians. */
function planarPose(s: Push3DState): Pose {
  return { x: s.objectX * PX_PER_M, y: s.objectY * PX_PER_M, angle: yawOf(objectPose(s)) };
}

function objectPose(s: Push3DState) {
  return { x: s.objectX, y: s.objectY, z: s.objectZ, qx: s.objectQx, qy: s.objectQy, qz: s.objectQz, qw: s.objectQw };
}

function settled(s: Push3DState): boolean {
  const tilt = tiltOf(objectPose(s));
  return Math.hypot(s.objectVx, s.objectVy, s.objectVz) < SETTLED_SPEED && Math.hypot(s.objectWx, s.objectWy, s.objectWz) < SETTLED_SPIN && tilt < SETTLED_TILT;
}
