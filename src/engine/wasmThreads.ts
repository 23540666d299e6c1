// How many threads the tfjs-wasm backend runs on in the page, as pure decisions (the worker applies the count
// before wasm starts). Threads need a cross-origin isolated page (SharedArrayBuffer); without it tfjs loads its
// single-threaded SIMD binary whatever is asked.
import { shownParam } from './backendChoice';

/**
 * The most threads used. tfjs-wasm 4.22's threaded binary starts a pool of 8 pthread workers with the module; a
 * larger count would start workers while the engine thread blocks waiting for them.
 */
export const MAX_WASM_THREADS = 8;

/** The `?wasmThreads=` value: absent, a valid count, or a message naming the parameter. */
export type WasmThreadsParam = { forced: number | null; error: string | null };

export function parseWasmThreadsParam(raw: string | null): WasmThreadsParam {
  if (raw === null || raw === '') return { forced: null, error: null };
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (n >= 1 && n <= MAX_WASM_THREADS) return { forced: n, error: null };
  return { forced: null, error: `wasmThreads: "${shownParam(raw)}" is not an integer in [1, ${MAX_WASM_THREADS}]; choosing automatically` };
}

export interface WasmThreadsChoice {
  threads: number;
  reason: string;
  notices: string[];
}

/**
 * Half the logical cores, capped at MAX_WASM_THREADS: tfjs-wasm's own default, which leaves cores to the page's UI,
 * rendering and physics and to the rest of the machine. Measured on a shared 2-core machine (e2e/trainSpeed.spec.ts),
 * a thread per core made prior training slower, not faster, and the B = 1 policy step three times slower (most likely
 * the pool waiting for a thread whose core another process holds). A forced count wins when the page is isolated. Not
 * isolated: one thread, and a forced count above one says why it was not used.
 */
export function chooseWasmThreads(input: { forced: number | null; isolated: boolean; cores: number | undefined }): WasmThreadsChoice {
  const { forced, isolated, cores } = input;
  if (!isolated) {
    const notices = forced !== null && forced > 1 ? [`wasmThreads=${forced} needs a cross-origin isolated page (COOP/COEP headers, see README): wasm runs single-threaded`] : [];
    return { threads: 1, reason: 'page not cross-origin isolated (no COOP/COEP headers)', notices };
  }
  if (forced !== null) return { threads: forced, reason: `forced by ?wasmThreads=${forced}`, notices: [] };
  if (!Number.isInteger(cores) || cores! < 1) return { threads: 1, reason: 'core count unknown', notices: [] };
  const half = Math.max(1, Math.floor(cores! / 2));
  const threads = Math.min(half, MAX_WASM_THREADS);
  return { threads, reason: `half of ${cores} logical cores${threads < half ? `, capped at ${MAX_WASM_THREADS}` : ''}`, notices: [] };
}
