// The policies `eval` can run, by name. The expert is here now; the learned ones (prior, reflex,
// strategy, SA-GR) are wired in by the policy stack.
import { createExpertChunkPolicy, createExpertPolicy } from './expertPolicy';
import type { TaskName } from '../sim/tasks';
import type { RolloutPolicy } from './rolloutPolicy';

export const POLICY_NAMES = ['expert', 'expert-chunks', 'prior', 'reflex', 'strategy', 'sagr', 'integral', 'anchor', 'shuffled', 'residual', 'dsrl', 'reinflow', 'reinflow-reflex', 'rwfm', 'grpo', 'meanflow', 'expert-chunks-reflex', 'expert-chunks-integral', 'expert-chunks-shuffled'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A named policy that cannot be built (not wired in yet, or missing its checkpoint). */
export class PolicyUnavailableError extends Error {
  override name = 'PolicyUnavailableError';
}

/** The policies that plan with the simulator: no checkpoint. */
const PLANNER_POLICIES = ['expert', 'expert-chunks'] as const;
export const isPlanner = (name: PolicyName): name is (typeof PLANNER_POLICIES)[number] => (PLANNER_POLICIES as readonly string[]).includes(name);

/** Builds a policy for `numEnvs` environments of `task`; expert-chunks executes `executeSteps` actions per chunk. */
export async function createPolicy(name: PolicyName, numEnvs: number, task: TaskName = 'push-t', executeSteps = 1): Promise<RolloutPolicy> {
  if (name === 'expert') return createExpertPolicy(numEnvs, task);
  if (name === 'expert-chunks') return createExpertChunkPolicy(numEnvs, task, executeSteps);
  throw new PolicyUnavailableError(`policy "${name}" arrives with the policy stack (learned checkpoints); only "expert" and "expert-chunks" can be evaluated so far`);
}
