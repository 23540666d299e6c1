// One parameter's control, generated from its schema entry: its plain label and unit over a slider (linear or log)
// with an editable value, a select for an enum, a checkbox for a bool; the raw key beside the label, the help's
// first sentence under the control and the whole help as tooltip; and a reset to the default.
import { useState, type KeyboardEvent } from 'react';
import { helpSummary, SCHEMA, type ConfigKey, type NumberParam } from '../core/config';
import { formatValue, fromSlider, sliderRange, toSlider } from './sliderScale';
import { useApp } from './store';

function NumberInput({ name, p }: { name: ConfigKey; p: NumberParam }) {
  const value = useApp((s) => s.config[name]) as number;
  const setParam = useApp((s) => s.setParam);
  // Text being typed into the value box; null while it shows the current value.
  const [draft, setDraft] = useState<string | null>(null);
  const range = sliderRange(p);
  const commit = () => {
    if (draft !== null && setParam(name, draft.trim())) setDraft(null);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
    if (e.key === 'Escape') setDraft(null);
  };
  return (
    <>
      <input
        type="range"
        id={`param-${name}`}
        aria-label={name}
        min={range.min}
        max={range.max}
        step={range.step}
        value={toSlider(p, value)}
        onChange={(e) => {
          setDraft(null);
          setParam(name, fromSlider(p, Number(e.target.value)));
        }}
      />
      <input
        type="text"
        className="param-value"
        aria-label={`${name} value`}
        spellCheck={false}
        value={draft ?? formatValue(p, value)}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={onKey}
      />
    </>
  );
}

function EnumInput({ name, options }: { name: ConfigKey; options: readonly string[] }) {
  const value = useApp((s) => s.config[name]) as string;
  const setParam = useApp((s) => s.setParam);
  return (
    <select id={`param-${name}`} aria-label={name} value={value} onChange={(e) => setParam(name, e.target.value)}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

function BoolInput({ name }: { name: ConfigKey }) {
  const value = useApp((s) => s.config[name]) as boolean;
  const setParam = useApp((s) => s.setParam);
  return <input type="checkbox" id={`param-${name}`} aria-label={name} checked={value} onChange={(e) => setParam(name, e.target.checked)} />;
}

export function ParamControl({ name }: { name: ConfigKey }) {
  const p = SCHEMA[name];
  const value = useApp((s) => s.config[name]);
  const error = useApp((s) => s.inputErrors[name]);
  const resetParam = useApp((s) => s.resetParam);
  // A draft typed into the value box (a rejected one stays to be corrected) is dropped by a reset: this one's, or
  // Reset all's, by remounting the box.
  const resets = useApp((s) => s.inputResets);
  const [ownResets, setOwnResets] = useState(0);
  // A parameter that is not live and differs from what the running episodes started with waits for a reset.
  const waiting = useApp((s) => !p.live && s.playground !== null && s.playground.runConfig[name] !== s.config[name]);
  const help = `${p.help}${p.live ? ' (applies live)' : ' (applies on restart)'}`;
  return (
    <div className={`param param-${p.kind}`} data-param={name} title={help}>
      <label htmlFor={`param-${name}`} className="param-name">
        <span className="param-label" data-testid={`label-${name}`}>
          {p.label}
          {'unit' in p && p.unit ? ` (${p.unit})` : ''}
        </span>
        <code className="param-key">{name}</code>
      </label>
      {p.kind === 'enum' ? <EnumInput name={name} options={p.options} /> : p.kind === 'bool' ? <BoolInput name={name} /> : <NumberInput key={`${resets}-${ownResets}`} name={name} p={p} />}
      <button
        type="button"
        className="param-reset"
        title={`Reset to the default (${String(p.default)})`}
        aria-label={`reset ${name}`}
        disabled={value === p.default && !error}
        onClick={() => {
          resetParam(name);
          setOwnResets((n) => n + 1);
        }}
      >
        ↺
      </button>
      <div className="param-help" data-testid={`help-${name}`}>
        {helpSummary(p)}
      </div>
      {waiting && (
        <div className="param-pending" data-testid={`pending-${name}`}>
          applies on restart (r)
        </div>
      )}
      {error && (
        <div className="param-error" role="alert">
          {name}: {error}
        </div>
      )}
    </div>
  );
}
