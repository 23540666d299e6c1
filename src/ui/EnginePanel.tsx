// What the engine runs on and why: backend, adapter, the backends that started, and the micro-benchmark.
import { describeAdapter } from '../engine/backendChoice';
import { useApp } from './store';

export function EnginePanel() {
  const b = useApp((s) => s.backend);
  return (
    <section className="panel engine-panel" aria-label="Engine" data-testid="engine-panel">
      <header className="panel-header">
        <h2>Engine</h2>
      </header>
      {!b ? (
        <p className="muted">Starting the engine and choosing a backend…</p>
      ) : (
        <>
          <dl className="facts">
            <dt>backend</dt>
            <dd data-testid="engine-backend">{b.backend}</dd>
            <dt>why</dt>
            <dd>{b.reason}</dd>
            <dt>adapter</dt>
            <dd data-testid="engine-adapter">{describeAdapter(b.adapter)}</dd>
            {b.adapter?.description && (
              <>
                <dt>description</dt>
                <dd>{b.adapter.description}</dd>
              </>
            )}
            <dt>started</dt>
            <dd>{b.runnable.join(', ') || 'none'}</dd>
            <dt>chosen in</dt>
            <dd>{(b.startupMs / 1000).toFixed(2)} s</dd>
          </dl>
          <table className="bench" data-testid="bench-table">
            <caption>Micro-benchmark (median ms)</caption>
            <thead>
              <tr>
                <th>backend</th>
                <th>matMul</th>
                <th>Adam step</th>
              </tr>
            </thead>
            <tbody>
              {b.bench.map((r) => (
                <tr key={r.backend} className={r.backend === b.backend ? 'chosen' : undefined}>
                  <td>{r.backend}</td>
                  <td title={`${r.matMulSize}×${r.matMulSize}, median of ${r.runs}`}>{r.matMulMs.toFixed(2)}</td>
                  {r.adamStepMs === null ? (
                    <td title="skipped: the matMul alone was slower than another backend's matMul + Adam step">out</td>
                  ) : (
                    <td title={`MLP, batch ${r.adamBatch}, median of ${r.runs}`}>{r.adamStepMs.toFixed(2)}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
