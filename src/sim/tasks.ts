// The tasks the simulator knows, by name: each one's TaskSpec (the contract with the policy stack) and its
// simulation (simTask.ts: envs, suites, expert). Generic code (vecEnv, eval, demos) looks tasks up here.
import { push3dTask } from './push3d/push3dTask';
import { pushTTask } from './pusht/pushTTask';
import type { AnySimTask } from './simTask';
import type { TaskSpec } from './taskSpec';

export const TASK_NAMES = ['push-t', 'push-3d'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

const TASKS: Record<TaskName, AnySimTask> = {
  'push-t': pushTTask,
  'push-3d': push3dTask,
};

/** Throws a clear error unless `name` is a known task. */
export function validateTask(name: string): TaskName {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new Error(`task: "${name.slice(0, 40)}" is not one of ${TASK_NAMES.join(', ')}`);
  }
  return name as TaskName;
}

export function taskSpec(name: string): TaskSpec {
  return TASKS[validateTask(name)].spec;
}

/** The simulation of a task: envs, state layout, suites, expert. */
export function simTask(name: string): AnySimTask {
  return TASKS[validateTask(name)];
}
