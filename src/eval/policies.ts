// The policies `eval` can run, by name. The expert is here now; the learned ones (prior, reflex,
// strategy, SA-GR) are wired in by the policy stack.
import { createExpertPolicy } from './expertPolicy';
import type { TaskName } from '../sim/tasks';
import type { RolloutPolicy } from './rolloutPolicy';

export const POLICY_NAMES = ['expert', 'prior', 'reflex', 'strategy', 'sagr', 'integral', 'anchor', 'shuffled', 'residual', 'dsrl', 'reinflow', 'reinflow-reflex', 'rwfm', 'grpo', 'meanflow'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A named policy that cannot be built (not wired in yet, or missing its checkpoint). */
export class PolicyUnavailableError extends Error {
  override name = 'PolicyUnavailableError';
}

/** Builds a policy for `numEnvs` environments of `task`. */
export async function createPolicy(name: PolicyName, numEnvs: number, task: TaskName = 'push-t'): Promise<RolloutPolicy> {
  if (name === 'expert') return createExpertPolicy(numEnvs, task);
  throw new PolicyUnavailableError(`policy "${name}" arrives with the policy stack (learned checkpoints); only "expert" can be evaluated so far`);
}
