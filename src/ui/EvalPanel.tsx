// The evaluation suite on the playground's task and policies: N seeded episodes per policy and suite of the task
// (the episodes `sagr eval --task T --seed S` runs), with the success rate and its Wilson 95% interval, coverage, ‖Δz‖, ‖b‖ and steps
// to success, as `eval --json` reports them.
import { useState } from 'react';
import { LIVE_POLICIES, type LivePolicyName } from '../engine/livePolicies';
import { suiteTable } from '../engine/liveSuites';
import { controls } from './controls';
import { useApp } from './store';

const DEFAULT_EPISODES = 10;
const DEFAULT_SUITES = ['nominal', 'displace'];

function toggle<T>(list: readonly T[], x: T): T[] {
  return list.includes(x) ? list.filter((y) => y !== x) : [...list, x];
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '–' : x.toFixed(digits));

export function EvalPanel() {
  const progress = useApp((s) => s.evaluation);
  const lanePolicies = useApp((s) => s.playground?.lanes.map((l) => l.policy).join());
  const task = useApp((s) => s.playground?.task ?? s.config.task);
  const taskSuites = suiteTable(task).names as readonly string[];
  const [policies, setPolicies] = useState<LivePolicyName[] | null>(null);
  const [picked, setSuites] = useState<string[]>(DEFAULT_SUITES);
  // Suites picked on another task that this one lacks (tilt on Push-T) are not run.
  const suites = picked.filter((s) => taskSuites.includes(s));
  const [episodes, setEpisodes] = useState(DEFAULT_EPISODES);
  const chosen = policies ?? ((lanePolicies?.split(',') ?? ['expert']) as LivePolicyName[]);
  const running = progress?.running ?? false;
  return (
    <section className="panel eval-panel" aria-label="Evaluation" data-testid="eval-panel">
      <header className="panel-header">
        <h2>Evaluate</h2>
      </header>
      <div className="checks" role="group" aria-label="policies to evaluate">
        {LIVE_POLICIES.map((p) => (
          <label key={p}>
            <input type="checkbox" checked={chosen.includes(p)} disabled={running} onChange={() => setPolicies(toggle(chosen, p))} /> {p}
          </label>
        ))}
      </div>
      <div className="checks" role="group" aria-label="suites">
        {taskSuites.map((s) => (
          <label key={s}>
            <input type="checkbox" checked={suites.includes(s)} disabled={running} onChange={() => setSuites(toggle(suites, s))} /> {s}
          </label>
        ))}
      </div>
      <div className="button-row">
        <label>
          episodes{' '}
          <input className="param-value episodes" type="number" min={1} max={1000} value={episodes} disabled={running} aria-label="episodes" onChange={(e) => setEpisodes(Number(e.target.value))} />
        </label>
        <button type="button" aria-label="run evaluation" disabled={running || chosen.length === 0 || suites.length === 0} onClick={() => void controls().startEval(chosen, suites, episodes)}>
          run
        </button>
        <button type="button" aria-label="stop evaluation" disabled={!running} onClick={() => void controls().stopEval()}>
          stop
        </button>
      </div>
      {progress && (
        <>
          <p className="training-status" data-testid="eval-status">
            {progress.task}: {progress.current ? `${progress.current.policy} on ${progress.current.suite}: ${progress.current.finished} / ${progress.episodes} episodes` : `${progress.rows.length} of ${progress.policies.length * progress.suites.length} done`}
            {progress.outcome ? ` · ${progress.outcome}` : ''} · seed {progress.seed}
          </p>
          {progress.warnings.map((w) => (
            <p key={w} className="param-error" role="alert" data-testid="eval-warning">
              warning: {w}
            </p>
          ))}
          {progress.rows.length > 0 && (
            <div className="table-scroll">
              <table className="bench eval-table" data-testid="eval-table">
                <thead>
                  <tr>
                    <th>policy / suite</th>
                    <th title="success rate [Wilson 95% interval]">success</th>
                    <th title="mean final coverage ± 95% half-width">cov.</th>
                    <th title="mean ‖Δz‖ per step (normalised units)">‖Δz‖</th>
                    <th title="mean ‖b‖ per step (normalised units)">‖b‖</th>
                    <th title="mean steps to success (successful episodes)">steps</th>
                  </tr>
                </thead>
                <tbody>
                  {progress.rows.map((r) => (
                    <tr key={`${r.policy}-${r.suite}`} title={`${r.label}; ${r.perturbation}; ${r.summary.episodes} episodes in ${r.seconds.toFixed(1)} s${r.summary.priorCallsPer100Steps === null ? '' : `; ${r.summary.priorCallsPer100Steps.toFixed(1)} prior calls per 100 steps`}`}>
                      <td>
                        {r.policy}
                        <span className="spread">{r.suite}</span>
                      </td>
                      <td>
                        {pct(r.summary.successRate)}
                        <span className="spread">
                          [{pct(r.summary.successCI.lo)}, {pct(r.summary.successCI.hi)}]
                        </span>
                      </td>
                      <td>
                        {num(r.summary.meanFinalCoverage.mean, 2)}
                        <span className="spread">± {num((r.summary.meanFinalCoverage.ci.hi - r.summary.meanFinalCoverage.ci.lo) / 2, 2)}</span>
                      </td>
                      <td>{num(r.summary.meanDeltaZ)}</td>
                      <td>{num(r.summary.meanReflex)}</td>
                      <td>{num(r.summary.meanStepsToSuccess?.mean, 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
