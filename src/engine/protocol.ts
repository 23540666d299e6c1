// The typed message protocol between the UI thread and the engine worker.
//
// Requests (UI → worker) are listed once in `Requests`: each entry names its payload and its result. The
// client's `request(type, payload)` returns a promise of that result; the worker must implement a handler for
// every entry (`RequestHandlers`), so adding a message is: one entry here, one handler in worker.ts.
// Worker → UI messages are a union keyed by `type`: replies to requests (`reply`/`failure`, matched by id) and
// events the worker pushes on its own (`snapshot` streams the engine state; `notice` carries messages the UI
// must show; `backend` announces the backend in use). Later issues add entries to `Requests` and `Events`.
import type { Config, FieldError } from '../core/config';
import type { AdapterInfo, BenchFigures, BrowserBackend } from './backendChoice';

export interface BackendState {
  backend: BrowserBackend;
  /** Why this backend: forced, hardware adapter, fastest by benchmark, or fallback after a failure. */
  reason: string;
  adapter: AdapterInfo | null;
  /** Backends that initialised in this worker. */
  runnable: BrowserBackend[];
  /** Start-up micro-benchmark figures: every candidate when the choice needed them, else the chosen backend's. */
  bench: BenchFigures[];
  /** Time spent probing and benchmarking backends at start, ms. */
  startupMs: number;
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
  /** Starts the engine: chooses the backend. `backendParam` is the raw `?backend=` value (null when absent). */
  init: { payload: { backendParam: string | null; config: Config }; result: BackendState };
  /** Replaces the engine's config; the worker validates it and answers with the config it applied. */
  setConfig: { payload: { config: Config }; result: { config: Config; errors: FieldError[] } };
  /** Computes a·b and its sum on the engine's backend (checks that the backend computes correctly). */
  tensorCheck: { payload: { a: number[][]; b: number[][] }; result: TensorCheckResult };
  /** Destroys the WebGPU device, as a driver reset would, to exercise the fallback path. */
  loseDevice: { payload: Record<string, never>; result: { lost: boolean } };
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

/** Events the worker pushes without being asked. */
export interface Events {
  snapshot: { snapshot: EngineSnapshot };
  notice: { notice: Notice };
  backend: { state: BackendState };
}
export type EventType = keyof Events;
export type EngineEvent = { [K in EventType]: { type: K } & Events[K] }[EventType];

export type WorkerMessage =
  | { type: 'reply'; id: number; result: Result<RequestType> }
  | { type: 'failure'; id: number; message: string }
  | EngineEvent;

/** Heartbeat period of the engine's status snapshot. */
export const SNAPSHOT_INTERVAL_MS = 250;
