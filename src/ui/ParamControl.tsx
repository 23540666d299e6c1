// One parameter's control, generated from its schema entry: a slider (linear or log) with an editable value,
// a select for an enum, a checkbox for a bool; each with its help as tooltip and a reset to the default.
import { useState, type KeyboardEvent } from 'react';
import { SCHEMA, type ConfigKey, type NumberParam } from '../core/config';
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
      <span className="param-unit">{p.unit ?? ''}</span>
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
  // A parameter that is not live and differs from what the running episodes started with waits for a reset.
  const waiting = useApp((s) => !p.live && s.playground !== null && s.playground.runConfig[name] !== s.config[name]);
  const help = `${p.help}${p.live ? ' (applies live)' : ' (applies on restart)'}`;
  return (
    <div className={`param param-${p.kind}`} data-param={name} title={help}>
      <label htmlFor={`param-${name}`} className="param-name">
        {name}
      </label>
      {p.kind === 'enum' ? <EnumInput name={name} options={p.options} /> : p.kind === 'bool' ? <BoolInput name={name} /> : <NumberInput name={name} p={p} />}
      <button type="button" className="param-reset" title={`Reset to the default (${String(p.default)})`} aria-label={`reset ${name}`} disabled={value === p.default} onClick={() => resetParam(name)}>
        ↺
      </button>
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
