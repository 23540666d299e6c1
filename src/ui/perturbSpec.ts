// The playground's perturbation buttons: one per suite of the task that applies live (liveSuites.ts), each as the
// `--perturb` spec it sends, so a button does exactly what the CLI's suite does (but now, not at its `at` step).
// Push-T's sizes are the live perturbation parameters of the config (whose defaults are its suites' own); the
// other tasks' buttons apply their suites' defaults. A direction a suite leaves open (a kick's angle, a tilt's
// azimuth) is drawn by the engine from the seed.
import type { Config } from '../core/config';
import { isOneShot, liveSuites, suiteTable } from '../engine/liveSuites';
import type { TaskName } from '../sim/tasks';

/** The config parameters that size a task's buttons, by suite and perturbation field. */
const CONFIG_SIZES: Partial<Record<TaskName, (c: Config) => Record<string, Record<string, number>>>> = {
  'push-t': (c) => ({
    displace: { dx: c.displaceDx, dy: c.displaceDy, dtheta: c.displaceDtheta },
    kick: { impulse: c.kickImpulse },
    bias: { dx: c.biasDx, dy: c.biasDy },
    friction: { mu: c.frictionMu },
    mass: { comDx: c.massComDx },
  }),
};

/** Whether the config's live perturbation parameters size `task`'s buttons (else its suites' defaults do). */
export function sizedByConfig(task: string): boolean {
  return CONFIG_SIZES[task as TaskName] !== undefined;
}

/** The buttons on `task`, in its suites' order. */
export function perturbButtons(task: string): string[] {
  return liveSuites(suiteTable(task));
}

/** One-shot perturbations act at the next control step; the others hold until cleared (spec "nominal"). */
export function isOneShotButton(task: string, kind: string): boolean {
  return isOneShot(suiteTable(task), kind);
}

export function perturbationSpec(task: string, kind: string, c: Config): string {
  const table = suiteTable(task);
  if (!perturbButtons(task).includes(kind)) throw new Error(`perturb: "${kind.slice(0, 40)}" is not one of ${task}'s live suites (${perturbButtons(task).join(', ')})`);
  const p: Record<string, unknown> = { ...table.defaults[kind as keyof typeof table.defaults], ...CONFIG_SIZES[task as TaskName]?.(c)[kind] };
  // `at` and `jitter` are left out: a button acts at the next step. A null (a direction left open) is left out too.
  const parts = table.params[kind as keyof typeof table.params].filter((d) => d.key !== 'at' && d.key !== 'jitter' && p[d.field] !== null).map((d) => `${d.key}=${String(p[d.field])}`);
  return parts.length ? `${kind}:${parts.join(',')}` : kind;
}
