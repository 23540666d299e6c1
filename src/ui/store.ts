// The UI's state: the config (the URL hash mirrors it), what the engine reports, and every message the person
// must see. Components read it through `useApp(selector)`; the engine bridge and the test hook use `appStore`.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { applyRaw, defaultConfig, parseHash, SCHEMA, type Config, type ConfigKey, type FieldError } from '../core/config';
import type { InferenceBenchRow } from '../engine/inferenceBench';
import { followConfig, type LaneSettings } from '../engine/laneSettings';
import type { LivePolicyName } from '../engine/livePolicies';
import type { EvaluationProgress } from '../engine/evaluationProgress';
import { isPpoStage, type TrainingProgress } from '../engine/trainingProgress';
import type { BackendState, EngineSnapshot, Notice, PlaygroundStatus, StartupProgress } from '../engine/protocol';
import type { SavedCheckpoint } from '../engine/savedCheckpoint';
import type { LiveSummary } from './liveSummary';
import type { ScaleMode } from './scene/arrowScale';
import type { ScrubState } from './scrub';

/** Oldest notices are dropped past this many, so a flapping error cannot grow the page without bound. */
const MAX_NOTICES = 20;

/** A notice as the page keeps it: a toast while `shown`, and a line of the notice log (Engine tab) until dropped. */
export interface ShownNotice extends Notice {
  /** Increasing per store, so a toast keeps its identity (and its timer) when older ones go. */
  id: number;
  /** False once dismissed or timed out: the toast is gone, the log keeps the notice. */
  shown: boolean;
  /** Date.now() when it arrived. */
  at: number;
}

/** The table views: top-down (orthographic), orbitable 3D (perspective), and two policies side by side. */
export const VIEW_MODES = ['2d', '3d', 'side'] as const;
export type ViewMode = (typeof VIEW_MODES)[number];

/** How the view draws its arrows: Δz and the action increments each on their own scale (arrowScale.ts), the noise increment or not. */
export interface ArrowSettings {
  deltaZ: ScaleMode;
  terms: ScaleMode;
  showNoise: boolean;
}
export const DEFAULT_ARROWS: ArrowSettings = { deltaZ: 'auto', terms: 'auto', showNoise: false };

export interface BenchState {
  running: boolean;
  rows: InferenceBenchRow[] | null;
  error: string | null;
}

export interface AppState {
  config: Config;
  /** Fields of the URL hash that were rejected (each kept at its default), with the reason. */
  hashErrors: FieldError[];
  /** The last rejected panel input per field. */
  inputErrors: Partial<Record<ConfigKey, string>>;
  /** Counts the times every typed value was dropped (Reset all, a new hash): the value boxes remount without their drafts. */
  inputResets: number;
  backend: BackendState | null;
  /** The engine's start-up stage (null before its first report). */
  startup: StartupProgress | null;
  snapshot: EngineSnapshot | null;
  /** The config the engine acknowledged last (null until the first reply). */
  engineConfig: Config | null;
  notices: ShownNotice[];
  view: ViewMode;
  helpOpen: boolean;
  legendOpen: boolean;
  /** What the playground loaded and runs (null until it has started). */
  playground: PlaygroundStatus | null;
  /** The live state a few times per second (the render loops read every frame from liveFeed instead). */
  live: LiveSummary | null;
  fps: number;
  /** The policies the person chose for the single view and for the side-by-side pair (null: the engine's choice). */
  singlePolicy: LivePolicyName | null;
  pair: [LivePolicyName, LivePolicyName] | null;
  arrows: ArrowSettings;
  /** Slow motion for a few seconds after a shove or a perturbation (slowMotion.ts). */
  slowAfterEvent: boolean;
  /** Scrubbing through the recorded ticks (null: the live frames are shown). */
  scrub: ScrubState | null;
  /** The per-lane overrides the person asked for (by lane index), sent again to a playground started afresh. */
  laneSettings: [LaneSettings, LaneSettings];
  bench: BenchState;
  /** The latest training run (null before the first). */
  training: TrainingProgress | null;
  /** The latest PPO run, kept while stage-0/1 runs come after it: the one a continue goes on with. */
  lastPpo: TrainingProgress | null;
  /** The latest evaluation run (null before the first). */
  evaluation: EvaluationProgress | null;
  /** The checkpoints saved in this browser (null until first listed). */
  saved: SavedCheckpoint[] | null;

  /** Validates and applies one parameter; a rejected value leaves the config unchanged and is reported. */
  setParam(key: ConfigKey, raw: unknown): boolean;
  resetParam(key: ConfigKey): void;
  resetAll(): void;
  /** Replaces the config from a URL hash: bad fields get their defaults and are listed in hashErrors. */
  loadHash(hash: string): void;
  dismissHashErrors(): void;
  addNotice(n: Notice): void;
  /** Hides the toast of notice `id` (the person's ×, or its time ran out); the log keeps it. */
  dismissNotice(id: number): void;
  setBackend(b: BackendState): void;
  setStartup(p: StartupProgress): void;
  setSnapshot(s: EngineSnapshot): void;
  setEngineConfig(c: Config): void;
  setView(v: ViewMode): void;
  setHelpOpen(open: boolean): void;
  setLegendOpen(open: boolean): void;
  setPlayground(p: PlaygroundStatus): void;
  setLive(l: LiveSummary | null, fps: number): void;
  setSinglePolicy(p: LivePolicyName): void;
  setPair(p: [LivePolicyName, LivePolicyName]): void;
  setArrows(a: Partial<ArrowSettings>): void;
  setScrub(s: ScrubState | null): void;
  setSlowAfterEvent(on: boolean): void;
  setLaneSettings(lane: number, s: Partial<LaneSettings>): void;
  setBench(b: BenchState): void;
  setTraining(t: TrainingProgress): void;
  setEvaluation(e: EvaluationProgress): void;
  setSaved(saved: SavedCheckpoint[]): void;
}

export function createAppStore(initialHash: string) {
  const parsed = parseHash(initialHash);
  return createStore<AppState>()((set, get) => ({
    config: parsed.config,
    hashErrors: parsed.errors,
    inputErrors: {},
    inputResets: 0,
    backend: null,
    startup: null,
    snapshot: null,
    engineConfig: null,
    notices: [],
    view: '2d',
    helpOpen: false,
    legendOpen: true,
    playground: null,
    live: null,
    fps: 0,
    singlePolicy: null,
    pair: null,
    arrows: DEFAULT_ARROWS,
    scrub: null,
    slowAfterEvent: false,
    laneSettings: [followConfig(), followConfig()],
    bench: { running: false, rows: null, error: null },
    training: null,
    lastPpo: null,
    evaluation: null,
    saved: null,

    setParam(key, raw) {
      const { config, errors } = applyRaw(get().config, { [key]: raw });
      const inputErrors = { ...get().inputErrors };
      if (errors.length) {
        // A value that breaks a relation (executeSteps ≤ horizon, sigmaMin ≤ sigmaMax) is refused whole.
        inputErrors[key] = errors.map((e) => (e.field === key ? e.message : `${e.field}: ${e.message}`)).join('; ');
        set({ inputErrors });
        return false;
      }
      delete inputErrors[key];
      set({ config, inputErrors });
      return true;
    },
    resetParam(key) {
      get().setParam(key, SCHEMA[key].default);
    },
    resetAll() {
      set({ config: defaultConfig(), inputErrors: {}, inputResets: get().inputResets + 1 });
    },
    loadHash(hash) {
      const next = parseHash(hash);
      set({ config: next.config, hashErrors: next.errors, inputErrors: {}, inputResets: get().inputResets + 1 });
    },
    dismissHashErrors() {
      set({ hashErrors: [] });
    },
    addNotice(n) {
      const id = (get().notices.at(-1)?.id ?? 0) + 1;
      set({ notices: [...get().notices, { ...n, id, shown: true, at: Date.now() }].slice(-MAX_NOTICES) });
    },
    dismissNotice(id) {
      set({ notices: get().notices.map((n) => (n.id === id ? { ...n, shown: false } : n)) });
    },
    setStartup(startup) {
      set({ startup });
    },
    setBackend(backend) {
      set({ backend });
    },
    setSnapshot(snapshot) {
      set({ snapshot });
    },
    setEngineConfig(engineConfig) {
      set({ engineConfig });
    },
    setView(view) {
      set({ view });
    },
    setHelpOpen(helpOpen) {
      set({ helpOpen });
    },
    setLegendOpen(legendOpen) {
      set({ legendOpen });
    },
    setPlayground(playground) {
      set({ playground });
    },
    setLive(live, fps) {
      set({ live, fps });
    },
    setSinglePolicy(singlePolicy) {
      set({ singlePolicy });
    },
    setPair(pair) {
      set({ pair });
    },
    setArrows(a) {
      set({ arrows: { ...get().arrows, ...a } });
    },
    setScrub(scrub) {
      set({ scrub });
    },
    setSlowAfterEvent(slowAfterEvent) {
      set({ slowAfterEvent });
    },
    setLaneSettings(lane, s) {
      const laneSettings = [...get().laneSettings] as AppState['laneSettings'];
      laneSettings[lane] = { ...laneSettings[lane], ...s };
      set({ laneSettings });
    },
    setBench(bench) {
      set({ bench });
    },
    setTraining(training) {
      set(isPpoStage(training.stage) ? { training, lastPpo: training } : { training });
    },
    setEvaluation(evaluation) {
      set({ evaluation });
    },
    setSaved(saved) {
      set({ saved });
    },
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

export const appStore: AppStore = createAppStore(typeof location === 'undefined' ? '' : location.hash);

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

/** The default shown for a rejected hash field, or null when the field is not a parameter. */
export function defaultFor(field: string): string | null {
  return Object.prototype.hasOwnProperty.call(SCHEMA, field) ? String(SCHEMA[field as ConfigKey].default) : null;
}
