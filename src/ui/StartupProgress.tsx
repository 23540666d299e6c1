// Over the table until the playground runs: which start-up stage the engine is in (probing the adapter, timing
// which backend, loading the checkpoints), so the first seconds, with the controls disabled, do not look hung.
import { STARTUP_STAGES, type StartupStage } from '../engine/protocol';
import { useApp } from './store';

const STAGE_LABELS: Record<StartupStage, string> = {
  probing: 'Starting the engine',
  benchmarking: 'Choosing the fastest backend',
  checkpoints: 'Loading the checkpoints',
  ready: 'Ready',
};

export function StartupProgress() {
  const startup = useApp((s) => s.startup);
  const started = useApp((s) => s.playground !== null);
  if (started || startup?.stage === 'ready') return null;
  const stage = startup?.stage ?? 'probing';
  return (
    <div className="startup-progress" role="status" aria-live="polite" data-testid="startup-progress" data-stage={stage}>
      <strong>{STAGE_LABELS[stage]}…</strong>
      <progress max={STARTUP_STAGES.length - 1} value={STARTUP_STAGES.indexOf(stage)} aria-label="start-up progress" />
      <span className="startup-detail">
        {startup ? `${startup.detail} (${(startup.elapsedMs / 1000).toFixed(1)} s)` : 'starting the engine worker'}
      </span>
      {stage === 'benchmarking' && <span className="startup-detail">The choice is remembered: the next visit starts at once.</span>}
    </div>
  );
}
