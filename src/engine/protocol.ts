// The typed message protocol between the UI thread and the engine worker.
//
// Requests (UI → worker) are listed once in `Requests`: each entry names its payload and its result. The
// client's `request(type, payload)` returns a promise of that result; the worker must implement a handler for
// every entry (`RequestHandlers`), so adding a message is: one entry here, one handler in worker.ts.
// Worker → UI messages are a union keyed by `type`: replies to requests (`reply`/`failure`, matched by id) and
// events the worker pushes on its own (`snapshot` streams the engine state; `notice` carries messages the UI
// must show; `backend` announces the backend in use). Later issues add entries to `Requests` and `Events`.
import type { Config, FieldError } from '../core/config';
import type { AdapterInfo, BenchFigures, BrowserBackend, WasmState } from './backendChoice';
import type { BackendMemory } from './backendMemory';
import type { CheckpointFiles } from './checkpointFiles';
import type { EvaluationProgress } from './evaluationProgress';
import type { InferenceBenchRow } from './inferenceBench';
import type { LaneSettings } from './laneSettings';
import type { PlaygroundHistory } from './liveHistory';
import type { LivePolicyName, ModuleName, ModuleStatus } from './livePolicies';
import type { PpoStage, TrainingProgress, TrainStage } from './trainingProgress';
import type { ShippedModule } from './policyModules';

export interface BackendState {
  backend: BrowserBackend;
  /** Why this backend: forced, hardware adapter, fastest by benchmark, or fallback after a failure. */
  reason: string;
  adapter: AdapterInfo | null;
  /** Backends that initialised in this worker. */
  runnable: BrowserBackend[];
  /** Whether the engine runs cross-origin isolated (COOP/COEP headers): wasm threads need it. */
  crossOriginIsolated: boolean;
  /** The wasm backend's threads and SIMD; null when it did not start. */
  wasm: WasmState | null;
  /** Start-up timings (matMul probe, then the policy step at B = 1): every candidate when the choice needed them, else the chosen backend's matMul. */
  bench: BenchFigures[];
  /** Time spent probing and benchmarking backends at start, ms. */
  startupMs: number;
  /**
   * How the backend was chosen: forced by `?backend=`, automatically (adapter or benchmark; the page remembers it), or
   * remembered from an earlier visit (no benchmark).
   */
  choice: 'forced' | 'automatic' | 'remembered';
  /** The key this adapter, browser version and wasm thread count are remembered under (backendMemory.ts). */
  memoryKey: string;
}

/** The stages of start-up, in order, as the progress indicator shows them. */
export const STARTUP_STAGES = ['probing', 'benchmarking', 'checkpoints', 'ready'] as const;
export type StartupStage = (typeof STARTUP_STAGES)[number];

export interface StartupProgress {
  stage: StartupStage;
  /** What is happening, in words (e.g. which backend is being timed). */
  detail: string;
  /** Since the engine worker started, ms. */
  elapsedMs: number;
}

export interface TensorCheckResult {
  backend: string;
  /** a·b, row-major, shape [rows of a, columns of b]. */
  product: number[][];
  /** Sum of every entry of a·b. */
  sum: number;
}

/** Every request: its payload and what the worker answers. */
export interface Requests {
  /**
   * Starts the engine: sets the wasm thread count, then chooses the backend. `backendParam` and `wasmThreadsParam`
   * are the raw `?backend=` and `?wasmThreads=` values (null when absent); `remembered` is the page's stored
   * backend memory, which skips the benchmark when it holds this adapter and browser's key.
   */
  init: { payload: { backendParam: string | null; wasmThreadsParam: string | null; wasmKernelsParam: string | null; config: Config; remembered: BackendMemory }; result: BackendState };
  /** Replaces the engine's config; the worker validates it and answers with the config it applied. */
  setConfig: { payload: { config: Config }; result: { config: Config; errors: FieldError[] } };
  /** Computes a·b and its sum on the engine's backend (checks that the backend computes correctly). */
  tensorCheck: { payload: { a: number[][]; b: number[][] }; result: TensorCheckResult };
  /** Destroys the WebGPU device, as a driver reset would, to exercise the fallback path. */
  loseDevice: { payload: Record<string, never>; result: { lost: boolean } };
  /**
   * Loads the shipped checkpoints under `checkpointBase` (a URL ending in '/', the folder of config.task's) and starts
   * the live playground on config.task; when one runs on another task, it is replaced.
   */
  playgroundStart: { payload: { checkpointBase: string }; result: PlaygroundStatus };
  /** One of the person's intents for the live playground. */
  playgroundIntent: { payload: { intent: PlaygroundIntent }; result: { ok: true } };
  /** The playground's recorded ticks (the last HISTORY_TICKS of every lane), for scrubbing back and replaying. */
  playgroundHistory: { payload: Record<string, never>; result: PlaygroundHistory };
  /** The current episode of lane `lane` so far, as .npz bytes. */
  exportRollout: { payload: { lane: number }; result: { npz: Uint8Array } };
  /** The module in checkpoint slot `slot` (checkpointKey, e.g. "prior" or "ppo/strategy") as two files. */
  saveModule: { payload: { slot: string }; result: CheckpointFiles };
  /**
   * Replaces the module in slot `slot` by an uploaded checkpoint (manifest text + weights file), after validating
   * it; `source` says where it came from (default: "uploaded <weights file>").
   */
  uploadModule: { payload: { slot: string; json: string; weightsName: string; weights: ArrayBuffer; source?: string }; result: { ok: true } };
  /** Every slot back to the shipped checkpoint (read again), or to its stand-in where none is shipped. */
  restoreShipped: { payload: Record<string, never>; result: PlaygroundStatus };
  /** Runs the evaluation suites on the playground's policies (progress: `evaluation` events). */
  evalStart: { payload: { policies: LivePolicyName[]; suites: string[]; episodes: number }; result: { ok: true } };
  /** Stops the evaluation after the episode in progress. */
  evalStop: { payload: Record<string, never>; result: { ok: true } };
  /** Trains a stage-0/1 module of the playground in place on the demonstrations at `demosUrl` (progress: `training` events). */
  trainStart: { payload: { stage: TrainStage; iters: number; demosUrl: string }; result: { ok: true } };
  /** Stage 2: PPO on the playground's modules for `iters` iterations (progress: `training` events). */
  ppoStart: { payload: { stage: PpoStage; iters: number }; result: { ok: true } };
  /**
   * Continues the latest PPO run, stopped or finished, with its modules, critic, optimiser moments, envs and
   * iteration count, until iteration `iters` of the whole run (progress: `training` events, appended).
   */
  ppoContinue: { payload: { iters: number }; result: { ok: true } };
  /** Pauses the PPO run (mid-iteration, at its next yield) or resumes it. */
  trainPause: { payload: { paused: boolean }; result: { ok: true } };
  /** Stops the training run at its next evaluation (a PPO run: at its next yield, mid-iteration). */
  trainStop: { payload: Record<string, never>; result: { ok: true } };
  /** Times the policy's inference per control step at each batch size on every backend that started. */
  benchInference: { payload: { batches: number[] }; result: { rows: InferenceBenchRow[] } };
}
export type RequestType = keyof Requests;
export type Payload<K extends RequestType> = Requests[K]['payload'];
export type Result<K extends RequestType> = Requests[K]['result'];

/** UI → worker: a discriminated union over `type`, each with the id its reply will carry. */
export type Request = { [K in RequestType]: { type: K; id: number; payload: Payload<K> } }[RequestType];

export type RequestHandlers = { [K in RequestType]: (payload: Payload<K>) => Promise<Result<K>> };

export type NoticeLevel = 'info' | 'warn' | 'error';
export interface Notice {
  level: NoticeLevel;
  /** Which part raised it: backend choice, config validation, or the engine itself. */
  source: 'backend' | 'config' | 'engine';
  message: string;
}

export interface EngineSnapshot {
  /** Heartbeats since start; the simulation loop will advance it per step. */
  tick: number;
  backend: BrowserBackend | null;
  numTensors: number;
  numBytes: number;
}

/** The person's intents for the live playground (validated by the worker). */
export type PlaygroundIntent =
  | { kind: 'play' }
  | { kind: 'pause' }
  /** One control step, then paused. */
  | { kind: 'step' }
  /** Applies the whole config (the parameters that apply on restart too) and starts again from episode 0. */
  | { kind: 'reset' }
  | { kind: 'nextEpisode' }
  /** Control steps per second (the task's real time is 10); null runs as fast as possible. */
  | { kind: 'speed'; stepsPerSecond: number | null }
  /** Moves the block by (dx, dy) px and dθ rad about its origin at the next control step, in every lane. */
  | { kind: 'shove'; dx: number; dy: number; dtheta: number }
  /** A perturbation spec as `--perturb` takes it, applied now: displace and kick once, bias/friction/mass from now on, nominal clears. */
  | { kind: 'perturb'; spec: string }
  /** The policy of each lane: one (single view) or two (side by side); the current episode restarts. */
  | { kind: 'policies'; policies: LivePolicyName[] }
  /** Overrides of live parameters for lane `lane` (null: follow the config); they apply from the next step and outlast a change of policies. */
  | { kind: 'laneSettings'; lane: number; settings: Partial<LaneSettings> };

export interface LaneStatus {
  policy: LivePolicyName;
  label: string;
  modules: Partial<Record<ModuleName, ModuleStatus>>;
  /** The lane's overrides of live parameters (null: the config's). */
  settings: LaneSettings;
}

export interface PlaygroundStatus {
  /** The task the lanes run (config.task when the playground started; a change of task starts a new one). */
  task: string;
  checkpointBase: string;
  /** Checkpoints found and loaded. */
  found: ShippedModule[];
  /** Checkpoints that exist but were refused, one line each. */
  problems: string[];
  /** Keys (checkpointKey) of the checkpoints loaded. */
  trained: string[];
  lanes: LaneStatus[];
  /** The config the running episodes started with (the parameters that are not live apply at the next reset). */
  runConfig: Config;
}

/** One lane in a live frame: its buffer (liveFrame.ts layout) and trail (TRAIL_STRIDE floats per step). */
export interface LaneFrame {
  policy: LivePolicyName;
  label: string;
  /** The lasting perturbation in force, as a spec (null: nominal). */
  condition: string | null;
  data: Float32Array;
  trail: Float32Array;
  /** The strip chart's rows of the recorded ticks, oldest first (SERIES_STRIDE floats per tick, liveHistory.ts). */
  series: Float32Array;
}

export interface LiveFrame {
  /** Frames posted so far. */
  seq: number;
  running: boolean;
  /** The pace asked for (null: as fast as possible) and the pace achieved over the last second. */
  stepsPerSecond: number | null;
  measuredStepsPerSecond: number;
  episode: number;
  /** Control steps of the playground's clock since it started (the strip chart's x). */
  tick: number;
  /** The task the lanes run: push-t's frames are in pixels, push-3d's in metres. */
  task: string;
  numTokens: number;
  actionDim: number;
  lanes: LaneFrame[];
}

/** Events the worker pushes without being asked. */
export interface Events {
  snapshot: { snapshot: EngineSnapshot };
  notice: { notice: Notice };
  backend: { state: BackendState };
  /** Start-up progress: probing, benchmarking (which backend), loading checkpoints, ready. */
  startup: { progress: StartupProgress };
  /** The live playground's state, at most once per display frame (its buffers are transferred). */
  frame: { frame: LiveFrame };
  playground: { status: PlaygroundStatus };
  training: { progress: TrainingProgress };
  evaluation: { progress: EvaluationProgress };
}
export type EventType = keyof Events;
export type EngineEvent = { [K in EventType]: { type: K } & Events[K] }[EventType];

export type WorkerMessage =
  | { type: 'reply'; id: number; result: Result<RequestType> }
  | { type: 'failure'; id: number; message: string }
  | EngineEvent;

/** Heartbeat period of the engine's status snapshot. */
export const SNAPSHOT_INTERVAL_MS = 250;
