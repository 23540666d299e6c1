// The side panel's Run tab: which checkpoints the playground runs, the perturbation buttons, the exports, and the
// inference benchmark.
import { checkpointKey, isFullyTrained, LIVE_POLICIES, MODULE_SYMBOLS, POLICY_FOLDERS, POLICY_MODULES } from '../engine/livePolicies';
import { controls } from './controls';
import { MethodSwitches } from './MethodSwitches';
import { isOneShotButton, perturbationSpec, perturbButtons, sizedByConfig } from './perturbSpec';
import { useApp } from './store';

function Checkpoints() {
  const pg = useApp((s) => s.playground);
  if (!pg) return <p className="muted">Loading the shipped checkpoints…</p>;
  const found = new Set(pg.trained);
  const sources = new Map(pg.found.map((f) => [f.key, f.source]));
  return (
    <div data-testid="checkpoints">
      <ul className="modules">
        {LIVE_POLICIES.filter((p) => POLICY_MODULES[p].required.length > 0).map((p) => {
          const folder = POLICY_FOLDERS[p];
          const parts = POLICY_MODULES[p].required.map((m) => {
            const source = sources.get(checkpointKey(folder, m));
            return `${MODULE_SYMBOLS[m]} ${source === undefined ? 'random init' : source.startsWith('http') ? '✓' : `✓ (${source})`}`;
          });
          return (
            <li key={p} className={isFullyTrained(p, found) ? 'ok' : 'missing'} data-testid={`checkpoint-${p}`} title={`${pg.checkpointBase}${folder}`}>
              {p}: {parts.join(', ')}
            </li>
          );
        })}
      </ul>
      <p className="muted">
        from <code>{pg.checkpointBase}</code>
      </p>
      {pg.lanes.map((l, i) => (
        <p key={i} className="lane-label" data-testid={`lane-label-${i}`}>
          {pg.lanes.length > 1 ? (i === 0 ? 'left: ' : 'right: ') : 'running: '}
          {l.label}
        </p>
      ))}
    </div>
  );
}

function Perturbations() {
  const config = useApp((s) => s.config);
  const condition = useApp((s) => s.live?.lanes[0]?.condition ?? null);
  const task = useApp((s) => s.playground?.task ?? s.config.task);
  // The task's own suites (push-3d adds tilt), each applied to every lane at once.
  return (
    <div className="perturb">
      <div className="button-row">
        {perturbButtons(task).map((k) => {
          // A lasting condition's button stays pressed while it is in force (a one-shot has nothing to hold).
          const lasting = !isOneShotButton(task, k);
          const inForce = lasting && condition?.split(':')[0] === k;
          return (
            <button
              key={k}
              type="button"
              data-testid={`perturb-${k}`}
              className={inForce ? 'active' : undefined}
              aria-pressed={lasting ? inForce : undefined}
              title={`${perturbationSpec(task, k, config)} — ${lasting ? 'from now on, until cleared' : 'at the next control step'}`}
              onClick={() => void controls().perturb(k)}
            >
              {k}
            </button>
          );
        })}
        <button type="button" disabled={condition === null} onClick={() => void controls().perturb('nominal')} title="clear bias / friction / mass">
          clear
        </button>
      </div>
      <p className="muted">
        in force: <code data-testid="condition">{condition ?? 'nominal'}</code>. Sizes: {sizedByConfig(task) ? 'the “Live perturbations” parameters (Parameters tab)' : `${task}'s suite defaults (sagr eval --task ${task})`}. Or drag the object on the table (Shift turns it).
      </p>
    </div>
  );
}

function Exports() {
  const lanes = useApp((s) => s.playground?.lanes) ?? [];
  return (
    <div className="button-row">
      <button type="button" onClick={() => controls().exportConfig()}>
        config .json
      </button>
      {lanes.map((l, i) => (
        <button key={i} type="button" onClick={() => void controls().exportRollout(i)} title="the current episode so far: obs, actions, Ŝ, Δz, action terms, coverage, poses, shoves">
          rollout .npz{lanes.length > 1 ? ` (${l.policy})` : ''}
        </button>
      ))}
      <button type="button" onClick={() => void controls().exportPng()}>
        view .png
      </button>
    </div>
  );
}

function Bench() {
  const bench = useApp((s) => s.bench);
  return (
    <div data-testid="inference-bench">
      <button type="button" disabled={bench.running} onClick={() => void controls().runBench()} title="the full policy (prior chunk, reflex, Φ, strategy) on every backend that started; the playground pauses meanwhile">
        {bench.running ? 'measuring…' : 'measure inference (B = 1, 64)'}
      </button>
      {bench.error && <p className="param-error">{bench.error}</p>}
      {bench.rows && (
        <table className="bench">
          <caption>Inference per control step (median ms)</caption>
          <thead>
            <tr>
              <th>backend</th>
              <th>B</th>
              <th>chunk</th>
              <th>step</th>
              <th>per step</th>
            </tr>
          </thead>
          <tbody>
            {bench.rows.map((r) => (
              <tr key={`${r.backend}-${r.batch}`}>
                <td>{r.backend}</td>
                <td>{r.batch}</td>
                {r.skipped === null ? (
                  <>
                    <td title={`K = ${r.sdeSteps} SDE steps, median of ${r.runs}`}>{r.decisionMs.toFixed(1)}</td>
                    <td title="reflex + Φ">{r.stepMs.toFixed(1)}</td>
                    <td title={`step + chunk / ${r.executeSteps}`}>{r.perControlStepMs.toFixed(1)}</td>
                  </>
                ) : (
                  <td colSpan={3} title={r.skipped}>
                    skipped
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function PlaygroundPanel() {
  return (
    <section className="panel playground-panel" aria-label="Playground">
      <header className="panel-header">
        <h2>Policy</h2>
      </header>
      <Checkpoints />
      <h2>Method</h2>
      <MethodSwitches />
      <h2>Perturb</h2>
      <Perturbations />
      <h2>Export</h2>
      <Exports />
      <h2>Speed</h2>
      <Bench />
    </section>
  );
}
