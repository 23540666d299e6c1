// How the playground's lanes apply a task's suites live, mid-episode, looked up by task name. The vectorised env
// applies a suite only as an episode's condition (its one-shots at a fixed step, its physical constants at the
// episode's start); a person's button acts now. So, per task:
//   oneShot     a suite with an `at` step (displace, kick, tilt) acts at the lane's next control step, before its
//               action, through the task's own beforeControlStep (random directions already drawn into p);
//   condition   a lasting suite (bias, friction, mass; nominal clears) sets the simulator's constants now (the
//               bias needs none: the env offsets every commanded target under it);
//   displacement a dragged shove as the task's displace perturbation.
import { beforeControlStep, type Perturbation } from '../sim/perturbations';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import { TABLE_FRICTION } from '../sim/push3d/geometry';
import { beforeControlStep3d, type Push3DPerturbation } from '../sim/push3d/perturbations3d';
import type { Push3DEnv } from '../sim/push3d/push3dEnv';
import type { PushTEnv } from '../sim/pusht/pushTEnv';
import { validateTask, type TaskName } from '../sim/tasks';
import { clampDisplacement, type Displacement } from './blockPose';

export interface LiveTaskActs {
  /** Applies one-shot `p` to `sim` at control step `step`; returns what was applied (a Push-T shove kept inside the walls). */
  oneShot(sim: unknown, p: TaskPerturbation, step: number): TaskPerturbation;
  /** Sets the physical constants of lasting condition `p` on `sim`, now. */
  condition(sim: unknown, p: TaskPerturbation): void;
  /** A dragged shove (Push-T: px and rad about the block's origin; push-3d: metres and rad about the vertical through the centre of mass). */
  displacement(d: Displacement): TaskPerturbation;
}

const pushTActs: LiveTaskActs = {
  oneShot(sim, perturbation, step) {
    const env = sim as PushTEnv;
    const p = perturbation as Perturbation;
    if (p.kind === 'displace') {
      const d = clampDisplacement(env.block, p);
      const applied = { ...p, ...d, at: step };
      beforeControlStep(env, applied, step, { kickAngle: 0 });
      return applied;
    }
    if (p.kind !== 'kick' || p.angle === null) throw new Error(`perturb: ${p.kind} is not a one-shot with its direction drawn`);
    beforeControlStep(env, { ...p, at: step }, step, { kickAngle: p.angle });
    return p;
  },
  condition(sim, perturbation) {
    const env = sim as PushTEnv;
    const p = perturbation as Perturbation;
    env.setAgentFriction(p.kind === 'friction' ? p.mu : 0);
    if (p.kind === 'mass') env.setComOffset(p.comDx, p.comDy);
    else env.setComOffset(0, 0);
  },
  displacement: ({ dx, dy, dtheta }) => ({ kind: 'displace', dx, dy, dtheta, at: 0, jitter: 1 }) satisfies Perturbation,
};

const push3dActs: LiveTaskActs = {
  oneShot(sim, perturbation, step) {
    const p = perturbation as Push3DPerturbation;
    const draws = { kickAngle: p.kind === 'kick' ? (p.angle ?? NaN) : 0, tiltAzimuth: p.kind === 'tilt' ? (p.azimuth ?? NaN) : 0 };
    if (Number.isNaN(draws.kickAngle) || Number.isNaN(draws.tiltAzimuth)) throw new Error(`perturb: ${p.kind} needs its direction drawn before it acts`);
    // No walls to clamp against: a shove past the table's edge drops the pillar, as a push would.
    beforeControlStep3d(sim as Push3DEnv, { ...p, at: step } as Push3DPerturbation, step, draws);
    return p;
  },
  condition(sim, perturbation) {
    const env = sim as Push3DEnv;
    const p = perturbation as Push3DPerturbation;
    env.setTableFriction(p.kind === 'friction' ? p.mu : TABLE_FRICTION);
    if (p.kind === 'mass') env.setComOffset(p.comDx, p.comDy, p.comDz);
    else env.setComOffset(0, 0, 0);
  },
  displacement: ({ dx, dy, dtheta }) => ({ kind: 'displace', dx, dy, dz: 0, dyaw: dtheta, at: 0, jitter: 1 }) satisfies Push3DPerturbation,
};

const LIVE_ACTS: Record<TaskName, LiveTaskActs> = { 'push-t': pushTActs, 'push-3d': push3dActs };

export function liveActs(task: string): LiveTaskActs {
  return LIVE_ACTS[validateTask(task)];
}
