// `window.__sagr`: a read-only view of the app's state and the person's intents, so end-to-end tests (and
// curious people in the console) wait on state instead of sleeping or scraping the DOM.
import type { Config, ConfigKey, FieldError } from '../core/config';
import { blockCentroid } from '../engine/blockPose';
import type { EngineClient } from '../engine/client';
import type { LaneSettings } from '../engine/laneSettings';
import type { LivePolicyName } from '../engine/livePolicies';
import type { EvaluationProgress } from '../engine/evaluationProgress';
import type { PpoStage, TrainingProgress, TrainStage } from '../engine/trainingProgress';
import type { BackendState, Notice, PlaygroundStatus, Requests, StartupProgress } from '../engine/protocol';
import type { SavedCheckpoint } from '../engine/savedCheckpoint';
import { laneViews } from '../engine/liveFrame';
import { controls } from './controls';
import { liveFeed } from './live';
import { layoutOf, type LiveSummary } from './liveSummary';
import { views } from './scene/viewRegistry';
import type { ArrowSettings, AppStore, BenchState, ViewMode } from './store';
import { chartState, type ChartState } from './StripChart';

export interface HookState {
  backend: BackendState | null;
  /** The engine's latest start-up stage report (null before the first). */
  startup: StartupProgress | null;
  config: Config;
  engineConfig: Config | null;
  hashErrors: FieldError[];
  inputErrors: Partial<Record<ConfigKey, string>>;
  notices: Notice[];
  /** Engine heartbeat count (0 until the engine streams). */
  tick: number;
  numTensors: number;
  numBytes: number;
  /** What the playground loaded and runs; null until it has started. */
  playground: PlaygroundStatus | null;
  /** The live state per lane (step, coverage, tokens, Δz, reflex, attention, action terms, timings); null before the first frame. */
  live: LiveSummary | null;
  view: ViewMode;
  /** Display frames per second of the render loop. */
  fps: number;
  bench: BenchState;
  /**
   * The latest training run: stage (prior/world/reflex, or ppo-sagr/ppo-strategy), iterations done, paused, one
   * metrics record per evaluation (stage 0/1) or per iteration (PPO: return, success, reward terms, ‖Δz‖, ‖b‖,
   * approx KL, clip fraction, explained variance, …), outcome; null before any.
   */
  training: TrainingProgress | null;
  /** The latest evaluation: per policy and suite the summary `eval --json` prints; null before any. */
  evaluation: EvaluationProgress | null;
  /** The checkpoints saved in this browser's IndexedDB (null until listed). */
  saved: SavedCheckpoint[] | null;
  /** What the strip chart plots now: ticks, per lane its lines (view units), events and re-plans by tick. */
  chart: ChartState;
  /** The recorded tick shown while scrubbing (index into the record of `length` ticks); null when live. */
  scrub: { index: number; tick: number; length: number; replaying: boolean } | null;
  arrows: ArrowSettings;
}

export interface SagrHook {
  state(): HookState;
  runTensorCheck(a: number[][], b: number[][]): Promise<Requests['tensorCheck']['result']>;
  loseDevice(): Promise<Requests['loseDevice']['result']>;
  setParam(key: ConfigKey, value: unknown): boolean;
  play(): Promise<void>;
  pause(): Promise<void>;
  step(): Promise<void>;
  reset(): Promise<void>;
  nextEpisode(): Promise<void>;
  /** Control steps per second (10 is real time); null: as fast as possible. */
  setSpeed(stepsPerSecond: number | null): Promise<void>;
  /** Moves the block by (dx, dy) px and dθ rad about its origin at the next control step, in every lane. */
  shove(dx: number, dy: number, dtheta: number): Promise<void>;
  /** One of the task's live suites (perturbSpec.ts), or 'nominal' to clear. */
  perturb(kind: string): Promise<void>;
  setView(view: ViewMode): Promise<void>;
  setPolicy(lane: number, policy: LivePolicyName): Promise<void>;
  /** Per-lane overrides of live parameters (executeSteps, reflexGain; null follows the config). */
  setLaneSettings(lane: number, settings: Partial<LaneSettings>): Promise<void>;
  /** Trains a stage-0/1 module in place (see the training panel); resolves once the run has started. */
  startTraining(stage: TrainStage, iters: number): Promise<void>;
  /** Stage 2 (PPO, sagr or the strategy ablation) for `iters` iterations; resolves once the run has started. */
  startPpo(stage: PpoStage, iters: number): Promise<void>;
  /** Continues the latest PPO run (stopped or finished) until iteration `iters` of the whole run; resolves once it is under way. */
  continuePpo(iters: number): Promise<void>;
  /** Pauses a PPO run (mid-iteration, at its next yield) or resumes it. */
  pauseTraining(paused: boolean): Promise<void>;
  stopTraining(): Promise<void>;
  startEval(policies: LivePolicyName[], suites: string[], episodes: number): Promise<void>;
  stopEval(): Promise<void>;
  refreshSaved(): Promise<void>;
  saveToBrowser(slot: string, name: string): Promise<void>;
  loadFromBrowser(key: string, slot: string): Promise<void>;
  deleteSaved(key: string): Promise<void>;
  restoreShipped(): Promise<void>;
  /** Pauses and shows the latest recorded tick; then scrubTo(index), back to the previous event, replay, close (back to live). */
  scrubOpen(): Promise<void>;
  scrubTo(index: number): void;
  scrubPreviousEvent(): boolean;
  scrubReplay(): void;
  scrubClose(): void;
  setArrows(a: Partial<ArrowSettings>): void;
  /** Bytes of the current episode's .npz (what the export button saves). */
  rolloutNpz(lane: number): Promise<Uint8Array>;
  /** Where a table point (Push-T px, y down) is on the page in lane `lane`'s view, client px; null when not shown. */
  tableToClient(lane: number, x: number, y: number): { x: number; y: number } | null;
  /** Where the block's centroid is on the page in lane `lane`'s view (from the latest frame). */
  blockOnScreen(lane: number): { x: number; y: number } | null;
}

declare global {
  interface Window {
    __sagr?: SagrHook;
  }
}

export function installTestHook(store: AppStore, client: EngineClient): void {
  const c = controls();
  const tableToClient = (lane: number, x: number, y: number) => views.get(lane)?.tableToClient(x, y) ?? null;
  const hook: SagrHook = {
    state() {
      const s = store.getState();
      // A deep copy: callers can read it but never reach into the store.
      return structuredClone({
        backend: s.backend,
        startup: s.startup,
        config: s.config,
        engineConfig: s.engineConfig,
        hashErrors: s.hashErrors,
        inputErrors: s.inputErrors,
        notices: s.notices,
        tick: s.snapshot?.tick ?? 0,
        numTensors: s.snapshot?.numTensors ?? 0,
        numBytes: s.snapshot?.numBytes ?? 0,
        playground: s.playground,
        live: s.live,
        view: s.view,
        fps: s.fps,
        bench: s.bench,
        training: s.training,
        evaluation: s.evaluation,
        saved: s.saved,
        chart: chartState,
        scrub: s.scrub && { index: s.scrub.index, tick: s.scrub.history.ticks[s.scrub.index], length: s.scrub.history.ticks.length, replaying: s.scrub.replaying },
        arrows: s.arrows,
      });
    },
    runTensorCheck: (a, b) => client.request('tensorCheck', { a, b }),
    loseDevice: () => client.request('loseDevice', {}),
    setParam: (key, value) => store.getState().setParam(key, value),
    play: c.play,
    pause: c.pause,
    step: c.step,
    reset: c.reset,
    nextEpisode: c.nextEpisode,
    setSpeed: c.setSpeed,
    shove: c.shove,
    perturb: c.perturb,
    setView: c.setView,
    setPolicy: c.setPolicy,
    setLaneSettings: c.setLaneSettings,
    startTraining: c.startTraining,
    startPpo: c.startPpo,
    continuePpo: c.continuePpo,
    pauseTraining: c.pauseTraining,
    stopTraining: c.stopTraining,
    startEval: c.startEval,
    stopEval: c.stopEval,
    refreshSaved: c.refreshSaved,
    saveToBrowser: c.saveToBrowser,
    loadFromBrowser: c.loadFromBrowser,
    deleteSaved: c.deleteSaved,
    restoreShipped: c.restoreShipped,
    scrubOpen: c.scrub.open,
    scrubTo: c.scrub.to,
    scrubPreviousEvent: c.scrub.previousEvent,
    scrubReplay: c.scrub.replay,
    scrubClose: c.scrub.close,
    setArrows: (a) => store.getState().setArrows(a),
    rolloutNpz: async (lane) => (await client.request('exportRollout', { lane })).npz,
    tableToClient,
    blockOnScreen(lane) {
      const f = liveFeed.latest;
      const l = f?.lanes[lane];
      if (!f || !l) return null;
      const v = laneViews(l.data, layoutOf(f));
      const pose = { x: v.scalar('blockX'), y: v.scalar('blockY'), angle: v.scalar('blockAngle') };
      // Push-T's pose is the body origin (px); push-3d's is already the centre of mass (metres).
      const c = f.task === 'push-t' ? blockCentroid(pose) : pose;
      return tableToClient(lane, c.x, c.y);
    },
  };
  Object.defineProperty(window, '__sagr', { value: Object.freeze(hook), writable: false, configurable: false });
}
