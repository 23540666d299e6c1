// Wires the engine worker to the store: engine events land in the store, config changes go to the engine.
// Once the engine has a backend, the playground starts with the shipped checkpoints (no action needed); a change
// of config.task starts it again on that task, with that task's checkpoints and its default view.
// Live frames go to liveFeed for the render loops; the store gets a summary a few times per second.
import type { Config } from '../core/config';
import type { EngineClient } from '../engine/client';
import { keepBackendChoice, loadBackendMemory } from './backendMemoryStore';
import { controls } from './controls';
import { liveFeed } from './live';
import { summarise } from './liveSummary';
import type { AppStore, ViewMode } from './store';

/** How often the panels see the live state, ms (the views redraw every display frame regardless). */
const SUMMARY_INTERVAL_MS = 250;
const FPS_REFRESH_MS = 1000;

/**
 * Where the playground's checkpoints for `task` are: public/checkpoints/<task>/ under the app's base URL, or the
 * folder a `?checkpoints=URL` parameter names (relative to the page; e.g. a training run served next to the app).
 */
export function checkpointBase(param: string | null, task: string): string {
  const folder = param ?? `${import.meta.env.BASE_URL}checkpoints/${task}/`;
  return new URL(folder.endsWith('/') ? folder : `${folder}/`, location.href).href;
}

/** The view a task opens in: push-3d's object tips, so it shows in 3D; Push-T is planar. */
const TASK_VIEW: Record<string, ViewMode> = { 'push-t': '2d', 'push-3d': '3d' };

export function connectEngine(store: AppStore, client: EngineClient, params: URLSearchParams): void {
  const backendParam = params.get('backend');
  const wasmThreadsParam = params.get('wasmThreads');
  const wasmKernelsParam = params.get('wasmKernels');
  // `?checkpoints=` names the folder of the task the page opened with; other tasks load their shipped folder.
  const openedWith = store.getState().config.task;
  const baseFor = (task: string) => checkpointBase(task === openedWith ? params.get('checkpoints') : null, task);
  const showTaskView = (task: string) => {
    const s = store.getState();
    if (s.view !== 'side' && TASK_VIEW[task]) s.setView(TASK_VIEW[task]);
  };
  showTaskView(openedWith);
  const { addNotice, setBackend, setSnapshot, setEngineConfig } = store.getState();
  client.on('notice', (e) => addNotice(e.notice));
  client.on('backend', (e) => setBackend(e.state));
  client.on('startup', (e) => store.getState().setStartup(e.progress));
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
  client.on('frame', (e) => liveFeed.push(e.frame));
  liveFeed.subscribe(() => {
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
    .request('init', { backendParam, wasmThreadsParam, wasmKernelsParam, config: store.getState().config, remembered: loadBackendMemory() })
    .then((b) => {
      setBackend(b);
      keepBackendChoice(b);
      return client.request('playgroundStart', { checkpointBase: baseFor(store.getState().config.task) });
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
    // After the config (the worker answers in order), so the engine starts the playground on the new task.
    if (s.config.task !== prev.config.task && s.playground !== null) switchTask(s.config.task);
  });
  const switchTask = (task: string) => {
    showTaskView(task);
    client.request('playgroundStart', { checkpointBase: baseFor(task) }).then((status) => {
      store.getState().setPlayground(status);
      void controls().refreshSaved(); // checkpoints saved in this browser are kept per task
      // The new playground runs its default policies: put back the ones the current view shows.
      return controls().setView(store.getState().view);
    }, failed('task switch'));
  };
}
