// The page's side of the remembered backend choice (engine/backendMemory.ts): read from and written to this
// origin's localStorage, which the engine worker cannot reach. Storage that is disabled or full only costs the
// memory: the engine then benchmarks again on the next visit.
import { BACKEND_MEMORY_STORAGE_KEY, forget, parseMemory, remember, type BackendMemory } from '../engine/backendMemory';
import type { BackendState } from '../engine/protocol';

function read(): BackendMemory {
  try {
    return parseMemory(localStorage.getItem(BACKEND_MEMORY_STORAGE_KEY));
  } catch {
    return {};
  }
}

function write(memory: BackendMemory): boolean {
  try {
    localStorage.setItem(BACKEND_MEMORY_STORAGE_KEY, JSON.stringify(memory));
    return true;
  } catch {
    return false;
  }
}

/** Everything remembered in this browser, for the engine's `init`. */
export const loadBackendMemory = read;

/**
 * Keeps what the engine chose: an automatic choice is remembered under its key (replacing a stale one there); a
 * forced or remembered one changes nothing.
 */
export function keepBackendChoice(state: BackendState): void {
  if (state.choice !== 'automatic') return;
  write(remember(read(), state.memoryKey, { backend: state.backend, reason: state.reason, savedAt: new Date().toISOString() }));
}

/** Forgets the choice remembered under `key`, so the next load benchmarks again; false when storage refused. */
export function forgetBackendChoice(key: string): boolean {
  return write(forget(read(), key));
}
