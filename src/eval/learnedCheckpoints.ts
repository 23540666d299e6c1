// Rebuilding the learned modules from checkpoints. A checkpoint's metadata records each module's construction
// config, so a module is built the way it was trained (not from today's hyperparameters), checked against
// the task it is asked to run on, and only then given its weights. IO handlers make this work with files
// (Node), URLs (the shipped defaults in the browser) and uploads alike.
import type * as tf from '@tensorflow/tfjs';
import { assignCheckpoint, readCheckpoint, type Checkpointable } from '../nn/checkpoint';
import { Critic, type CriticConfig } from '../policy/critic';
import { FlowPrior, type FlowPriorConfig } from '../policy/flowPrior';
import { Reflex, type ReflexConfig } from '../policy/reflex';
import { Strategy, type StrategyConfig } from '../policy/strategy';
import { WorldPredictor, type WorldPredictorConfig } from '../policy/worldPredictor';
import type { TaskSpec } from '../sim/taskSpec';

/** The module files of a checkpoint folder, as the trainer writes them: DIR/<name>/model.json + weights.bin. */
export const MODULE_NAMES = ['prior', 'world', 'reflex', 'strategy', 'critic'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** Any seed: every weight is overwritten by the checkpoint. */
const LOAD_SEED = 0;

/** The fields of a module's config that describe its task (numGoalTokens: modules that read the goal; the critic has no actionDim). */
type TaskFields = { numTokens: number; tokenTypes: readonly number[]; actionDim?: number; numGoalTokens?: number };

function checkTask(name: string, c: TaskFields, spec: TaskSpec): void {
  const want = Array.from(spec.tokenTypes);
  if (c.numTokens !== spec.numTokens || (c.actionDim !== undefined && c.actionDim !== spec.actionDim) || JSON.stringify(c.tokenTypes) !== JSON.stringify(want)) {
    const trained = c.actionDim === undefined ? `${c.numTokens} tokens` : `${c.numTokens} tokens and ${c.actionDim}-D actions`;
    throw new Error(`checkpoint: the ${name} was trained for ${trained}, task ${spec.name} has ${spec.numTokens}${c.actionDim === undefined ? '' : ` and ${spec.actionDim}`}`);
  }
  if (c.numGoalTokens !== undefined && c.numGoalTokens * 3 !== spec.goalTokens.length) {
    throw new Error(`checkpoint: the ${name} was trained with ${c.numGoalTokens} goal tokens, task ${spec.name} has ${spec.goalTokens.length / 3}`);
  }
}

async function load<M extends Checkpointable & { dispose(): void }>(name: ModuleName, handler: tf.io.IOHandler, build: (config: never) => M, spec: TaskSpec): Promise<M> {
  const checkpoint = await readCheckpoint(handler);
  let module: M | null = null;
  try {
    const config = checkpoint.metadata.modules[name];
    if (!config) throw new Error(`checkpoint: no "${name}" module in it (modules: ${Object.keys(checkpoint.metadata.modules).join(', ') || 'none'})`);
    checkTask(name, config as unknown as TaskFields, spec);
    module = build(config as never);
    assignCheckpoint([module], checkpoint);
    return module;
  } catch (e) {
    module?.dispose();
    throw e;
  } finally {
    for (const t of Object.values(checkpoint.weights)) t.dispose();
  }
}

export async function loadPrior(handler: tf.io.IOHandler, spec: TaskSpec): Promise<FlowPrior> {
  return load('prior', handler, (c: FlowPriorConfig) => new FlowPrior(c, LOAD_SEED), spec);
}

export async function loadWorld(handler: tf.io.IOHandler, spec: TaskSpec): Promise<WorldPredictor> {
  return load('world', handler, (c: WorldPredictorConfig) => new WorldPredictor(c, LOAD_SEED), spec);
}

export async function loadReflex(handler: tf.io.IOHandler, spec: TaskSpec): Promise<Reflex> {
  return load('reflex', handler, (c: ReflexConfig) => new Reflex(c, LOAD_SEED), spec);
}

export async function loadStrategy(handler: tf.io.IOHandler, spec: TaskSpec): Promise<Strategy> {
  return load('strategy', handler, (c: StrategyConfig) => new Strategy(c, LOAD_SEED), spec);
}

export async function loadCritic(handler: tf.io.IOHandler, spec: TaskSpec): Promise<Critic> {
  return load('critic', handler, (c: CriticConfig) => new Critic(c, LOAD_SEED), spec);
}
