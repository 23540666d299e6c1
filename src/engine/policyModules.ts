// The learned modules the playground runs: the shipped checkpoints fetched by URL (BASE/<module>/model.json +
// weights.bin, the layout `sagr train --out` writes), and randomly initialised stand-ins, clearly marked, for
// the modules no checkpoint provides. A checkpoint's metadata records each module's construction config, so a
// shipped module is rebuilt the way it was trained; a stand-in is built from the current config and seed.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed } from '../core/rng';
import { assignCheckpoint, readCheckpoint, type ModuleConfig } from '../nn/checkpoint';
import { FlowPrior, flowPriorConfig, type FlowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig, type ReflexConfig } from '../policy/reflex';
import { Strategy, strategyConfig, type StrategyConfig } from '../policy/strategy';
import { WorldPredictor, worldPredictorConfig, type WorldPredictorConfig } from '../policy/worldPredictor';
import type { TaskSpec } from '../sim/taskSpec';
import { MODULE_NAMES, type ModuleName } from './livePolicies';

export interface ModuleTypes {
  prior: FlowPrior;
  world: WorldPredictor;
  reflex: Reflex;
  strategy: Strategy;
}
export type ModuleSet = { [K in ModuleName]?: ModuleTypes[K] };

/** Any seed: a loaded module's every weight is overwritten by its checkpoint. */
const LOAD_SEED = 0;

function build<K extends ModuleName>(name: K, config: ModuleConfig, seed: number): ModuleTypes[K] {
  const c = config as never;
  const made = name === 'prior' ? new FlowPrior(c as FlowPriorConfig, seed) : name === 'world' ? new WorldPredictor(c as WorldPredictorConfig, seed) : name === 'reflex' ? new Reflex(c as ReflexConfig, seed) : new Strategy(c as StrategyConfig, seed);
  return made as ModuleTypes[K];
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
  }
}

/** Refuses a module trained for another task (token count, types, action size) with a message naming it. */
function checkTask(name: ModuleName, c: ModuleConfig, spec: TaskSpec): void {
  const types = JSON.stringify(Array.from(spec.tokenTypes));
  if (c.numTokens !== spec.numTokens || JSON.stringify(c.tokenTypes) !== types) throw new Error(`the ${name} was trained for other tokens (${String(c.numTokens)}) than task ${spec.name} has (${spec.numTokens})`);
  if ('actionDim' in c && c.actionDim !== spec.actionDim) throw new Error(`the ${name} was trained for ${String(c.actionDim)}-D actions, task ${spec.name} has ${spec.actionDim}`);
  if ('numGoalTokens' in c && c.numGoalTokens !== spec.numGoalTokens) throw new Error(`the ${name} was trained with ${String(c.numGoalTokens)} goal tokens, task ${spec.name} has ${spec.numGoalTokens}`);
}

export interface ShippedModule {
  module: ModuleName;
  url: string;
}

export interface ShippedLoad {
  modules: ModuleSet;
  found: ShippedModule[];
  /** One line per checkpoint that exists but could not be used (the module then runs as a stand-in). */
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

/** Loads every module found under `baseUrl` (ending in '/'); a module without a checkpoint is simply absent. */
export async function loadShippedModules(baseUrl: string, spec: TaskSpec): Promise<ShippedLoad> {
  const out: ShippedLoad = { modules: {}, found: [], problems: [] };
  for (const name of MODULE_NAMES) {
    const url = new URL(`${name}/model.json`, baseUrl).href;
    if (!(await servesJson(url))) continue;
    try {
      const checkpoint = await readCheckpoint(tf.io.http(url));
      try {
        const config = checkpoint.metadata.modules[name];
        if (!config) throw new Error(`it holds no "${name}" module (modules: ${Object.keys(checkpoint.metadata.modules).join(', ') || 'none'})`);
        checkTask(name, config, spec);
        const module = build(name, config, LOAD_SEED);
        try {
          assignCheckpoint([module], checkpoint);
        } catch (e) {
          module.dispose();
          throw e;
        }
        (out.modules as Record<ModuleName, unknown>)[name] = module;
        out.found.push({ module: name, url });
      } finally {
        tf.dispose(checkpoint.weights);
      }
    } catch (e) {
      out.problems.push(`checkpoint ${url}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

/** A randomly initialised module from the current config, seeded from the config's seed and the module name. */
export function standIn<K extends ModuleName>(name: K, config: Config, spec: TaskSpec): ModuleTypes[K] {
  return build(name, configFor(name, config, spec), deriveSeed(config.seed, 'playground/stand-in', name));
}

/**
 * Randomly initialised copies of every module, each with its shipped checkpoint's construction config when there
 * is one (else the current config's): the sizes the playground runs, for timing on another backend.
 */
export function freshModules(shipped: ModuleSet, config: Config, spec: TaskSpec, seed: number): ModuleTypes {
  const one = <K extends ModuleName>(name: K): ModuleTypes[K] => build(name, shipped[name]?.config ?? configFor(name, config, spec), deriveSeed(seed, name));
  return { prior: one('prior'), world: one('world'), reflex: one('reflex'), strategy: one('strategy') };
}
