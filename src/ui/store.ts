// The UI's state: the config (the URL hash mirrors it), what the engine reports, and every message the person
// must see. Components read it through `useApp(selector)`; the engine bridge and the test hook use `appStore`.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { applyRaw, defaultConfig, parseHash, SCHEMA, type Config, type ConfigKey, type FieldError } from '../core/config';
import type { BackendState, EngineSnapshot, Notice } from '../engine/protocol';

/** Oldest notices are dropped past this many, so a flapping error cannot grow the page without bound. */
const MAX_NOTICES = 20;

export interface AppState {
  config: Config;
  /** Fields of the URL hash that were rejected (each kept at its default), with the reason. */
  hashErrors: FieldError[];
  /** The last rejected panel input per field. */
  inputErrors: Partial<Record<ConfigKey, string>>;
  backend: BackendState | null;
  snapshot: EngineSnapshot | null;
  /** The config the engine acknowledged last (null until the first reply). */
  engineConfig: Config | null;
  notices: Notice[];

  /** Validates and applies one parameter; a rejected value leaves the config unchanged and is reported. */
  setParam(key: ConfigKey, raw: unknown): boolean;
  resetParam(key: ConfigKey): void;
  resetAll(): void;
  /** Replaces the config from a URL hash: bad fields get their defaults and are listed in hashErrors. */
  loadHash(hash: string): void;
  dismissHashErrors(): void;
  addNotice(n: Notice): void;
  dismissNotice(index: number): void;
  setBackend(b: BackendState): void;
  setSnapshot(s: EngineSnapshot): void;
  setEngineConfig(c: Config): void;
}

export function createAppStore(initialHash: string) {
  const parsed = parseHash(initialHash);
  return createStore<AppState>()((set, get) => ({
    config: parsed.config,
    hashErrors: parsed.errors,
    inputErrors: {},
    backend: null,
    snapshot: null,
    engineConfig: null,
    notices: [],

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
      set({ config: defaultConfig(), inputErrors: {} });
    },
    loadHash(hash) {
      const next = parseHash(hash);
      set({ config: next.config, hashErrors: next.errors, inputErrors: {} });
    },
    dismissHashErrors() {
      set({ hashErrors: [] });
    },
    addNotice(n) {
      set({ notices: [...get().notices, n].slice(-MAX_NOTICES) });
    },
    dismissNotice(index) {
      set({ notices: get().notices.filter((_, i) => i !== index) });
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
