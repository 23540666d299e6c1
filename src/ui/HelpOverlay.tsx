// The keyboard shortcuts and how to shove the block, over the page; `?` opens and closes it.
import { KEY_NAMES, SHORTCUTS } from './keyboard';
import { useApp } from './store';

export function HelpOverlay() {
  const open = useApp((s) => s.helpOpen);
  const setOpen = useApp((s) => s.setHelpOpen);
  if (!open) return null;
  return (
    <div className="help-backdrop" onClick={() => setOpen(false)}>
      <div className="help" role="dialog" aria-label="Keyboard shortcuts" data-testid="help" onClick={(e) => e.stopPropagation()}>
        {/* A div, not a header: inside the dialog a header would be a second banner landmark (axe-core). */}
        <div className="panel-header">
          <h2>Shortcuts</h2>
          <button type="button" aria-label="close help" onClick={() => setOpen(false)}>
            ×
          </button>
        </div>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.label}>
                <td>
                  {s.keys.map((k) => (
                    <kbd key={k}>{KEY_NAMES[k] ?? k}</kbd>
                  ))}
                </td>
                <td>{s.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <strong>Shove the block:</strong> drag it with the mouse (Shift + drag turns it), or focus the view (Tab or a click) and press
          the arrow keys (Shift + arrow keys turn it). The shove lands at the next control step; a dashed outline shows
          where it goes until then. Φ did not predict it, so Δz spikes on the moved tokens, and the reflex answers in the next steps.
        </p>
        <p className="muted">Parameters marked "applies on restart" take effect at the next reset (r); the others change the running policy at once.</p>
      </div>
    </div>
  );
}
