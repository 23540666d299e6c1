// Everything a person (or the test hook) can ask of the playground, in one place: intents to the engine,
// the view and policy choice, and the exports. Buttons, keyboard shortcuts and window.__sagr all call these.
import type { EngineClient } from '../engine/client';
import { LANE_SETTING_KEYS, type LaneSettings } from '../engine/laneSettings';
import { checkpointKey, checkpointSlots, defaultPair, type LivePolicyName, type ModuleName } from '../engine/livePolicies';
import { parseSavedKey, savedKey } from '../engine/savedCheckpoint';
import type { PpoStage, TrainStage } from '../engine/trainingProgress';
import type { PlaygroundIntent } from '../engine/protocol';
import { deleteStored, getStored, listStored, putStored } from './browserStore';
import { perturbationSpec } from './perturbSpec';
import { installScrub, type ScrubControls } from './scrub';
import { views } from './scene/viewRegistry';
import type { AppStore, ViewMode } from './store';

/** The shipped demonstrations of `task` (training data), under the app's base URL. */
export function demosUrl(task: string): string {
  return new URL(`${import.meta.env.BASE_URL}data/${task}-demos.bin`, location.href).href;
}

/** Batch sizes of the inference benchmark (one env as in the playground, and a rollout-sized batch). */
export const BENCH_BATCHES = [1, 64];

export interface Controls {
  intent(intent: PlaygroundIntent): Promise<void>;
  /** Scrub back through the recorded ticks and replay them (while paused). */
  scrub: ScrubControls;
  play(): Promise<void>;
  pause(): Promise<void>;
  togglePlay(): Promise<void>;
  step(): Promise<void>;
  reset(): Promise<void>;
  nextEpisode(): Promise<void>;
  setSpeed(stepsPerSecond: number | null): Promise<void>;
  shove(dx: number, dy: number, dtheta: number): Promise<void>;
  /** Applies one of the task's live suites (perturbSpec.ts) to every lane; 'nominal' clears a lasting one. */
  perturb(kind: string): Promise<void>;
  setView(view: ViewMode): Promise<void>;
  /** The policy of the single view (lane 0) or of one side of the pair. */
  setPolicy(lane: number, policy: LivePolicyName): Promise<void>;
  /** Overrides of live parameters for one lane (null: follow the config), e.g. lane 1 at n = 16 beside lane 0 at 4. */
  setLaneSettings(lane: number, settings: Partial<LaneSettings>): Promise<void>;
  exportConfig(): void;
  exportRollout(lane: number): Promise<void>;
  exportPng(): Promise<void>;
  runBench(): Promise<void>;
  /** Downloads the module in checkpoint slot `slot` (e.g. "prior", "ppo/strategy") as <name>.json + <name>.weights.bin. */
  saveModule(slot: string): Promise<void>;
  /** Replaces the module in `slot` by an uploaded checkpoint: the .json manifest and its .weights.bin. */
  uploadModule(slot: string, files: readonly File[]): Promise<void>;
  /** Lists the checkpoints saved in this browser (into the store). */
  refreshSaved(): Promise<void>;
  /** Saves the module in `slot` to this browser's IndexedDB as `name`. */
  saveToBrowser(slot: string, name: string): Promise<void>;
  /** Replaces the module in `slot` by saved checkpoint `key` (validated; a bad one changes nothing). */
  loadFromBrowser(key: string, slot: string): Promise<void>;
  deleteSaved(key: string): Promise<void>;
  /** Every slot back to the shipped checkpoints (stand-ins where none is shipped). */
  restoreShipped(): Promise<void>;
  startTraining(stage: TrainStage, iters: number): Promise<void>;
  /** Stage 2 (PPO) for `iters` iterations on the playground's modules. */
  startPpo(stage: PpoStage, iters: number): Promise<void>;
  /** Continues the latest PPO run (stopped or finished) until iteration `iters` of the whole run. */
  continuePpo(iters: number): Promise<void>;
  /** Pauses a PPO run (mid-iteration, at its next yield) or resumes it. */
  pauseTraining(paused: boolean): Promise<void>;
  startEval(policies: LivePolicyName[], suites: string[], episodes: number): Promise<void>;
  stopEval(): Promise<void>;
  stopTraining(): Promise<void>;
}

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 0);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The module a checkpoint slot runs (e.g. "ppo/reflex" → reflex). */
function slotModule(slot: string): ModuleName {
  const found = checkpointSlots().find(([folder, m]) => checkpointKey(folder, m) === slot);
  if (!found) throw new Error(`slot: "${slot.slice(0, 40)}" is not one of ${checkpointSlots().map(([f, m]) => checkpointKey(f, m)).join(', ')}`);
  return found[1];
}

let installed: Controls | null = null;

/** The controls (installed once at start by main.tsx). */
export function controls(): Controls {
  if (!installed) throw new Error('controls: not installed');
  return installed;
}

export function installControls(store: AppStore, client: EngineClient): Controls {
  const fail = (what: string) => (e: unknown) => {
    store.getState().addNotice({ level: 'error', source: 'engine', message: `${what}: ${message(e)}` });
  };
  const intent = (i: PlaygroundIntent) => client.request('playgroundIntent', { intent: i }).then(() => undefined, fail(i.kind));
  const trained = () => new Set(store.getState().playground?.trained ?? []);
  /** The task the lanes run: checkpoints saved in this browser are kept per task. */
  const playgroundTask = () => store.getState().playground?.task ?? store.getState().config.task;
  const lanePolicies = () => store.getState().playground?.lanes.map((l) => l.policy) ?? [];
  const stamp = () => `liveSeed${store.getState().config.liveSeed}-ep${store.getState().live?.episode ?? 0}`;

  /** The policies the current view needs: one for 2D/3D, the pair side by side. */
  const wanted = (view: ViewMode): LivePolicyName[] => {
    const s = store.getState();
    if (view === 'side') return s.pair ?? defaultPair(trained());
    return [s.singlePolicy ?? lanePolicies()[0] ?? 'expert'];
  };
  const syncPolicies = async (view: ViewMode) => {
    const want = wanted(view);
    if (want.join() !== lanePolicies().join()) await intent({ kind: 'policies', policies: want });
    // A playground started afresh (a task switch) has no overrides yet: send the lanes' again.
    const lanes = store.getState().playground?.lanes ?? [];
    for (const [i, lane] of lanes.entries()) {
      const asked = store.getState().laneSettings[i];
      if (LANE_SETTING_KEYS.some((k) => lane.settings[k] !== asked[k])) await intent({ kind: 'laneSettings', lane: i, settings: asked });
    }
  };

  const scrub = installScrub(store, client);
  /** Intents that change what the engine shows leave a scrubbed frame for the engine's. */
  const live = (i: PlaygroundIntent) => {
    scrub.close();
    return intent(i);
  };

  const c: Controls = {
    intent,
    scrub,
    play: () => live({ kind: 'play' }),
    pause: () => intent({ kind: 'pause' }),
    togglePlay: () => live({ kind: store.getState().live?.running === false ? 'play' : 'pause' }),
    step: () => live({ kind: 'step' }),
    reset: () => live({ kind: 'reset' }),
    nextEpisode: () => live({ kind: 'nextEpisode' }),
    setSpeed: (stepsPerSecond) => intent({ kind: 'speed', stepsPerSecond }),
    shove: (dx, dy, dtheta) => live({ kind: 'shove', dx, dy, dtheta }),
    perturb: (kind) => live({ kind: 'perturb', spec: kind === 'nominal' ? 'nominal' : perturbationSpec(playgroundTask(), kind, store.getState().config) }),
    async setView(view) {
      const s = store.getState();
      // Entering the pair keeps what ran alone as the single view's policy for the way back.
      if (view === 'side' && s.view !== 'side' && s.singlePolicy === null && lanePolicies()[0]) s.setSinglePolicy(lanePolicies()[0]);
      s.setView(view);
      await syncPolicies(view);
    },
    async setPolicy(lane, policy) {
      const s = store.getState();
      if (s.view === 'side') {
        const pair = [...wanted('side')] as [LivePolicyName, LivePolicyName];
        pair[lane] = policy;
        s.setPair(pair);
      } else s.setSinglePolicy(policy);
      await syncPolicies(s.view);
    },
    async setLaneSettings(lane, settings) {
      try {
        await client.request('playgroundIntent', { intent: { kind: 'laneSettings', lane, settings } });
        // Kept once the engine took it (a valid lane, 0 or 1), so a refused value is never sent again.
        store.getState().setLaneSettings(lane, settings);
      } catch (e) {
        fail('laneSettings')(e);
      }
    },
    exportConfig() {
      const config = store.getState().config;
      download(new Blob([JSON.stringify(config, null, 2) + '\n'], { type: 'application/json' }), `sagr-config-seed${config.seed}.json`);
    },
    async exportRollout(lane) {
      try {
        const { npz } = await client.request('exportRollout', { lane });
        const policy = lanePolicies()[lane] ?? 'policy';
        download(new Blob([npz as BlobPart], { type: 'application/zip' }), `sagr-rollout-${policy}-${stamp()}.npz`);
      } catch (e) {
        fail('export rollout')(e);
      }
    },
    async exportPng() {
      const shown = [...views.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      if (!shown.length) return;
      // Render each view and copy it at once, in the same task, while its drawing buffer still holds the frame.
      const width = shown.reduce((w, v) => w + v.canvas.width, 0);
      const height = Math.max(...shown.map((v) => v.canvas.height));
      const out = new OffscreenCanvas(width, height);
      const ctx = out.getContext('2d')!;
      let x = 0;
      for (const v of shown) {
        v.renderNow();
        ctx.drawImage(v.canvas, x, 0);
        x += v.canvas.width;
      }
      download(await out.convertToBlob({ type: 'image/png' }), `sagr-view-${store.getState().view}-${stamp()}.png`);
    },
    async saveModule(slot) {
      try {
        const f = await client.request('saveModule', { slot });
        download(new Blob([f.json], { type: 'application/json' }), f.jsonName);
        download(new Blob([f.weights as BlobPart], { type: 'application/octet-stream' }), f.weightsName);
      } catch (e) {
        fail(`save ${slot}`)(e);
      }
    },
    async uploadModule(slot, files) {
      const json = files.find((f) => f.name.endsWith('.json'));
      const weights = files.find((f) => !f.name.endsWith('.json'));
      if (files.length !== 2 || !json || !weights) {
        fail(`upload ${slot}`)(new Error(`choose two files, the checkpoint's .json manifest and its weights file (got ${files.length}: ${files.map((f) => f.name).join(', ') || 'none'})`));
        return;
      }
      try {
        await client.request('uploadModule', { slot, json: await json.text(), weightsName: weights.name, weights: await weights.arrayBuffer() });
        store.getState().addNotice({ level: 'info', source: 'engine', message: `${slot}: now runs the uploaded ${weights.name}` });
      } catch (e) {
        fail(`upload ${slot}`)(e);
      }
    },
    async refreshSaved() {
      try {
        store.getState().setSaved(await listStored(playgroundTask()));
      } catch (e) {
        fail('list saved checkpoints')(e);
      }
    },
    async saveToBrowser(slot, name) {
      try {
        const module = slotModule(slot);
        const key = savedKey(playgroundTask(), module, name);
        const f = await client.request('saveModule', { slot });
        const weights = f.weights.slice().buffer as ArrayBuffer;
        await putStored({ key, task: playgroundTask(), module, name, savedAt: new Date().toISOString(), bytes: weights.byteLength }, { key, json: f.json, weightsName: f.weightsName, weights });
        store.getState().setSaved(await listStored(playgroundTask()));
        store.getState().addNotice({ level: 'info', source: 'engine', message: `${slot}: saved in this browser as "${name}"` });
      } catch (e) {
        fail(`save ${slot} in this browser`)(e);
      }
    },
    async loadFromBrowser(key, slot) {
      try {
        const parts = parseSavedKey(key);
        if (!parts) throw new Error(`key: "${key.slice(0, 60)}" is not a saved checkpoint`);
        const module = slotModule(slot);
        if (parts.module !== module) throw new Error(`"${parts.name}" holds a ${parts.module}; this slot runs a ${module}`);
        const files = await getStored(key);
        if (!files) throw new Error(`no saved checkpoint "${parts.name}" (${parts.module}) in this browser`);
        const source = `saved in this browser: ${parts.name}`;
        await client.request('uploadModule', { slot, json: files.json, weightsName: files.weightsName, weights: files.weights, source }).catch((e: unknown) => {
          throw new Error(`"${parts.name}" cannot be loaded: ${message(e)}`);
        });
        store.getState().addNotice({ level: 'info', source: 'engine', message: `${slot}: now runs "${parts.name}" saved in this browser` });
      } catch (e) {
        fail(`load ${slot} from this browser`)(e);
      }
    },
    async deleteSaved(key) {
      try {
        await deleteStored(key);
        store.getState().setSaved(await listStored(playgroundTask()));
      } catch (e) {
        fail('delete saved checkpoint')(e);
      }
    },
    restoreShipped: () => client.request('restoreShipped', {}).then((status) => store.getState().setPlayground(status), fail('restore shipped defaults')),
    startTraining: (stage, iters) => client.request('trainStart', { stage, iters, demosUrl: demosUrl(playgroundTask()) }).then(() => undefined, fail(`train ${stage}`)),
    startPpo: (stage, iters) => client.request('ppoStart', { stage, iters }).then(() => undefined, fail(`train ${stage}`)),
    continuePpo: (iters) => client.request('ppoContinue', { iters }).then(() => undefined, fail('continue PPO')),
    pauseTraining: (paused) => client.request('trainPause', { paused }).then(() => undefined, fail(paused ? 'pause training' : 'resume training')),
    stopTraining: () => client.request('trainStop', {}).then(() => undefined, fail('stop training')),
    startEval: (policies, suites, episodes) => client.request('evalStart', { policies, suites, episodes }).then(() => undefined, fail('evaluate')),
    stopEval: () => client.request('evalStop', {}).then(() => undefined, fail('stop evaluation')),
    async runBench() {
      const s = store.getState();
      if (s.bench.running) return;
      s.setBench({ running: true, rows: s.bench.rows, error: null });
      try {
        const { rows } = await client.request('benchInference', { batches: BENCH_BATCHES });
        store.getState().setBench({ running: false, rows, error: null });
      } catch (e) {
        store.getState().setBench({ running: false, rows: null, error: message(e) });
      }
    },
  };
  installed = c;
  return c;
}
