// One line of live engine status: heartbeat, tensors held, and whether the engine has the panel's config.
import { toHash } from '../core/config';
import { useApp } from './store';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export function StatusBar() {
  const snapshot = useApp((s) => s.snapshot);
  const inSync = useApp((s) => s.engineConfig !== null && toHash(s.engineConfig) === toHash(s.config));
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span>engine {snapshot ? `tick ${snapshot.tick}` : 'starting'}</span>
      <span>{snapshot ? `${snapshot.numTensors} tensors, ${formatBytes(snapshot.numBytes)}` : ''}</span>
      <span className={inSync ? 'ok' : 'pending'}>{inSync ? 'config synced' : 'config pending'}</span>
    </footer>
  );
}
