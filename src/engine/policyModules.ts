// The learned modules the playground runs: the shipped checkpoints fetched by URL (BASE/[run/]<module>/model.json
// + weights.bin, the layout `sagr train --out` writes; see POLICY_FOLDERS), rebuilt by the evaluation's loaders
// the way they were trained, and randomly initialised stand-ins, clearly marked, for the modules no checkpoint
// provides, built from the current config and seed.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed } from '../core/rng';
import { loadCritic, loadPrior, loadReflex, loadStrategy, loadWorld } from '../eval/learnedCheckpoints';
import { saveCheckpoint, type ModuleConfig } from '../nn/checkpoint';
import { Critic, criticConfig, type CriticConfig } from '../policy/critic';
import { FlowPrior, flowPriorConfig, type FlowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig, type ReflexConfig } from '../policy/reflex';
import { Strategy, strategyConfig, type StrategyConfig } from '../policy/strategy';
import { WorldPredictor, worldPredictorConfig, type WorldPredictorConfig } from '../policy/worldPredictor';
import type { TaskSpec } from '../sim/taskSpec';
import { checkpointKey, checkpointSlots, type ModuleName } from './livePolicies';

export interface ModuleTypes {
  prior: FlowPrior;
  world: WorldPredictor;
  reflex: Reflex;
  strategy: Strategy;
  /** V(s), trained by a stage-2 run alongside the policy's modules (RUN_MODULES); no policy runs it. */
  critic: Critic;
}
export type ModuleSet = { [K in ModuleName]?: ModuleTypes[K] };

function build<K extends ModuleName>(name: K, config: ModuleConfig, seed: number): ModuleTypes[K] {
  const c = config as never;
  const made: Record<ModuleName, () => ModuleTypes[ModuleName]> = {
    prior: () => new FlowPrior(c as FlowPriorConfig, seed),
    world: () => new WorldPredictor(c as WorldPredictorConfig, seed),
    reflex: () => new Reflex(c as ReflexConfig, seed),
    strategy: () => new Strategy(c as StrategyConfig, seed),
    critic: () => new Critic(c as CriticConfig, seed),
  };
  return made[name]() as ModuleTypes[K];
}

/** The construction config of a stand-in for `name`, from the current hyperparameters. */
function configFor(name: ModuleName, config: Config, spec: TaskSpec): ModuleConfig {
  switch (name) {
    case 'prior':
      return flowPriorConfig(config, spec);
    case 'world':
      return worldPredictorConfig(config, spec);
    case 'reflex':
      return reflexConfig(config, spec);
    case 'strategy':
      return strategyConfig(config, spec);
    case 'critic':
      return criticConfig(config, spec);
  }
}

export interface ShippedModule {
  /** checkpointKey(folder, module), e.g. "ppo/strategy". */
  key: string;
  module: ModuleName;
  /** Where the weights came from: the checkpoint's URL, or how they were made in this session. */
  source: string;
}

export interface ShippedLoad {
  /** Loaded modules by checkpoint key. */
  modules: Map<string, ModuleTypes[ModuleName]>;
  found: ShippedModule[];
  /** One line per checkpoint that exists but could not be used (the policies needing it run a stand-in). */
  problems: string[];
}

/**
 * Whether `url` serves a JSON file. A static server answers a missing file with 404, but a single-page-app
 * server (vite preview) answers it with index.html, so the content type decides.
 */
async function servesJson(url: string): Promise<boolean> {
  const r = await fetch(url, { cache: 'no-cache' }).catch(() => null);
  if (!r || !r.ok) return false;
  const type = r.headers.get('content-type') ?? '';
  await r.body?.cancel();
  return type.includes('json');
}

/** The evaluation's loaders, by module: each validates a checkpoint before building its module. */
export const LOADERS: { [K in ModuleName]: (handler: tf.io.IOHandler, spec: TaskSpec) => Promise<ModuleTypes[K]> } = {
  prior: loadPrior,
  world: loadWorld,
  reflex: loadReflex,
  strategy: loadStrategy,
  critic: loadCritic,
};

/** Loads every checkpoint some policy may use (checkpointSlots) found under `baseUrl` (ending in '/'). */
export async function loadShippedModules(baseUrl: string, spec: TaskSpec): Promise<ShippedLoad> {
  const out: ShippedLoad = { modules: new Map(), found: [], problems: [] };
  for (const [folder, module] of checkpointSlots()) {
    const url = new URL(`${folder}${module}/model.json`, baseUrl).href;
    if (!(await servesJson(url))) continue;
    try {
      const key = checkpointKey(folder, module);
      out.modules.set(key, await LOADERS[module](tf.io.http(url), spec));
      out.found.push({ key, module, source: url });
    } catch (e) {
      out.problems.push(`checkpoint ${url}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

/** A randomly initialised module from the current config, seeded from the config's seed and the module name. */
export function standIn<K extends ModuleName>(name: K, config: Config, spec: TaskSpec, architecture: ModuleConfig = {}): ModuleTypes[K] {
  return build(name, { ...configFor(name, config, spec), ...architecture }, deriveSeed(config.seed, 'playground/stand-in', name));
}

/**
 * Randomly initialised copies of every module, each with its shipped checkpoint's construction config when there
 * is one (else the current config's): the sizes the playground runs, for timing on another backend.
 */
export function freshModules(shipped: ShippedLoad, config: Config, spec: TaskSpec, seed: number): ModuleTypes {
  const one = <K extends ModuleName>(name: K): ModuleTypes[K] => {
    const found = shipped.found.find((f) => f.module === name);
    const like = found ? (shipped.modules.get(found.key)!.config as ModuleConfig) : configFor(name, config, spec);
    return build(name, like, deriveSeed(seed, name));
  };
  return { prior: one('prior'), world: one('world'), reflex: one('reflex'), strategy: one('strategy'), critic: one('critic') };
}

/** An independent copy of `module` (same construction config and weights), through the checkpoint loaders. */
export async function copyModule<M extends ModuleTypes[ModuleName]>(module: M, spec: TaskSpec): Promise<M> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await saveCheckpoint(
    [module],
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  return (await LOADERS[module.name as ModuleName](tf.io.fromMemory(artifacts!), spec)) as M;
}
