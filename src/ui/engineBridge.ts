// Wires the engine worker to the store: engine events land in the store, config changes go to the engine.
// Once the engine has a backend, the playground starts with the shipped checkpoints (no action needed).
// Live frames go to liveFeed for the render loops; the store gets a summary a few times per second.
import type { Config } from '../core/config';
import type { EngineClient } from '../engine/client';
import { controls } from './controls';
import { liveFeed } from './live';
import { summarise } from './liveSummary';
import type { AppStore } from './store';

/** How often the panels see the live state, ms (the views redraw every display frame regardless). */
const SUMMARY_INTERVAL_MS = 250;
const FPS_REFRESH_MS = 1000;

/**
 * Where the playground's checkpoints are: public/checkpoints/push-t/ under the app's base URL, or the folder a
 * `?checkpoints=URL` parameter names (relative to the page; e.g. a training run served next to the app).
 */
export function checkpointBase(param: string | null): string {
  const folder = param ?? `${import.meta.env.BASE_URL}checkpoints/push-t/`;
  return new URL(folder.endsWith('/') ? folder : `${folder}/`, location.href).href;
}

export function connectEngine(store: AppStore, client: EngineClient, params: URLSearchParams): void {
  const backendParam = params.get('backend');
  const { addNotice, setBackend, setSnapshot, setEngineConfig } = store.getState();
  client.on('notice', (e) => addNotice(e.notice));
  client.on('backend', (e) => setBackend(e.state));
  client.on('snapshot', (e) => setSnapshot(e.snapshot));
  client.on('playground', (e) => store.getState().setPlayground(e.status));
  client.on('training', (e) => store.getState().setTraining(e.progress));
  client.on('evaluation', (e) => store.getState().setEvaluation(e.progress));
  let lastSummary = 0;
  let trailing: ReturnType<typeof setTimeout> | null = null;
  const publish = () => {
    lastSummary = performance.now();
    store.getState().setLive(liveFeed.latest ? summarise(liveFeed.latest) : null, liveFeed.fps());
  };
  client.on('frame', (e) => {
    liveFeed.push(e.frame);
    if (performance.now() - lastSummary >= SUMMARY_INTERVAL_MS) publish();
    else
      trailing ??= setTimeout(() => {
        trailing = null;
        publish();
      }, SUMMARY_INTERVAL_MS);
  });
  const failed = (what: string) => (err: unknown) =>
    addNotice({ level: 'error', source: 'engine', message: `${what}: ${err instanceof Error ? err.message : String(err)}` });

  // The worker answers in order, so the last acknowledged config is the one the engine holds.
  const sendConfig = (config: Config) =>
    client.request('setConfig', { config }).then((r) => {
      setEngineConfig(r.config);
      for (const e of r.errors) addNotice({ level: 'error', source: 'config', message: `engine refused ${e.field}: ${e.message}` });
    }, failed('setConfig'));

  client
    .request('init', { backendParam, config: store.getState().config })
    .then((b) => {
      setBackend(b);
      return client.request('playgroundStart', { checkpointBase: checkpointBase(params.get('checkpoints')) });
    })
    .then((status) => {
      store.getState().setPlayground(status);
      if (params.has('bench')) void controls().runBench();
    }, failed('engine start'));
  // The frame rate keeps updating while the playground is paused (no frames arrive then).
  setInterval(publish, FPS_REFRESH_MS);
  void sendConfig(store.getState().config);
  store.subscribe((s, prev) => {
    if (s.config !== prev.config) void sendConfig(s.config);
  });
}
