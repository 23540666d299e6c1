// What the marks on the table mean: the Δz colour scale and gain, the token marks, the action-term arrows.
import { DECOMPOSITION_TERMS } from '../engine/liveFrame';
import { RESIDUAL_SCALE_PX, residualGradientCss } from './scene/colorScale';
import { TERM_COLORS, TOKEN_COLORS } from './scene/liveLayer';
import { useApp } from './store';

const hex = (c: number) => `#${c.toString(16).padStart(6, '0')}`;
const TERM_HELP: Record<(typeof DECOMPOSITION_TERMS)[number], string> = {
  prior: 'prior v_θ (pusher → its point)',
  reflex: 'reflex g_b·b_ψ',
  strategy: 'strategy g_η·η_φ',
  noise: 'noise σ dW',
  total: 'total → commanded target',
};

export function Legend() {
  const gain = useApp((s) => s.deltaZGain);
  const open = useApp((s) => s.legendOpen);
  // push-3d is drawn in millimetres (its layer scales Δz to them), Push-T in its pixels.
  const unit = useApp((s) => ((s.playground?.task ?? 'push-t') === 'push-t' ? 'px' : 'mm'));
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
      <div className="legend-note">arrows ×{gain} (Δz and the corrections)</div>
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
    </div>
  );
}
