// Wires the engine worker to the store: engine events land in the store, config changes go to the engine.
import type { Config } from '../core/config';
import type { EngineClient } from '../engine/client';
import type { AppStore } from './store';

export function connectEngine(store: AppStore, client: EngineClient, backendParam: string | null): void {
  const { addNotice, setBackend, setSnapshot, setEngineConfig } = store.getState();
  client.on('notice', (e) => addNotice(e.notice));
  client.on('backend', (e) => setBackend(e.state));
  client.on('snapshot', (e) => setSnapshot(e.snapshot));
  const failed = (what: string) => (err: unknown) =>
    addNotice({ level: 'error', source: 'engine', message: `${what}: ${err instanceof Error ? err.message : String(err)}` });

  // The worker answers in order, so the last acknowledged config is the one the engine holds.
  const sendConfig = (config: Config) =>
    client.request('setConfig', { config }).then((r) => {
      setEngineConfig(r.config);
      for (const e of r.errors) addNotice({ level: 'error', source: 'config', message: `engine refused ${e.field}: ${e.message}` });
    }, failed('setConfig'));

  client.request('init', { backendParam, config: store.getState().config }).then(setBackend, failed('engine start'));
  void sendConfig(store.getState().config);
  store.subscribe((s, prev) => {
    if (s.config !== prev.config) void sendConfig(s.config);
  });
}
