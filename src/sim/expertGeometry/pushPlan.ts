// The push plan both experts (src/sim/expert.ts, src/sim/push3d/expert3d.ts) make and follow, in Push-T
// pixels in the T's plane: which push primitives are worth simulating and where each starts, how a push's
// progress is priced, and how the plan is executed (travel round the T to the push line, push to the chosen
// depth, then ask for a new decision).
import { wrapAngle } from '../../core/angle';
import type { Pose } from '../pusht/geometry';
import { planRoute, pursue, routeLength } from './route';
import { PUSH_CONTACTS, dirToWorld, tDistance, toLocal, toWorld, type PushContact } from './tShape';

/** Gap between pusher and block at the start of a simulated push (px). */
const PUSH_GAP = 2;
/** The pusher lines up this far behind the contact point before pushing (px). */
const LINE_UP = 10;
/** Push-line targets of the two simulated rollouts (px past the starting point): fine and coarse. */
export const ROLLOUT_DEPTHS = [12, 70] as const;
/** Control steps per simulated rollout. */
export const ROLLOUT_STEPS = 4;
/** Pure-pursuit lookahead while travelling (px). */
const LOOKAHEAD = 60;
/** Average travel speed used to price a route (px per control step). */
const TRAVEL_PX_PER_STEP = 30;
/** Control steps to settle at the line-up point and to finish a push (the PD's lag). */
const LINE_UP_STEPS = 2;
const PUSH_SETTLE_STEPS = 2;
/** Line-up tolerance: the push starts once the pusher is this close to the push line and behind it (px). */
export const LINE_UP_TOLERANCE = 3;
/** A push ends when the pusher is this close to its target and this slow (px, px/s), or after MAX_PUSH_STEPS. */
const PUSH_DONE_DISTANCE = 1;
const PUSH_DONE_SPEED = 10;
const MAX_PUSH_STEPS = 8;
/** Replan while travelling if the block moves by more than this (px, rad). */
const DRIFT_POSITION = 1.5;
const DRIFT_ANGLE = 0.02;

export interface PushPlan {
  contact: PushContact;
  /** Block pose when planned. */
  pose: Pose;
  /** Local route to the line-up point. */
  route: number[];
  /** Push target (local, at the planned pose): the contact line, at the chosen depth. */
  pushX: number;
  pushY: number;
  phase: 'travel' | 'push';
  /** World push target, fixed when the push starts. */
  targetX: number;
  targetY: number;
  pushSteps: number;
}

/** The pusher as a plan sees it: world position (px) and planar speed (px/s). */
export interface PlanPusher {
  x: number;
  y: number;
  speed: number;
}

/** A push primitive the pusher can reach: where its push starts (local q and world wq), the push direction in
 * the world (wd), and the route to its line-up point with what that costs in control steps. */
export interface PushCandidate {
  contact: PushContact;
  qx: number;
  qy: number;
  wqx: number;
  wqy: number;
  wdx: number;
  wdy: number;
  route: number[];
  travel: number;
}

/** The push primitives worth simulating for the block at `pose` and the pusher at world (ax, ay), in
 * PUSH_CONTACTS order: the push starts PUSH_GAP short of contact and the pusher lines up LINE_UP further
 * back, clear of the T, at a point `reachable` by a route; `promising` may rule a contact out first. */
export function pushCandidates(
  pose: Pose,
  ax: number,
  ay: number,
  radius: number,
  reachable: (lx: number, ly: number) => boolean,
  promising: (c: PushContact) => boolean = () => true,
): PushCandidate[] {
  const [alx, aly] = toLocal(pose, ax, ay);
  const out: PushCandidate[] = [];
  for (const c of PUSH_CONTACTS) {
    const qx = c.px - c.dx * (radius + PUSH_GAP);
    const qy = c.py - c.dy * (radius + PUSH_GAP);
    const gx = qx - c.dx * LINE_UP;
    const gy = qy - c.dy * LINE_UP;
    if (tDistance(gx, gy) < radius + PUSH_GAP) continue;
    if (!promising(c)) continue;
    const route = planRoute(alx, aly, gx, gy, reachable);
    if (route === null) continue;
    const [wqx, wqy] = toWorld(pose, qx, qy);
    const [wdx, wdy] = dirToWorld(pose, c.dx, c.dy);
    out.push({ contact: c, qx, qy, wqx, wqy, wdx, wdy, route, travel: routeLength(route) / TRAVEL_PX_PER_STEP + LINE_UP_STEPS });
  }
  return out;
}

/** Progress per control step of a push that takes the cost from cost0 to cost in k steps after travelling. */
export function progressRate(cost0: number, cost: number, travel: number, k: number): number {
  return Math.log(cost0 / cost) / (travel + k + PUSH_SETTLE_STEPS);
}

/** A plan to travel to candidate p's push line and push `travelled` px past its start. */
export function newPlan(p: PushCandidate, pose: Pose, travelled: number): PushPlan {
  const c = p.contact;
  return {
    contact: c,
    pose: { ...pose },
    route: p.route,
    pushX: p.qx + c.dx * travelled,
    pushY: p.qy + c.dy * travelled,
    phase: 'travel',
    targetX: 0,
    targetY: 0,
    pushSteps: 0,
  };
}

/** Whether the block has moved away from its planned pose. The heading change is wrapped to (−π, π], since a
 * heading read from a rotation (push-3d's yaw) jumps by 2π where it crosses ±π. */
export function drifted(planned: Pose, pose: Pose): boolean {
  const turn = pose.angle - planned.angle;
  return Math.hypot(pose.x - planned.x, pose.y - planned.y) > DRIFT_POSITION || Math.abs(wrapAngle(turn)) > DRIFT_ANGLE;
}

/** The next world target (px) under `plan` for the block at `pose`, or null when the push is done and a new
 * decision is needed. `canPush`: whether the pusher may start the push once lined up in the plane. */
export function followPlan(plan: PushPlan, pose: Pose, pusher: PlanPusher, radius: number, canPush: boolean): [number, number] | null {
  const c = plan.contact;
  if (plan.phase === 'travel') {
    const [lx, ly] = toLocal(pose, pusher.x, pusher.y);
    // Lined up: close to the push line, behind the contact, not too far back.
    const along = (lx - c.px) * c.dx + (ly - c.py) * c.dy;
    const across = Math.abs((lx - c.px) * c.dy - (ly - c.py) * c.dx);
    const start = -(radius + PUSH_GAP + LINE_UP);
    if (canPush && across < LINE_UP_TOLERANCE && along > start - LINE_UP_TOLERANCE && along < -radius) {
      [plan.targetX, plan.targetY] = toWorld(pose, plan.pushX, plan.pushY);
      plan.phase = 'push';
    } else {
      const p = pursue(plan.route, lx, ly, LOOKAHEAD);
      return toWorld(pose, p.x, p.y);
    }
  }
  plan.pushSteps++;
  const dist = Math.hypot(pusher.x - plan.targetX, pusher.y - plan.targetY);
  const done = (dist < PUSH_DONE_DISTANCE && pusher.speed < PUSH_DONE_SPEED) || plan.pushSteps > MAX_PUSH_STEPS;
  return done ? null : [plan.targetX, plan.targetY];
}
