// Checkpoints kept in the browser (IndexedDB, through tfjs's 'indexeddb://' IO handler): any slot's module saved
// under a name, listed, loaded back into any slot that runs the same module, deleted. Loading goes through the
// evaluation's loaders, which validate the whole checkpoint (format, names, shapes, finite values, task) before
// a module is built, so a damaged or mismatched one is refused with its reason and changes nothing.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { saveCheckpoint } from '../nn/checkpoint';
import type { TaskSpec } from '../sim/taskSpec';
import type { ModuleName } from './livePolicies';
import { LOADERS, type ModuleTypes } from './policyModules';
import { parseSavedKey, savedKey, SAVED_PREFIX, type SavedCheckpoint } from './savedCheckpoint';

/** tfjs's IndexedDB handler for `key` (registered by tfjs wherever IndexedDB exists: pages and workers). */
function handlerFor(key: string, use: 'save' | 'load'): tf.io.IOHandler {
  const handler = (use === 'save' ? tf.io.getSaveHandlers(key) : tf.io.getLoadHandlers(key))[0];
  if (!handler) throw new Error('IndexedDB is not available here (tfjs registered no handler for indexeddb://)');
  return handler;
}

/** The checkpoints saved for `task`, newest first. */
export async function listSaved(task: string): Promise<SavedCheckpoint[]> {
  const all = await tf.io.listModels();
  const out: SavedCheckpoint[] = [];
  for (const [key, info] of Object.entries(all)) {
    const parts = parseSavedKey(key);
    if (!parts || parts.task !== task) continue;
    out.push({ key, ...parts, savedAt: new Date(info.dateSaved).toISOString(), bytes: info.weightDataBytes ?? 0 });
  }
  return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

/** Saves `module` as `name` (replacing a save of the same module and name), with the config and task in its metadata. */
export async function saveToBrowser(module: ModuleTypes[ModuleName], name: unknown, slot: string, config: Config, task: string): Promise<void> {
  const key = savedKey(task, module.name as ModuleName, name as string);
  await saveCheckpoint([module], handlerFor(key, 'save'), { task, config, savedFrom: 'playground', slot });
}

/** Loads saved checkpoint `key` as a `module` (validated whole; throws a one-line reason). */
export async function loadFromBrowser<K extends ModuleName>(key: unknown, module: K, task: string, spec: TaskSpec): Promise<ModuleTypes[K]> {
  const parts = typeof key === 'string' ? parseSavedKey(key) : null;
  if (!parts) throw new Error(`key: "${String(key).slice(0, 60)}" is not a saved checkpoint (${SAVED_PREFIX}<task>/<module>/<name>)`);
  if (parts.task !== task) throw new Error(`"${parts.name}" was saved for task ${parts.task}, the playground runs ${task}`);
  if (parts.module !== module) throw new Error(`"${parts.name}" holds a ${parts.module}; this slot runs a ${module}`);
  if (!(await listSaved(task)).some((s) => s.key === key)) throw new Error(`no saved checkpoint "${parts.name}" (${parts.module}) in this browser`);
  try {
    return (await LOADERS[module](handlerFor(key as string, 'load'), spec)) as ModuleTypes[K];
  } catch (e) {
    throw new Error(`"${parts.name}" cannot be loaded: ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function deleteSaved(key: unknown): Promise<void> {
  if (typeof key !== 'string' || !parseSavedKey(key)) throw new Error(`key: "${String(key).slice(0, 60)}" is not a saved checkpoint`);
  await tf.io.removeModel(key);
}
