// Push-T behind the task interface (simTask.ts): its env, coverage-based outcome, tokens, suites and expert,
// wired from the modules that define them. Nothing here changes Push-T's behaviour.
import type { Rng } from '../../core/rng';
import { coverage } from '../coverage';
import { STATE_LAYOUT } from '../dataset';
import { PushTExpert } from '../expert';
import { PUSH_T_SUITES, beforeControlStep, episodePerturbation, startEpisode, targetBiasX, targetBiasY, trainingDisturbance, type Perturbation, type PerturbationEpisode } from '../perturbations';
import type { SimTask, StepOutcome, TaskEnv } from '../simTask';
import { writePushTTokens } from '../tokens';
import { GOAL_POSE, SUCCESS_COVERAGE, clampToWorkspace, pushTReward } from './geometry';
import { PushTEnv, initRapier, zeroState, type PushTState } from './pushTEnv';
import { pushTSpec } from './pushTSpec';

class PushTTaskEnv implements TaskEnv<PushTEnv, PushTState, Perturbation> {
  readonly sim = new PushTEnv();
  private readonly episode: PerturbationEpisode = { kickAngle: 0 };

  startEpisode(p: Perturbation, resetRng: Rng, perturbRng: Rng, state: PushTState): void {
    startEpisode(this.sim, p, resetRng, perturbRng, state, this.episode);
  }

  beforeControlStep(p: Perturbation, step: number): void {
    beforeControlStep(this.sim, p, step, this.episode);
  }

  act(target: Float64Array): void {
    this.sim.step(clampToWorkspace(target[0]), clampToWorkspace(target[1]));
  }

  outcome(out: StepOutcome): StepOutcome {
    const cov = coverage(this.sim.block, GOAL_POSE);
    out.score = cov;
    out.reward = pushTReward(cov);
    out.success = cov > SUCCESS_COVERAGE;
    out.failed = false;
    return out;
  }

  writeTokens(out: Float32Array, offset: number): void {
    writePushTTokens(pushTSpec, this.sim.block, this.sim.agentX, this.sim.agentY, out, offset);
  }

  getState(out: PushTState): PushTState {
    return this.sim.getState(out);
  }

  setState(s: PushTState): void {
    this.sim.setState(s);
  }

  free(): void {
    this.sim.free();
  }
}

export const pushTTask: SimTask<PushTEnv, PushTState, Perturbation> = {
  spec: pushTSpec,
  stateLayout: STATE_LAYOUT,
  suites: PUSH_T_SUITES,
  init: initRapier,
  createEnv: () => new PushTTaskEnv(),
  zeroState,
  targetBias: (p, axis) => (axis === 0 ? targetBiasX(p) : targetBiasY(p)),
  episodePerturbation,
  trainingDisturbance,
  createExpert() {
    const expert = new PushTExpert();
    return {
      reset: () => expert.reset(),
      act(s, out) {
        [out[0], out[1]] = expert.act(s);
      },
      free: () => expert.free(),
    };
  },
};
