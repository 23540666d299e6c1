// Train a stage-0/1 module while the playground runs: the prior (flow matching), Φ (dynamics) or the reflex
// (hindsight warm-up), on the shipped demonstrations with the config's hyperparameters. The module trained is
// the one the playground's top-level policies run, so the view shows it learn; the chart plots the run's
// evaluations as `sagr train` logs them.
import { useState } from 'react';
import { TRAIN_STAGES, type TrainStage } from '../engine/trainingProgress';
import { controls } from './controls';
import { LossChart, type ChartSeries } from './LossChart';
import { useApp } from './store';

const ITERS_PARAM: Record<TrainStage, 'priorIters' | 'worldIters' | 'reflexIters'> = { prior: 'priorIters', world: 'worldIters', reflex: 'reflexIters' };
const SERIES: readonly ChartSeries[] = [
  { key: 'trainLoss', label: 'train loss', color: '#58a6ff' },
  { key: 'heldOutLoss', label: 'held-out loss', color: '#f0883e' },
];
const HEADLINE: Record<TrainStage, { key: string; label: string }> = {
  prior: { key: 'heldOutSampleMse', label: 'sampled-chunk MSE' },
  world: { key: 'errorRatio', label: 'error ratio' },
  reflex: { key: 'r2', label: 'R² of b vs −ε' },
};

export function TrainingPanel() {
  const progress = useApp((s) => s.training);
  const config = useApp((s) => s.config);
  const [stage, setStage] = useState<TrainStage>('prior');
  const running = progress?.running ?? false;
  const last = progress?.records.at(-1);
  const headline = progress && last ? last[HEADLINE[progress.stage].key] : null;
  return (
    <section className="panel training-panel" aria-label="Training" data-testid="training-panel">
      <header className="panel-header">
        <h2>Train</h2>
      </header>
      <div className="button-row">
        <select aria-label="training stage" value={stage} disabled={running} onChange={(e) => setStage(e.target.value as TrainStage)}>
          {TRAIN_STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" disabled={running} onClick={() => void controls().startTraining(stage, config[ITERS_PARAM[stage]])} title={`${config[ITERS_PARAM[stage]]} iterations (${ITERS_PARAM[stage]}), the config's learning rate and batch`}>
          train {config[ITERS_PARAM[stage]]} iterations
        </button>
        <button type="button" disabled={!running} onClick={() => void controls().stopTraining()}>
          stop
        </button>
      </div>
      {progress && (
        <>
          <p className="training-status" data-testid="training-status">
            {progress.stage}: {progress.iter} / {progress.iters}
            {last && typeof last.trainLoss === 'number' ? ` · train ${last.trainLoss.toExponential(3)}` : ''}
            {typeof headline === 'number' ? ` · ${HEADLINE[progress.stage].label} ${headline.toPrecision(3)}` : ''}
            {progress.outcome ? ` · ${progress.outcome}` : ''}
          </p>
          <progress max={progress.iters} value={progress.iter} />
          <LossChart records={progress.records} series={SERIES} log />
          <p className="muted">{progress.message}</p>
        </>
      )}
    </section>
  );
}
