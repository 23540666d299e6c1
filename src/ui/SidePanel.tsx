// The side panel as tabs (WAI-ARIA tabs pattern: arrow keys, Home and End move between them and select). Every
// panel stays mounted and is only hidden, so a panel's own state (chosen stage, suites, slots, a chart) survives a
// switch; training and evaluation progress live in the store anyway.
import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { CheckpointsPanel } from './CheckpointsPanel';
import { ConfigPanel } from './ConfigPanel';
import { EnginePanel } from './EnginePanel';
import { EvalPanel } from './EvalPanel';
import { NoticeLog } from './Messages';
import { PlaygroundPanel } from './PlaygroundPanel';
import { TrainingPanel } from './TrainingPanel';

export const SIDE_TABS = ['Run', 'Train', 'Evaluate', 'Parameters', 'Engine', 'Checkpoints'] as const;
export type SideTab = (typeof SIDE_TABS)[number];

const PANELS: Record<SideTab, ReactNode> = {
  Run: <PlaygroundPanel />,
  Train: <TrainingPanel />,
  Evaluate: <EvalPanel />,
  Parameters: <ConfigPanel />,
  Engine: (
    <>
      <EnginePanel />
      <NoticeLog />
    </>
  ),
  Checkpoints: <CheckpointsPanel />,
};

const tabId = (t: SideTab) => `side-tab-${t.toLowerCase()}`;
const panelId = (t: SideTab) => `side-panel-${t.toLowerCase()}`;

export function SidePanel() {
  const [active, setActive] = useState<SideTab>('Run');
  const tabRefs = useRef(new Map<SideTab, HTMLButtonElement>());
  const select = (t: SideTab) => {
    setActive(t);
    tabRefs.current.get(t)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const i = SIDE_TABS.indexOf(active);
    const n = SIDE_TABS.length;
    const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    // Keys here must not reach the page's shortcuts (keyboard.ts): an arrow moves between tabs, not the block.
    e.stopPropagation();
    select(SIDE_TABS[to]);
  };
  return (
    <aside className="side-panel">
      <div className="side-tabs" role="tablist" aria-label="Side panel" onKeyDown={onKeyDown}>
        {SIDE_TABS.map((t) => (
          <button
            key={t}
            ref={(el) => {
              if (el) tabRefs.current.set(t, el);
            }}
            type="button"
            role="tab"
            id={tabId(t)}
            aria-selected={t === active}
            aria-controls={panelId(t)}
            tabIndex={t === active ? 0 : -1}
            onClick={() => setActive(t)}
          >
            {t}
          </button>
        ))}
      </div>
      {SIDE_TABS.map((t) => (
        <div key={t} className="side-tab-panel" role="tabpanel" id={panelId(t)} aria-labelledby={tabId(t)} hidden={t !== active} tabIndex={0}>
          {PANELS[t]}
        </div>
      ))}
    </aside>
  );
}
