import { describe, expect, it } from 'vitest';
import { lastStageRun, ppoIterations, ppoPanels, stagePanel } from './trainingCurves';

const ppo = (iteration: number, meanReturn: number, successRate = 0.5) => ({
  iteration,
  trainPolicy: true,
  rollout: { controlSteps: 100, meanReturn, successRate, rewardTerms: { task: 0.3, surprise: 0.02, effort: 0.01, reward: 0.27 } },
  ppo: { approxKl: 0.01 * iteration },
  world: { dynamicsLoss: 1e-4 },
});

describe('PPO curves', () => {
  it('plots each figure against cumulative env steps, the later record winning for a re-done iteration', () => {
    // Iterations 1–3, then a resume from the checkpoint at iteration 2 re-does 3 and goes on to 4.
    const records = [ppo(1, 1), ppo(2, 2), ppo(3, 3), ppo(3, 30), ppo(4, 4), { stage: 'prior', iter: 5, trainLoss: 1 }];
    expect(ppoIterations(records).map((r) => (r as { iteration: number }).iteration)).toEqual([1, 2, 3, 4]);
    const [ret, success, kl, terms] = ppoPanels(records);
    expect(ret.xLabel).toBe('env steps');
    expect(ret.series[0].points).toEqual([[100, 1], [200, 2], [300, 30], [400, 4]]);
    expect(success.series[0].points[0]).toEqual([100, 50]);
    expect(kl.series[0].points.map((p) => p[1])).toEqual([0.01, 0.02, 0.03, 0.04]);
    expect(terms.series.map((s) => [s.name, s.points[0][1]])).toEqual([['R', 0.27], ['α·r_task', 0.3], ['β‖Δz‖²', 0.02], ['γ‖b‖²', 0.01]]);
  });

  it('turns missing or non-numeric fields into NaN points, not a crash', () => {
    const broken = { iteration: 1, rollout: { controlSteps: 10, meanReturn: 'x' }, ppo: null };
    const [ret, , kl] = ppoPanels([broken]);
    expect(ret.series[0].points[0][0]).toBe(10);
    expect(ret.series[0].points[0][1]).toBeNaN();
    expect(kl.series[0].points[0][1]).toBeNaN();
    expect(ppoPanels([{ stage: 'prior', iter: 1 }, 'junk', null])[0].series[0].points).toEqual([]);
  });
});

describe('stage curves', () => {
  const rec = (stage: string, iter: number, trainLoss: number | null, heldOutLoss: number) => ({ stage, iter, trainLoss, heldOutLoss });

  it('plots the last run of the stage: train and held-out loss against iteration', () => {
    const records = [rec('world', 100, 9, 9), rec('world', 200, 8, 8), rec('reflex', 100, 5, 5), rec('world', 100, 0.4, 0.5), rec('world', 200, null, 0.3)];
    expect(lastStageRun(records, 'world')).toHaveLength(2);
    const p = stagePanel('world', records);
    expect(p.title).toBe('world loss');
    expect(p.series[0].points).toEqual([[100, 0.4], [200, NaN]]);
    expect(p.series[1].points).toEqual([[100, 0.5], [200, 0.3]]);
    expect(stagePanel('prior', records).series.every((s) => s.points.length === 0)).toBe(true);
    expect(stagePanel('prior', records).emptyMessage).toBe('no prior evaluations in the metrics');
  });
});
