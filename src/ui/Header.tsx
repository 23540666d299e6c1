// Title and the backend badge (backend + adapter), visible at all times.
import { describeAdapter } from '../engine/backendChoice';
import { useApp } from './store';

export function Header() {
  const b = useApp((s) => s.backend);
  return (
    <header className="app-header">
      <h1>SA-GR Flow Playground</h1>
      <span className={`badge ${b ? '' : 'pending'}`} data-testid="backend-badge" title={b?.reason ?? 'choosing a backend'}>
        {b ? `${b.backend} · ${describeAdapter(b.adapter)}` : 'engine starting…'}
      </span>
    </header>
  );
}
