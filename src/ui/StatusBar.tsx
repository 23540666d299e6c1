// One line of live status: backend and adapter, policy and physics time per control step, the step rate, the
// display's frame rate, tensors held, and whether the engine has the panel's config.
import { toHash } from '../core/config';
import { describeAdapter } from '../engine/backendChoice';
import { useApp } from './store';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export function StatusBar() {
  const snapshot = useApp((s) => s.snapshot);
  const backend = useApp((s) => s.backend);
  const live = useApp((s) => s.live);
  const fps = useApp((s) => s.fps);
  const inSync = useApp((s) => s.engineConfig !== null && toHash(s.engineConfig) === toHash(s.config));
  const lanes = live?.lanes ?? [];
  const ms = (f: (l: (typeof lanes)[number]) => number) => lanes.map((l) => f(l).toFixed(1)).join(' / ');
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span title={backend?.reason}>{backend ? `${backend.backend} · ${describeAdapter(backend.adapter)}` : 'engine starting'}</span>
      <span data-testid="status-inference" title="policy time per control step (decision, Φ, reflex), per lane">
        inference {lanes.length ? `${ms((l) => l.inferenceMs)} ms` : '–'}
      </span>
      <span title="physics time per control step, per lane">physics {lanes.length ? `${ms((l) => l.physicsMs)} ms` : '–'}</span>
      <span title="control steps per second achieved (asked for)">
        {live ? `${live.measuredStepsPerSecond} steps/s (${live.stepsPerSecond === null ? 'max' : live.stepsPerSecond})` : ''}
      </span>
      <span data-testid="status-fps">{fps.toFixed(0)} fps</span>
      <span>{snapshot ? `${snapshot.numTensors} tensors, ${formatBytes(snapshot.numBytes)}` : ''}</span>
      <span className={inSync ? 'ok' : 'pending'}>{inSync ? 'config synced' : 'config pending'}</span>
    </footer>
  );
}
