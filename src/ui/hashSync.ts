// Keeps the URL hash equal to the config: every change rewrites it (replaceState, so sliders do not flood the
// history), and a hash edited by hand is parsed again with the same validation as at load.
import { toHash } from '../core/config';
import type { AppStore } from './store';

export function syncHash(store: AppStore): void {
  const write = () => {
    const hash = `#${toHash(store.getState().config)}`;
    if (location.hash !== hash) history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
  };
  write();
  store.subscribe((s, prev) => {
    if (s.config !== prev.config) write();
  });
  // loadHash always yields a new config object, so the subscription above writes the cleaned hash back.
  window.addEventListener('hashchange', () => store.getState().loadHash(location.hash));
}
