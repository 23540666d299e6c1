// The backend chosen on an earlier visit, remembered per adapter and browser version, so a second visit skips the
// start-up benchmark (seconds in software). Pure logic over a plain object: the page keeps it in localStorage
// (which a worker cannot reach) and hands it to the worker with `init`; the worker looks its own key up.
import { BROWSER_BACKENDS, type AdapterInfo, type BrowserBackend } from './backendChoice';

/** The localStorage entry that holds every remembered choice of this origin. */
export const BACKEND_MEMORY_STORAGE_KEY = 'sagr.backendChoice.v1';

/** Most entries kept (adapters × browser versions seen): the oldest go first, so the entry stays small. */
export const MAX_REMEMBERED = 16;

export interface RememberedChoice {
  backend: BrowserBackend;
  /** Why it was chosen then (the benchmark's figures). */
  reason: string;
  /** When it was chosen, ISO 8601. */
  savedAt: string;
}

/** Remembered choices by memory key (see memoryKey). */
export type BackendMemory = Record<string, RememberedChoice>;

/**
 * The browser and its version from a user-agent string, e.g. "Chrome/156.0.7000.1": a browser update can change
 * which backend is fastest, so it is part of the key. Edge and Opera name themselves after "Chrome/", so the
 * most specific token wins; an unknown browser is keyed by its whole user agent.
 */
export function browserVersion(userAgent: string): string {
  for (const name of ['Edg', 'OPR', 'Firefox', 'Chrome', 'Version']) {
    const m = new RegExp(`${name}/([\\d.]+)`).exec(userAgent);
    if (m) return `${name}/${m[1]}`;
  }
  return userAgent;
}

/**
 * The key a choice is remembered under: the WebGPU adapter (or none), the browser version, and the wasm threads
 * the page can run (cross-origin isolation and the thread count change how fast wasm is).
 */
export function memoryKey(input: { adapter: AdapterInfo | null; userAgent: string; wasmThreads: number }): string {
  const a = input.adapter;
  const adapter = a ? [a.vendor, a.architecture, a.device, a.description, a.isFallbackAdapter ? 'fallback' : ''].join('/') : 'no adapter';
  return `${adapter} | ${browserVersion(input.userAgent)} | wasm ${input.wasmThreads} thread${input.wasmThreads === 1 ? '' : 's'}`;
}

function isChoice(v: unknown): v is RememberedChoice {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (BROWSER_BACKENDS as readonly unknown[]).includes(c.backend) && typeof c.reason === 'string' && typeof c.savedAt === 'string';
}

/** The stored memory; anything unreadable (another version's format, a hand edit) is dropped entry by entry. */
export function parseMemory(raw: string | null): BackendMemory {
  if (!raw) return {};
  try {
    return memoryFrom(JSON.parse(raw));
  } catch {
    return {};
  }
}

/** The valid entries of a value that should be a BackendMemory (the worker checks what the page sends). */
export function memoryFrom(value: unknown): BackendMemory {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const memory: BackendMemory = {};
  for (const [key, v] of Object.entries(value)) if (isChoice(v)) memory[key] = { backend: v.backend, reason: v.reason, savedAt: v.savedAt };
  return memory;
}

export type Recalled = { kind: 'none' } | { kind: 'usable'; choice: RememberedChoice } | { kind: 'stale'; choice: RememberedChoice };

/** The choice remembered under `key`: usable when that backend started here, stale when it did not. */
export function recall(memory: BackendMemory, key: string, runnable: readonly BrowserBackend[]): Recalled {
  if (!Object.hasOwn(memory, key)) return { kind: 'none' };
  const choice = memory[key];
  return runnable.includes(choice.backend) ? { kind: 'usable', choice } : { kind: 'stale', choice };
}

/** `memory` with `choice` under `key` (replacing what was there), the oldest entries dropped past MAX_REMEMBERED. */
export function remember(memory: BackendMemory, key: string, choice: RememberedChoice): BackendMemory {
  const others = Object.entries(memory).filter(([k]) => k !== key);
  others.sort((a, b) => a[1].savedAt.localeCompare(b[1].savedAt));
  return Object.fromEntries([...others.slice(Math.max(0, others.length - (MAX_REMEMBERED - 1))), [key, choice]]);
}

/** `memory` without the entry under `key`. */
export function forget(memory: BackendMemory, key: string): BackendMemory {
  return Object.fromEntries(Object.entries(memory).filter(([k]) => k !== key));
}
