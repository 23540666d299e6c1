// push-3d behind the task interface (simTask.ts): its env, pose-based outcome, tokens, suites and expert.
import type { Rng } from '../../core/rng';
import type { SimTask, StepOutcome, TaskEnv } from '../simTask';
import { Push3DExpert } from './expert3d';
import { clampTarget } from './geometry';
import { PUSH_3D_SUITES, beforeControlStep3d, episodePerturbation3d, startEpisode3d, targetBias3d, trainingDisturbance3d, type Push3DEpisodeDraws, type Push3DPerturbation } from './perturbations3d';
import { PUSH3D_STATE_LAYOUT, Push3DEnv, initRapier3d, zeroState3d, type Push3DState } from './push3dEnv';
import { push3dSpec } from './push3dSpec';
import { hasFailed, isSuccess, poseErrors, poseScore, zeroErrors } from './score';
import { writePush3DTokens } from './tokens3d';

class Push3DTaskEnv implements TaskEnv<Push3DEnv, Push3DState, Push3DPerturbation> {
  readonly sim = new Push3DEnv();
  private readonly draws: Push3DEpisodeDraws = { kickAngle: 0, tiltAzimuth: 0 };
  private readonly errors = zeroErrors();

  startEpisode(p: Push3DPerturbation, resetRng: Rng, perturbRng: Rng, state: Push3DState): void {
    startEpisode3d(this.sim, p, resetRng, perturbRng, state, this.draws);
  }

  beforeControlStep(p: Push3DPerturbation, step: number): void {
    beforeControlStep3d(this.sim, p, step, this.draws);
  }

  act(target: Float64Array): void {
    this.sim.step(clampTarget(0, target[0]), clampTarget(1, target[1]), clampTarget(2, target[2]));
  }

  outcome(out: StepOutcome): StepOutcome {
    const e = poseErrors(this.sim.object, this.errors);
    out.score = poseScore(e);
    out.reward = out.score;
    out.success = isSuccess(e);
    out.failed = hasFailed(e);
    return out;
  }

  writeTokens(out: Float32Array, offset: number): void {
    const s = this.sim;
    writePush3DTokens(push3dSpec, s.object, s.pusherX, s.pusherY, s.pusherZ, out, offset);
  }

  getState(out: Push3DState): Push3DState {
    return this.sim.getState(out);
  }

  setState(s: Push3DState): void {
    this.sim.setState(s);
  }

  free(): void {
    this.sim.free();
  }
}

export const push3dTask: SimTask<Push3DEnv, Push3DState, Push3DPerturbation> = {
  spec: push3dSpec,
  stateLayout: PUSH3D_STATE_LAYOUT,
  suites: PUSH_3D_SUITES,
  init: initRapier3d,
  createEnv: () => new Push3DTaskEnv(),
  zeroState: zeroState3d,
  targetBias: targetBias3d,
  episodePerturbation: episodePerturbation3d,
  trainingDisturbance: trainingDisturbance3d,
  createExpert() {
    const expert = new Push3DExpert();
    return {
      reset: () => expert.reset(),
      act: (s, out) => out.set(expert.act(s)),
      free: () => expert.free(),
    };
  },
};
