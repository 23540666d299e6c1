// The live charts of a stage-2 (PPO) run, one point per iteration: what `sagr train --stage ppo` logs per line.
import type { MetricsRecord } from '../train/stage';
import type { Bounds } from './chartRange';
import { LossChart, type ChartSeries } from './LossChart';

const CHART_HEIGHT = 150;

// Each chart's natural y range (chartRange.ts): rates on 0…1, norms and KL from 0, explained variance up to 1.
const CHARTS: readonly { title: string; series: readonly ChartSeries[]; bounds?: Bounds }[] = [
  { title: 'return (episodes ended in the rollout)', series: [{ key: 'return', label: 'return', color: '#58a6ff' }] },
  { title: 'success rate', series: [{ key: 'success', label: 'success', color: '#3fb950' }], bounds: [0, 1] },
  {
    title: 'reward per step: R = α·r_task − β‖Δz‖² − γ‖b‖²',
    series: [
      { key: 'rewardTask', label: 'α·r_task', color: '#3fb950' },
      { key: 'rewardSurprise', label: 'β‖Δz‖²', color: '#f0883e' },
      { key: 'rewardEffort', label: 'γ‖b‖²', color: '#d2a8ff' },
    ],
  },
  {
    title: 'mean norms per step',
    series: [
      { key: 'deltaZ', label: '‖Δz‖', color: '#f0883e' },
      { key: 'reflex', label: '‖b‖', color: '#d2a8ff' },
      { key: 'strategy', label: '‖η‖', color: '#58a6ff' },
    ],
    bounds: [0, null],
  },
  {
    title: 'PPO update',
    series: [
      { key: 'approxKl', label: 'approx KL', color: '#ff7b72' },
      { key: 'clipFrac', label: 'clip fraction', color: '#e3b341' },
    ],
    bounds: [0, null],
  },
  { title: 'critic', series: [{ key: 'explainedVariance', label: 'explained variance', color: '#79c0ff' }], bounds: [null, 1] },
];

export function PpoCharts({ records }: { records: readonly MetricsRecord[] }) {
  return (
    <div className="ppo-charts" data-testid="ppo-charts">
      {CHARTS.map((c) => (
        <figure key={c.title}>
          <figcaption className="muted">{c.title}</figcaption>
          <LossChart records={records} series={c.series} log={false} height={CHART_HEIGHT} bounds={c.bounds} />
        </figure>
      ))}
    </div>
  );
}
