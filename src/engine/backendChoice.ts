// Which tfjs backend the browser engine runs on, as pure decisions (the worker does the probing and timing).
// Rule: a hardware WebGPU adapter wins outright; a software adapter (SwiftShader, llvmpipe…) or none means
// "GPU" is a CPU in disguise, so every backend that starts is timed on the policy's own control step and the
// fastest wins.

import type { WasmKernelChoice } from './wasmKernels';

export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** Order used when nothing has been measured: GPU paths first, then SIMD wasm, then pure JS. */
const PREFERENCE: readonly BrowserBackend[] = BROWSER_BACKENDS;
/**
 * Order of the start-up benchmark: cheap-to-measure CPU backends first, so their policy steps can rule out an
 * emulated GPU after its matMul alone (whose shader compiles take seconds in software) — see `canStillWin`.
 */
const BENCH_ORDER: readonly BrowserBackend[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

/** Start-up benchmark figures of one backend (median ms; see microbench.ts and inferenceBench.ts). */
export interface BenchFigures {
  backend: BrowserBackend;
  /** The cheap first probe: one matMulSize² matMul, read back. */
  matMulMs: number;
  matMulSize: number;
  /** The policy's per-step pass (reflex + Φ) at batch policyBatch; null when skipped after the matMul. */
  stepPassMs: number | null;
  /**
   * What the playground runs: one control step of the full SA-GR policy at batch policyBatch (step pass + decision /
   * executeSteps). Null when skipped: the matMul or the step pass alone already cost more than another backend's
   * policy step.
   */
  policyStepMs: number | null;
  policyBatch: number;
  runs: number;
}

/** What the WebGPU adapter says about itself (GPUAdapterInfo plus isFallbackAdapter). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** How the tfjs-wasm backend runs in this worker. */
export interface WasmState {
  /** Threads XNNPACK computes on (the engine's own thread included). */
  threads: number;
  simd: boolean;
  /** Why that many (wasmThreads.ts). */
  threadsReason: string;
  /** Whose matMul kernels run (wasmKernels.ts), and which of the project's are in place (wasmMatMul.ts). */
  kernels: WasmKernelChoice;
  transposeFix: boolean;
  simdLoops: boolean;
}

export type AdapterClass = 'hardware' | 'software' | 'none';

/** Names under which software rasterisers report themselves. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|basic render/i;

export function classifyAdapter(info: AdapterInfo | null): AdapterClass {
  if (!info) return 'none';
  if (info.isFallbackAdapter) return 'software';
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return SOFTWARE_ADAPTER.test(text) ? 'software' : 'hardware';
}

export function describeAdapter(info: AdapterInfo | null): string {
  if (!info) return 'no WebGPU adapter';
  const name = [info.vendor, info.architecture || info.device || info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${name} (${classifyAdapter(info)})`;
}

/** The `?backend=` value of the page's query string: absent, a valid backend, or a message naming the parameter. */
export type BackendParam = { forced: BrowserBackend | null; error: string | null };

const MAX_SHOWN_CHARS = 24;

/** A URL parameter's raw value as a message may quote it: printable ASCII only, and short. */
export function shownParam(raw: string): string {
  return raw.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_SHOWN_CHARS);
}

export function parseBackendParam(raw: string | null): BackendParam {
  if (raw === null || raw === '') return { forced: null, error: null };
  if ((BROWSER_BACKENDS as readonly string[]).includes(raw)) return { forced: raw as BrowserBackend, error: null };
  return { forced: null, error: `backend: "${shownParam(raw)}" is not one of ${BROWSER_BACKENDS.join(', ')}; choosing automatically` };
}

export type BackendDecision =
  | { action: 'use'; backend: BrowserBackend; reason: string; notices: string[] }
  | { action: 'benchmark'; candidates: BrowserBackend[]; reason: string; notices: string[] }
  | { action: 'none'; reason: string; notices: string[] };

/** Decides from what started and what the adapter is; asks for a benchmark when the answer depends on speed. */
export function decideBackend(input: { forced: BrowserBackend | null; adapter: AdapterInfo | null; runnable: readonly BrowserBackend[] }): BackendDecision {
  const { forced, adapter, runnable } = input;
  const kind = classifyAdapter(adapter);
  const notices: string[] = [];
  if (forced) {
    if (runnable.includes(forced)) {
      if (forced === 'webgpu' && kind === 'software') notices.push(`backend=webgpu runs on a software adapter (${describeAdapter(adapter)}): expect CPU speed`);
      return { action: 'use', backend: forced, reason: `forced by ?backend=${forced}`, notices };
    }
    notices.push(`backend=${forced} could not start here; falling back to the automatic choice`);
  }
  const candidates = PREFERENCE.filter((b) => runnable.includes(b) && b !== forced);
  if (candidates.length === 0) return { action: 'none', reason: 'no tfjs backend could start', notices };
  if (kind === 'hardware' && candidates.includes('webgpu')) return { action: 'use', backend: 'webgpu', reason: `hardware WebGPU adapter: ${describeAdapter(adapter)}`, notices };
  const why = kind === 'hardware' ? 'the hardware WebGPU adapter did not start' : kind === 'software' ? `the WebGPU adapter is software (${describeAdapter(adapter)})` : 'no WebGPU adapter';
  if (candidates.length === 1) return { action: 'use', backend: candidates[0], reason: `${why}; ${candidates[0]} is the only backend that started`, notices };
  const order = BENCH_ORDER.filter((b) => candidates.includes(b));
  notices.push(`${why}: benchmarked ${order.join(', ')} and picked the fastest`);
  return { action: 'benchmark', candidates: order, reason: why, notices };
}

/** Cost used to rank backends: the policy's control step, the workload the playground runs. */
export const benchCost = (r: BenchFigures): number => r.policyStepMs ?? Infinity;

/** The lowest policy step measured so far (Infinity before any): a backend's partial figure above it has lost. */
export function costToBeat(measured: readonly BenchFigures[]): number {
  return Math.min(Infinity, ...measured.map(benchCost));
}

/** Whether a backend whose matMul took `matMulMs` can still beat the best so far (a policy step is many matMuls). */
export function canStillWin(matMulMs: number, measured: readonly BenchFigures[]): boolean {
  return matMulMs < costToBeat(measured);
}

export function pickFastest(results: readonly BenchFigures[]): BenchFigures {
  if (results.length === 0) throw new Error('backend: no benchmark results to choose from');
  return results.reduce((best, r) => (benchCost(r) < benchCost(best) ? r : best));
}

/**
 * The backend to move to after `lost` failed mid-run: the fastest measured one that still runs, else the first
 * by preference. Null when nothing is left.
 */
export function fallbackBackend(lost: BrowserBackend, runnable: readonly BrowserBackend[], bench: readonly BenchFigures[]): BrowserBackend | null {
  const left = runnable.filter((b) => b !== lost);
  const measured = bench.filter((r) => left.includes(r.backend) && r.policyStepMs !== null);
  if (measured.length) return pickFastest(measured).backend;
  return PREFERENCE.find((b) => left.includes(b)) ?? null;
}
