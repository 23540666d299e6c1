// What the marks on the table mean and how large they are drawn: the Δz colour bar and Δz's scale, the token
// marks, the action-term arrows and their scale, and whether the noise increment is drawn. The auto scales'
// current gains are read a few times per second (they change with what the view shows, not with the store).
import { useEffect, useState } from 'react';
import { DECOMPOSITION_TERMS } from '../engine/liveFrame';
import { SCALE_MODES, autoScales, describeScale, type ScaleMode } from './scene/arrowScale';
import { AFTERIMAGE_MS } from './scene/afterimage';
import { RESIDUAL_SCALE_PX, residualGradientCss } from './scene/colorScale';
import { TERM_COLORS, TOKEN_COLORS } from './scene/liveLayer';
import { viewUnit } from './liveSummary';
import { useApp } from './store';

const hex = (c: number) => `#${c.toString(16).padStart(6, '0')}`;
const TERM_HELP: Record<(typeof DECOMPOSITION_TERMS)[number], string> = {
  prior: 'prior v_θ (pusher → its point)',
  reflex: 'reflex g_b·b_ψ',
  strategy: 'strategy g_η·η_φ',
  noise: 'noise σ dW',
  total: 'total → commanded target',
};
const GAIN_REFRESH_MS = 250;

function ScaleSelect({ label, value, onChange }: { label: string; value: ScaleMode; onChange: (m: ScaleMode) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as ScaleMode)}>
      {SCALE_MODES.map((m) => (
        <option key={m} value={m}>
          {m === 'auto' || m === 'log' ? m : `×${m}`}
        </option>
      ))}
    </select>
  );
}

export function Legend() {
  const open = useApp((s) => s.legendOpen);
  const arrows = useApp((s) => s.arrows);
  const setArrows = useApp((s) => s.setArrows);
  const unit = useApp((s) => viewUnit(s.playground?.task ?? 'push-t').name);
  const [gains, setGains] = useState({ deltaZ: 1, terms: 1 });
  useEffect(() => {
    if (!open) return;
    const read = () => {
      const now = performance.now();
      setGains({ deltaZ: autoScales.deltaZ.gain(now), terms: autoScales.terms.gain(now) });
    };
    read();
    const timer = setInterval(read, GAIN_REFRESH_MS);
    return () => clearInterval(timer);
  }, [open]);
  if (!open) return null;
  return (
    <div className="legend" data-testid="legend">
      <div className="legend-row">
        <span>‖Δz‖</span>
        <span className="legend-bar" style={{ background: residualGradientCss() }} />
        <span>
          0 – {RESIDUAL_SCALE_PX}+ {unit}
        </span>
      </div>
      <div className="legend-row">
        <span>Δz arrows, from Ŝ towards S:</span>
        <ScaleSelect label="Δz arrow scale" value={arrows.deltaZ} onChange={(deltaZ) => setArrows({ deltaZ })} />
        <span className="legend-note" data-testid="legend-deltaz-scale">
          {describeScale(arrows.deltaZ, gains.deltaZ, unit)}; a spike fades over {(AFTERIMAGE_MS / 1000).toFixed(1)} s
        </span>
      </div>
      <div className="legend-row">
        <span className="dot" style={{ background: hex(TOKEN_COLORS.keypoint) }} /> token S
        <span className="ring" style={{ borderColor: hex(TOKEN_COLORS.ghost) }} /> predicted Ŝ
        <span className="ring" style={{ borderColor: hex(TOKEN_COLORS.attention) }} /> reflex attention
      </div>
      <div className="legend-row wrap">
        {DECOMPOSITION_TERMS.map((t) => (
          <span key={t} className="legend-term">
            <span className="swatch" style={{ background: hex(TERM_COLORS[t]) }} />
            {TERM_HELP[t]}
          </span>
        ))}
      </div>
      <div className="legend-row">
        <span>reflex / strategy / noise arrows:</span>
        <ScaleSelect label="action increment arrow scale" value={arrows.terms} onChange={(terms) => setArrows({ terms })} />
        <span className="legend-note" data-testid="legend-terms-scale">
          {describeScale(arrows.terms, gains.terms, unit)}; prior and total at ×1
        </span>
        <label>
          <input type="checkbox" checked={arrows.showNoise} onChange={(e) => setArrows({ showNoise: e.target.checked })} /> noise
        </label>
      </div>
    </div>
  );
}
