// Tiny module sizes for tests that build or train the policy's networks: fast on two CPU cores.
import type { Config } from '../core/config';

/** Prior, world predictor and reflex at width 16 with 2 heads, short chunks: stage-0/1 tests, where the
 * losses must still fall. */
export const TINY_NETS: Partial<Config> = {
  horizon: 4,
  executeSteps: 2,
  priorActionTokens: 2,
  priorWidth: 16,
  priorDepth: 1,
  priorExpertDepth: 1,
  priorHeads: 2,
  sdeSteps: 2,
  worldWidth: 16,
  worldDepth: 1,
  worldHeads: 2,
  reflexWidth: 16,
  reflexHeads: 2,
};

/** All five SA-GR modules at width 8 with 1 head: stage-2 tests, where the plumbing is under test. */
export const TINY_SAGR_NETS: Partial<Config> = {
  horizon: 4,
  sdeSteps: 2,
  priorActionTokens: 2,
  priorWidth: 8,
  priorDepth: 1,
  priorExpertDepth: 1,
  priorHeads: 1,
  worldWidth: 8,
  worldDepth: 1,
  worldHeads: 1,
  reflexWidth: 8,
  reflexHeads: 1,
  strategyWidth: 8,
  criticWidth: 8,
};
