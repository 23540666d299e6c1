// The side panel's Checkpoints tab: any slot's module as files (download, or upload a .json + .weights.bin), and
// the checkpoints kept in this browser.
import { useState } from 'react';
import { checkpointKey, checkpointSlots, POLICY_FOLDERS, POLICY_MODULES } from '../engine/livePolicies';
import { BrowserCheckpoints } from './BrowserCheckpoints';
import { controls } from './controls';
import { useApp } from './store';

function CheckpointFiles() {
  const lanePolicy = useApp((s) => s.playground?.lanes[0]?.policy ?? 'prior');
  const slots = checkpointSlots().map(([folder, m]) => checkpointKey(folder, m));
  const first = POLICY_MODULES[lanePolicy].required[0] ?? 'world';
  const [slot, setSlot] = useState<string | null>(null);
  const chosen = slot ?? checkpointKey(POLICY_FOLDERS[lanePolicy], first);
  return (
    <div className="button-row">
      <select aria-label="checkpoint slot" value={chosen} onChange={(e) => setSlot(e.target.value)} title="which module: the folder it lives in (ppo/: the sagr run) and its name">
        {slots.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => void controls().saveModule(chosen)} title="download its weights: <name>.json + <name>.weights.bin">
        save
      </button>
      <label className="upload" title="choose the .json manifest and its .weights.bin together; it is validated before anything changes">
        upload…
        <input
          type="file"
          multiple
          accept=".json,.bin"
          aria-label="upload checkpoint"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void controls().uploadModule(chosen, files);
          }}
        />
      </label>
    </div>
  );
}

export function CheckpointsPanel() {
  return (
    <section className="panel" aria-label="Checkpoints" data-testid="checkpoints-panel">
      <header className="panel-header">
        <h2>Files</h2>
      </header>
      <CheckpointFiles />
      <h2>In this browser</h2>
      <BrowserCheckpoints />
    </section>
  );
}
