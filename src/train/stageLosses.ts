// The supervised stages' losses on flat examples (gradientSource.ts), and how a trainer builds those examples.
// The draws a loss needs (the prior's τ and ε) are made here, by the trainer, from its seeded stream, in the
// order flowMatchingLoss has always drawn them; a worker thread only reads them.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import { drawFlow, FlowPrior, flowMatchingLossAt, type FlowPriorConfig } from '../policy/flowPrior';
import { dynamicsLoss, WorldPredictor, type WorldPredictorConfig } from '../policy/worldPredictor';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { PriorBatch, Transitions } from './demoData';
import type { Examples, StageLoss, TrainedModule } from './gradientSource';
import { transitionTensors } from './stage';
import { MEANFLOW_LOSS } from './trainMeanFlow';

/** A worker's replica is overwritten with the trainer's weights before every step: any seed will do. */
const REPLICA_SEED = 0;

/** The prior's examples: observation and goal tokens and the demonstrated chunk, with τ and ε drawn for each. */
export function priorExamples(spec: TaskSpec, batch: PriorBatch, horizon: number, rng: Rng): Examples {
  const goal = new Float32Array(batch.size * spec.goalTokens.length);
  for (let b = 0; b < batch.size; b++) goal.set(spec.goalTokens, b * spec.goalTokens.length);
  const { tau, noise } = drawFlow(rng, batch.size, horizon, spec.actionDim);
  return { size: batch.size, fields: { tokens: batch.tokens, goal, chunks: batch.chunks, tau, noise } };
}

export const PRIOR_LOSS: StageLoss<FlowPrior> = {
  name: 'prior',
  create: (config: FlowPriorConfig) => new FlowPrior(config, REPLICA_SEED),
  loss(prior, { size, fields: f }) {
    const { numTokens, numGoalTokens, horizon, actionDim } = prior.config;
    const batch = {
      tokens: tf.tensor3d(f.tokens, [size, numTokens, TOKEN_DIM]),
      goal: tf.tensor3d(f.goal, [size, numGoalTokens, TOKEN_DIM]),
      actions: tf.tensor3d(f.chunks, [size, horizon, actionDim]),
    };
    // Reward-weighted flow matching (rwfm.ts) adds a `weights` field; the demonstrations have none.
    return flowMatchingLossAt(prior, batch, { tau: f.tau, noise: f.noise }, f.weights);
  },
};

/** Φ's examples: the transitions themselves (no draws). */
export function worldExamples(t: Transitions): Examples {
  const { prevTokens, prevActions, tokens, actions, next } = t;
  return { size: t.count, fields: { prevTokens, prevActions, tokens, actions, next } };
}

export const WORLD_LOSS: StageLoss<WorldPredictor> = {
  name: 'world',
  create: (config: WorldPredictorConfig) => new WorldPredictor(config, REPLICA_SEED),
  loss(world, { size, fields: f }) {
    const { numTokens, actionDim } = world.config;
    const x = transitionTensors({ prevTokens: f.prevTokens, prevActions: f.prevActions, tokens: f.tokens, actions: f.actions, next: f.next, count: size, numTokens, actionDim });
    return dynamicsLoss(world, x, x.next);
  },
};

/** What a worker thread can train, by StageLoss.name. */
export const STAGE_LOSSES: Record<string, StageLoss<TrainedModule>> = { prior: PRIOR_LOSS, world: WORLD_LOSS, meanflow: MEANFLOW_LOSS };
