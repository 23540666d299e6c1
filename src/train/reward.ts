// Stage-2 reward, one control step:  R_t = α·r_task − β‖Δz_t‖² − γ‖b_t‖²
//   r_task   the task's reward after the step (Push-T: clip(coverage / 0.95, 0, 1));
//   Δz_t     the geometric residual of the step: the observation it produced minus Φ's prediction of it
//            (a surprise, penalised as in SMiRL/MOPO, not rewarded as ICM's curiosity);
//   b_t      the reflex correction in force during the step (the chunk's b_ψ(Δz, S) at its decision step):
//            the effort the reflex actually spent.
// Each weighted term is also accumulated separately, so a log shows which one moves the return.
import type { Config } from '../core/config';

export type RewardWeights = Pick<Config, 'alpha' | 'beta' | 'gamma'>;

/** Sums of the weighted terms over many control steps: reward = task − surprise − effort. */
export interface RewardTerms {
  /** Σ α·r_task. */
  task: number;
  /** Σ β‖Δz‖². */
  surprise: number;
  /** Σ γ‖b‖². */
  effort: number;
  steps: number;
}

export const emptyRewardTerms = (): RewardTerms => ({ task: 0, surprise: 0, effort: 0, steps: 0 });

/** R_t for one env and step; adds the weighted terms to `terms`. */
export function sagrReward(w: RewardWeights, taskReward: number, deltaZSq: number, reflexSq: number, terms: RewardTerms): number {
  const task = w.alpha * taskReward;
  const surprise = w.beta * deltaZSq;
  const effort = w.gamma * reflexSq;
  terms.task += task;
  terms.surprise += surprise;
  terms.effort += effort;
  terms.steps++;
  return task - surprise - effort;
}
