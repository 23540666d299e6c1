// Names of the checkpoints saved in the browser's IndexedDB (pure). A saved checkpoint's key says the task and
// the module it holds, so the list can say what each one is and which slots it fits without reading the
// weights: sagr/<task>/<module>/<name>.
import { MODULE_NAMES, type ModuleName } from './livePolicies';

export const SAVED_PREFIX = 'sagr/';
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export interface SavedCheckpoint {
  key: string;
  task: string;
  module: ModuleName;
  name: string;
  /** ISO time of the save. */
  savedAt: string;
  bytes: number;
}

/** The name a person gave, validated (letters, digits, space, '.', '_', '-'; 1–64 characters). */
export function checkSavedName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`name: "${String(name).slice(0, 40)}" is not 1–64 letters, digits, spaces, '.', '_' or '-' (starting with a letter or digit)`);
  return name;
}

export function savedKey(task: string, module: ModuleName, name: string): string {
  return `${SAVED_PREFIX}${task}/${module}/${checkSavedName(name)}`;
}

/** The parts of a saved checkpoint's key, or null when the key is not one of ours. */
export function parseSavedKey(key: string): { task: string; module: ModuleName; name: string } | null {
  if (!key.startsWith(SAVED_PREFIX)) return null;
  const [task, module, ...rest] = key.slice(SAVED_PREFIX.length).split('/');
  const name = rest.join('/');
  if (!task || !MODULE_NAMES.includes(module as ModuleName) || !NAME.test(name)) return null;
  return { task, module: module as ModuleName, name };
}
