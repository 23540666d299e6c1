// What the engine runs on and why: backend, adapter, the backends that started, cross-origin isolation and the wasm
// backend's threads, SIMD and matMul kernels, and the start-up timings.
import { useState } from 'react';
import { describeAdapter } from '../engine/backendChoice';
import type { BackendState } from '../engine/protocol';
import { wasmKernelsText } from '../engine/wasmKernels';
import { forgetBackendChoice } from './backendMemoryStore';
import { useApp } from './store';

/** How the choice was made, and for a remembered one a way to have the next load benchmark again. */
function ChoiceMemory({ b }: { b: BackendState }) {
  const [forgotten, setForgotten] = useState<'no' | 'yes' | 'refused'>('no');
  if (b.choice === 'forced') return <>forced by ?backend= (not remembered)</>;
  if (b.choice === 'automatic') return <>chosen now; remembered for this adapter and browser version</>;
  if (forgotten === 'yes') return <span data-testid="backend-forgotten">forgotten: the next load benchmarks the backends again</span>;
  return (
    <>
      remembered from an earlier visit (no benchmark){' '}
      <button type="button" data-testid="forget-backend" onClick={() => setForgotten(forgetBackendChoice(b.memoryKey) ? 'yes' : 'refused')} title={b.memoryKey}>
        forget the remembered backend
      </button>
      {forgotten === 'refused' && <span className="error"> this browser's storage refused the change</span>}
    </>
  );
}

export function EnginePanel() {
  const b = useApp((s) => s.backend);
  const startup = useApp((s) => s.startup);
  // The benchmark always times its first backend fully; with no policy figure at all, the backend was not chosen by speed.
  const compared = b?.bench.some((r) => r.policyStepMs !== null) ?? false;
  return (
    <section className="panel engine-panel" aria-label="Engine" data-testid="engine-panel">
      <header className="panel-header">
        <h2>Engine</h2>
      </header>
      {!b ? (
        <p className="muted" data-testid="engine-starting">
          {startup ? `${startup.detail} (${(startup.elapsedMs / 1000).toFixed(1)} s)` : 'Starting the engine and choosing a backend…'}
        </p>
      ) : (
        <>
          <dl className="facts">
            <dt>backend</dt>
            <dd data-testid="engine-backend">{b.backend}</dd>
            <dt>why</dt>
            <dd>{b.reason}</dd>
            <dt>choice</dt>
            <dd data-testid="engine-choice" data-choice={b.choice}>
              <ChoiceMemory b={b} />
            </dd>
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
            <dt>isolated</dt>
            <dd data-testid="engine-isolated">
              {b.crossOriginIsolated ? 'yes (COOP/COEP)' : 'no: wasm runs single-threaded (serve the page with COOP/COEP headers, see README)'}
            </dd>
            <dt>wasm</dt>
            <dd data-testid="engine-wasm" title={b.wasm ? `threads: ${b.wasm.threadsReason}` : undefined}>
              {b.wasm ? `${b.wasm.threads} thread${b.wasm.threads === 1 ? '' : 's'} · SIMD ${b.wasm.simd ? 'on' : 'off'}` : 'did not start'}
            </dd>
            <dt>matMul</dt>
            <dd data-testid="engine-wasm-kernels">{b.wasm ? wasmKernelsText(b.wasm) : '—'}</dd>
            <dt>chosen in</dt>
            <dd>{(b.startupMs / 1000).toFixed(2)} s</dd>
          </dl>
          <table className="bench" data-testid="bench-table">
            <caption>Start-up timings (median ms)</caption>
            <thead>
              <tr>
                <th>backend</th>
                <th>matMul</th>
                <th>policy step B={b.bench[0]?.policyBatch}</th>
              </tr>
            </thead>
            <tbody>
              {b.bench.map((r) => (
                <tr key={r.backend} className={r.backend === b.backend ? 'chosen' : undefined}>
                  <td>{r.backend}</td>
                  <td title={`${r.matMulSize}×${r.matMulSize}, median of ${r.runs}`}>{r.matMulMs.toFixed(2)}</td>
                  {!compared ? (
                    <td title="not timed: the backend was not chosen by speed (the playground panel's measure inference times the policy)">–</td>
                  ) : r.policyStepMs === null ? (
                    <td
                      title={
                        r.stepPassMs === null
                          ? "skipped: the matMul alone was slower than another backend's policy step"
                          : `skipped: its reflex + Φ pass alone (${r.stepPassMs.toFixed(2)} ms) was slower than another backend's policy step`
                      }
                    >
                      out
                    </td>
                  ) : (
                    <td title={`one control step of the full SA-GR policy (reflex + Φ, and the chunk decision spread over its steps), batch ${r.policyBatch}, random weights, median of ${r.runs}`}>
                      {r.policyStepMs.toFixed(2)}
                    </td>
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
