// Each task's suites as the playground offers them live, without the simulators (the page imports this, and must
// load neither Rapier nor tfjs): the suite tables by task name, which suites act once (at a step) and which last.
import type { SuiteTable, TaskPerturbation } from '../sim/perturbationSpec';
import { PUSH_T_SUITES } from '../sim/perturbations';
import { PUSH_3D_SUITES } from '../sim/push3d/perturbations3d';
import type { TaskName } from '../sim/tasks';

const SUITE_TABLES: Record<TaskName, SuiteTable<TaskPerturbation>> = { 'push-t': PUSH_T_SUITES, 'push-3d': PUSH_3D_SUITES };

/** The suites of `task` (a task name the config validated). */
export function suiteTable(task: string): SuiteTable<TaskPerturbation> {
  const table = SUITE_TABLES[task as TaskName];
  if (!table) throw new Error(`task: "${task.slice(0, 40)}" is not one of ${Object.keys(SUITE_TABLES).join(', ')}`);
  return table;
}

/** A suite acts once, at its `at` step (displace, kick, tilt), rather than over the whole episode. */
export function isOneShot(table: SuiteTable<TaskPerturbation>, kind: string): boolean {
  return (table.params as Record<string, readonly { key: string }[]>)[kind].some((d) => d.key === 'at');
}

/** The suites the playground applies live: all but nominal (what "clear" goes back to) and shifted-init (it only changes where an episode starts). */
export function liveSuites(table: SuiteTable<TaskPerturbation>): string[] {
  return table.names.filter((k) => k !== 'nominal' && k !== 'shifted-init');
}
