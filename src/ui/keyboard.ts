// Keyboard shortcuts: one table drives both the key handling and the help overlay's list.
import { controls } from './controls';
import type { AppStore } from './store';

export interface Shortcut {
  keys: string[];
  label: string;
  run(store: AppStore): void;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: [' '], label: 'play / pause', run: () => void controls().togglePlay() },
  { keys: ['s'], label: 'one control step (pauses)', run: () => void controls().step() },
  { keys: ['r'], label: 'reset: apply the whole config, episode 0 of the seed', run: () => void controls().reset() },
  { keys: ['n'], label: 'next episode', run: () => void controls().nextEpisode() },
  { keys: ['1'], label: 'top-down 2D view', run: () => void controls().setView('2d') },
  { keys: ['2'], label: '3D view (drag empty table to orbit, wheel to zoom)', run: () => void controls().setView('3d') },
  { keys: ['3'], label: 'two policies side by side', run: () => void controls().setView('side') },
  { keys: ['l'], label: 'show / hide the legend', run: (store) => store.getState().setLegendOpen(!store.getState().legendOpen) },
  { keys: ['?'], label: 'this help', run: (store) => store.getState().setHelpOpen(!store.getState().helpOpen) },
  { keys: ['Escape'], label: 'close the help', run: (store) => store.getState().setHelpOpen(false) },
];

/** Names shown for keys that print as nothing. */
export const KEY_NAMES: Record<string, string> = { ' ': 'Space', Escape: 'Esc' };

/** Typing in a field, or a key with a modifier, is never a shortcut. */
function ignored(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  if (t.isContentEditable) return true;
  if (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  // Sliders and checkboxes keep their own keys only for the arrows; letters still act as shortcuts.
  return t.tagName === 'INPUT' && !['range', 'checkbox', 'button'].includes((t as HTMLInputElement).type);
}

export function installShortcuts(store: AppStore): void {
  window.addEventListener('keydown', (e) => {
    if (ignored(e)) return;
    const s = SHORTCUTS.find((sc) => sc.keys.includes(e.key));
    if (!s) return;
    // Space on a focused button would also click it; the shortcut alone acts.
    e.preventDefault();
    s.run(store);
  });
}
