// Checkpoints kept in this browser (IndexedDB): save any slot's module under a name, load a saved one into any slot
// that runs the same module, delete, and go back to the shipped defaults. The engine validates a checkpoint
// before anything changes; a refused one leaves a notice naming the reason.
import { useEffect, useState } from 'react';
import { checkpointKey, checkpointSlots } from '../engine/livePolicies';
import { controls } from './controls';
import { useApp } from './store';

const DEFAULT_NAME = 'my checkpoint';

export function BrowserCheckpoints() {
  const saved = useApp((s) => s.saved);
  const started = useApp((s) => s.playground !== null);
  const slots = checkpointSlots().map(([folder, m]) => ({ key: checkpointKey(folder, m), module: m }));
  const [slot, setSlot] = useState(slots[0].key);
  const [name, setName] = useState(DEFAULT_NAME);
  const module = slots.find((s) => s.key === slot)!.module;
  useEffect(() => {
    if (started) void controls().refreshSaved();
  }, [started]);
  return (
    <div data-testid="browser-checkpoints">
      <div className="button-row">
        <select aria-label="slot for saved checkpoints" value={slot} onChange={(e) => setSlot(e.target.value)} title="the slot to save from or load into">
          {slots.map((s) => (
            <option key={s.key} value={s.key}>
              {s.key}
            </option>
          ))}
        </select>
        <input aria-label="saved checkpoint name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        <button type="button" disabled={!started} onClick={() => void controls().saveToBrowser(slot, name)} title="keep this slot's module in this browser (IndexedDB) under the name">
          save in browser
        </button>
      </div>
      {saved?.length === 0 && <p className="muted">Nothing saved in this browser yet.</p>}
      {saved && saved.length > 0 && (
        <ul className="saved-checkpoints">
          {saved.map((e) => (
            <li key={e.key} data-testid="saved-checkpoint">
              <span title={e.key}>
                {e.name} ({e.module}, {(e.bytes / 1024).toFixed(0)} kB, {e.savedAt.slice(0, 16).replace('T', ' ')})
              </span>{' '}
              <button type="button" disabled={e.module !== module} onClick={() => void controls().loadFromBrowser(e.key, slot)} title={e.module === module ? `run it in ${slot}` : `a ${e.module}: choose a slot that runs a ${e.module}`}>
                load into {slot}
              </button>{' '}
              <button type="button" onClick={() => void controls().deleteSaved(e.key)}>
                delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" disabled={!started} onClick={() => void controls().restoreShipped()} title="every slot back to the shipped checkpoints (random init where none is shipped)">
        restore shipped defaults
      </button>
    </div>
  );
}
