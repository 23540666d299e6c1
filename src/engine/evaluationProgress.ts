// What an evaluation run in the engine worker reports to the UI (pure: the UI imports it without tfjs).
import type { SuiteSummary } from '../eval/metrics';
import type { LivePolicyName } from './livePolicies';

export const MAX_EVAL_EPISODES = 1000;

export interface EvaluationRow {
  policy: LivePolicyName;
  /** What ran, trained parts and stand-ins named (policyLabel). */
  label: string;
  suite: string;
  /** The perturbation as a spec. */
  perturbation: string;
  summary: SuiteSummary;
  seconds: number;
}

export interface EvaluationProgress {
  /** The task the episodes run on (the playground's). */
  task: string;
  policies: LivePolicyName[];
  suites: string[];
  episodes: number;
  seed: number;
  running: boolean;
  /** The cell being run and its finished episodes. */
  current: { policy: LivePolicyName; suite: string; finished: number } | null;
  rows: EvaluationRow[];
  /** Suites whose event falls after the episode's end (eventPastEnd), said before the first episode runs. */
  warnings: string[];
  /** null while running, else 'done', 'stopped' or the error. */
  outcome: string | null;
}
