// `window.__sagr`: a read-only view of the app's state and a few intents, so end-to-end tests (and curious
// people in the console) wait on state instead of sleeping or scraping the DOM.
import type { Config, ConfigKey, FieldError } from '../core/config';
import type { EngineClient } from '../engine/client';
import type { BackendState, Notice, Requests } from '../engine/protocol';
import type { AppStore } from './store';

export interface HookState {
  backend: BackendState | null;
  config: Config;
  engineConfig: Config | null;
  hashErrors: FieldError[];
  inputErrors: Partial<Record<ConfigKey, string>>;
  notices: Notice[];
  /** Engine heartbeat count (0 until the engine streams). */
  tick: number;
  numTensors: number;
}

export interface SagrHook {
  state(): HookState;
  runTensorCheck(a: number[][], b: number[][]): Promise<Requests['tensorCheck']['result']>;
  loseDevice(): Promise<Requests['loseDevice']['result']>;
  setParam(key: ConfigKey, value: unknown): boolean;
}

declare global {
  interface Window {
    __sagr?: SagrHook;
  }
}

export function installTestHook(store: AppStore, client: EngineClient): void {
  const hook: SagrHook = {
    state() {
      const s = store.getState();
      // A deep copy: callers can read it but never reach into the store.
      return structuredClone({
        backend: s.backend,
        config: s.config,
        engineConfig: s.engineConfig,
        hashErrors: s.hashErrors,
        inputErrors: s.inputErrors,
        notices: s.notices,
        tick: s.snapshot?.tick ?? 0,
        numTensors: s.snapshot?.numTensors ?? 0,
      });
    },
    runTensorCheck: (a, b) => client.request('tensorCheck', { a, b }),
    loseDevice: () => client.request('loseDevice', {}),
    setParam: (key, value) => store.getState().setParam(key, value),
  };
  Object.defineProperty(window, '__sagr', { value: Object.freeze(hook), writable: false, configurable: false });
}
