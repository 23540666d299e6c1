// Learning curves from a training run's metrics (the JSON lines `train` writes) as plot panels for svgPlot:
// PPO runs (one IterationLog per iteration) against env steps: return, success rate, approximate KL and each
// reward term; the supervised stages (prior, world, reflex: one record per held-out evaluation) as loss against
// iteration. Fields a record lacks become NaN, which the plot skips.
import type { PanelSpec, Series } from './svgPlot';

/** The supervised stages, in training order. */
export const STAGES = ['prior', 'world', 'reflex'] as const;
export type StageName = (typeof STAGES)[number];

/** The number at `path` in a parsed JSON record, or NaN when it is missing or not a finite number. */
function numberAt(record: unknown, path: readonly string[]): number {
  let x: unknown = record;
  for (const key of path) x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined;
  return typeof x === 'number' && Number.isFinite(x) ? x : NaN;
}

/** Whether a record is a PPO iteration log (train --stage ppo) rather than a supervised stage's evaluation. */
export function isPpoRecord(record: unknown): boolean {
  return Number.isInteger(numberAt(record, ['iteration'])) && record !== null && typeof (record as Record<string, unknown>).rollout === 'object';
}

/**
 * The PPO iterations in order, one per iteration number: a resumed run re-does the iterations after its last
 * checkpoint and appends them again, and the later record is the one the checkpoint continues from.
 */
export function ppoIterations(records: readonly unknown[]): unknown[] {
  const byIteration = new Map<number, unknown>();
  for (const r of records) if (isPpoRecord(r)) byIteration.set(numberAt(r, ['iteration']), r);
  return [...byIteration.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/** Learning-curve panels of a PPO run, against cumulative env steps (control steps summed over the envs). */
export function ppoPanels(records: readonly unknown[]): PanelSpec[] {
  const its = ppoIterations(records);
  let steps = 0;
  const x = its.map((r) => (steps += numberAt(r, ['rollout', 'controlSteps'])));
  const series = (name: string, path: readonly string[], scale = 1): Series => ({ name, points: its.map((r, i) => [x[i], scale * numberAt(r, path)] as const) });
  const empty = 'no PPO iterations in the metrics';
  const panel = (title: string, yLabel: string, s: Series[]): PanelSpec => ({ title, xLabel: 'env steps', yLabel, series: s, emptyMessage: empty });
  return [
    panel('return', 'mean episode return', [series('return', ['rollout', 'meanReturn'])]),
    panel('success rate', 'success (%)', [series('success', ['rollout', 'successRate'], 100)]),
    panel('approximate KL', 'KL', [series('approx KL', ['ppo', 'approxKl'])]),
    panel('reward terms per step', 'reward', [
      series('R', ['rollout', 'rewardTerms', 'reward']),
      series('α·r_task', ['rollout', 'rewardTerms', 'task']),
      series('β‖Δz‖²', ['rollout', 'rewardTerms', 'surprise']),
      series('γ‖b‖²', ['rollout', 'rewardTerms', 'effort']),
    ]),
  ];
}

/**
 * A stage's evaluations from the last run of that stage: a metrics file written by several runs into one folder
 * holds them one after the other, and a run starts where the iteration count drops.
 */
export function lastStageRun(records: readonly unknown[], stage: StageName): unknown[] {
  const mine = records.filter((r) => r !== null && typeof r === 'object' && (r as Record<string, unknown>).stage === stage);
  let start = 0;
  for (let i = 1; i < mine.length; i++) if (numberAt(mine[i], ['iter']) <= numberAt(mine[i - 1], ['iter'])) start = i;
  return mine.slice(start);
}

/** A supervised stage's loss curve: training loss (mean since the last evaluation) and held-out loss per iteration. */
export function stagePanel(stage: StageName, records: readonly unknown[]): PanelSpec {
  const run = lastStageRun(records, stage);
  const series = (name: string, key: string): Series => ({ name, points: run.map((r) => [numberAt(r, ['iter']), numberAt(r, [key])] as const) });
  return {
    title: `${stage} loss`,
    xLabel: 'iteration',
    yLabel: 'loss',
    series: [series('train', 'trainLoss'), series('held out', 'heldOutLoss')],
    emptyMessage: `no ${stage} evaluations in the metrics`,
  };
}
