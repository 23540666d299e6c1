// The tasks the simulator knows, by name. Push-T only for now; the 3D task registers here when it lands.
import type { TaskSpec } from './taskSpec';
import { pushTSpec } from './pusht/pushTSpec';

export const TASK_NAMES = ['push-t'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Throws a clear error unless `name` is a known task. */
export function validateTask(name: string): TaskName {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new Error(`task: "${name.slice(0, 40)}" is not one of ${TASK_NAMES.join(', ')}`);
  }
  return name as TaskName;
}

export function taskSpec(name: string): TaskSpec {
  validateTask(name);
  return pushTSpec;
}
