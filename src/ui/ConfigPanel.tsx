// The side panel's parameters, generated from the config schema and grouped as GROUPS lists them.
import { CONFIG_KEYS, GROUPS, SCHEMA, type Group } from '../core/config';
import { ParamControl } from './ParamControl';
import { useApp } from './store';

/** Groups shown expanded at load: the ones a person changes while watching a rollout. */
const OPEN_AT_LOAD: readonly Group[] = ['task', 'sde', 'reward'];

export function ConfigPanel() {
  const resetAll = useApp((s) => s.resetAll);
  return (
    <section className="panel config-panel" aria-label="Parameters">
      <header className="panel-header">
        <h2>Parameters</h2>
        <button type="button" onClick={resetAll} title="Reset every parameter to its default">
          Reset all
        </button>
      </header>
      {GROUPS.map((g) => (
        <details key={g.id} className="param-group" data-group={g.id} open={OPEN_AT_LOAD.includes(g.id)}>
          <summary>{g.label}</summary>
          {CONFIG_KEYS.filter((k) => SCHEMA[k].group === g.id).map((k) => (
            <ParamControl key={k} name={k} />
          ))}
        </details>
      ))}
    </section>
  );
}
