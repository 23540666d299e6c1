// Train while the playground runs. Stage 0/1: the prior (flow matching), Φ (dynamics) or the reflex (hindsight
// warm-up), on the shipped demonstrations; the module trained is the one the top-level policies run, so the view
// shows it learn. Stage 2: PPO for the full method ('sagr': η and b learn) or the strategy ablation (reflex
// off), from the playground's stage-0/1 modules; its modules become what the 'sagr' or 'strategy' policy runs.
// The config's parameters set the budgets (ppoIters, numEnvs, rolloutSteps, episodeLength, epochs, …).
import { useState } from 'react';
import { continueTo, etaSeconds, isPpoStage, PPO_STAGES, TRAIN_STAGES, type PpoStage, type TrainStage } from '../engine/trainingProgress';
import { controls } from './controls';
import { LossChart, type ChartSeries } from './LossChart';
import { PpoCharts } from './PpoCharts';
import { useApp } from './store';

const ITERS_PARAM: Record<TrainStage, 'priorIters' | 'worldIters' | 'reflexIters'> = { prior: 'priorIters', world: 'worldIters', reflex: 'reflexIters' };
const SERIES: readonly ChartSeries[] = [
  { key: 'trainLoss', label: 'train loss', color: '#58a6ff' },
  { key: 'heldOutLoss', label: 'held-out loss', color: '#f0883e' },
];
const HEADLINE: Record<TrainStage | PpoStage, { key: string; label: string }> = {
  prior: { key: 'heldOutSampleMse', label: 'sampled-chunk MSE' },
  world: { key: 'errorRatio', label: 'error ratio' },
  reflex: { key: 'r2', label: 'R² of b vs −ε' },
  'ppo-sagr': { key: 'return', label: 'return' },
  'ppo-strategy': { key: 'return', label: 'return' },
};
const PPO_LABEL: Record<PpoStage, string> = { 'ppo-sagr': 'PPO (sagr)', 'ppo-strategy': 'PPO (strategy)' };
const PPO_HELP: Record<PpoStage, string> = {
  'ppo-sagr': 'η_φ and b_ψ learn (with the critic and Φ); the result is what the sagr policy runs',
  'ppo-strategy': 'the ablation with the reflex off: only η_φ learns; the result is what the strategy policy runs',
};


function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function TrainingPanel() {
  const progress = useApp((s) => s.training);
  const config = useApp((s) => s.config);
  const [stage, setStage] = useState<TrainStage>('prior');
  const running = progress?.running ?? false;
  const last = progress?.records.at(-1);
  const headline = progress && last ? last[HEADLINE[progress.stage].key] : null;
  const eta = progress?.running ? etaSeconds(progress) : null;
  const ppoRun = progress !== null && isPpoStage(progress.stage);
  // The latest PPO run can go on after stage-0/1 runs in between (the worker keeps it until it is invalidated).
  const lastPpo = useApp((s) => s.lastPpo);
  const continueAt = running ? null : continueTo(lastPpo, config.ppoIters);
  const budget = `${config.ppoIters} iterations (ppoIters) of B = ${config.numEnvs} envs × T = ${config.rolloutSteps} steps, ${config.epochs} epochs × ${config.minibatches} minibatches`;
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
      </div>
      <div className="button-row">
        {PPO_STAGES.map((s) => (
          <button key={s} type="button" disabled={running} onClick={() => void controls().startPpo(s, config.ppoIters)} title={`${PPO_HELP[s]}; ${budget}`}>
            {PPO_LABEL[s]}
          </button>
        ))}
        <button
          type="button"
          disabled={continueAt === null}
          onClick={() => continueAt !== null && void controls().continuePpo(continueAt)}
          title="go on with the latest PPO run where it stopped: its modules, critic, optimiser moments, envs, iteration count and config (a finished run: ppoIters more)"
        >
          {continueAt === null ? 'continue' : `continue to ${continueAt}`}
        </button>
        <span className="muted">{config.ppoIters} it. × {config.numEnvs}×{config.rolloutSteps} steps</span>
      </div>
      <div className="button-row">
        <button type="button" disabled={!running} aria-label={progress?.paused ? 'resume training' : 'pause training'} onClick={() => void controls().pauseTraining(!progress?.paused)} title="the run pauses within a fraction of a second (a PPO run mid-iteration); the playground keeps running">
          {progress?.paused ? 'resume' : 'pause'}
        </button>
        <button type="button" disabled={!running} aria-label="stop training" onClick={() => void controls().stopTraining()} title="cancel the run within a fraction of a second (the module keeps the steps it took; a PPO run keeps the iterations it finished)">
          stop
        </button>
      </div>
      {progress && (
        <>
          <p className="training-status" data-testid="training-status">
            {progress.task} {progress.stage}: {progress.iter} / {progress.iters}
            {last && typeof last.trainLoss === 'number' ? ` · train ${last.trainLoss.toExponential(3)}` : ''}
            {typeof headline === 'number' && Number.isFinite(headline) ? ` · ${HEADLINE[progress.stage].label} ${headline.toPrecision(3)}` : ''}
            {progress.continuedFrom !== undefined ? ` · continued from iteration ${progress.continuedFrom}` : ''}
            {progress.paused ? ' · paused' : ''}
            {eta !== null ? ` · ETA ${duration(eta)}` : ''}
            {progress.outcome ? ` · ${progress.outcome}` : ''}
          </p>
          <progress max={progress.iters} value={progress.iter} />
          {ppoRun ? <PpoCharts records={progress.records} /> : <LossChart records={progress.records} series={SERIES} log />}
          <p className="muted">{progress.message}</p>
        </>
      )}
    </section>
  );
}
