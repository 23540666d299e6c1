// tfjs backends in the browser worker: registration (webgpu, webgl, wasm, cpu), the WebGPU adapter probe, and
// access to the WebGPU device for loss handling. The choice itself is in backendChoice.ts (pure).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The wasm binaries are bundled as assets so the built app runs offline (no CDN fetch).
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { AdapterInfo, BrowserBackend, WasmState } from './backendChoice';
import { BROWSER_BACKENDS } from './backendChoice';
import type { WasmKernelChoice } from './wasmKernels';
import { patchWasmMatMul, type WasmKernels } from './wasmMatMul';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

// The few WebGPU members used here, typed locally (the bundled @webgpu/types predates `adapter.info`).
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}
export interface GpuDeviceLike {
  lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
  addEventListener(type: 'uncapturederror', listener: (e: { error: { message: string } }) => void): void;
}

/** Reads the adapter tfjs would get (it asks for high-performance too); null when WebGPU is absent. */
export async function probeAdapter(): Promise<AdapterInfo | null> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return null;
  const none: GpuAdapterInfoLike = {};
  const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo().catch(() => none) : none);
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

/**
 * Puts the project's matMul kernels in place of tfjs-wasm's, as the CLI runs them (wasmMatMul.ts), unless `choice`
 * is tfjs's own; call once wasm has started (startableBackends), before any wasm work.
 */
export function useWasmKernels(choice: WasmKernelChoice): WasmKernels {
  return choice === 'sagr' ? patchWasmMatMul() : { transposeFix: false, simdLoops: false };
}

/**
 * What the started wasm backend runs with: its actual thread count (1 where the page is not isolated), SIMD, and the
 * matMul kernels useWasmKernels put in place.
 */
export async function wasmState(threadsReason: string, kernels: WasmKernelChoice, inPlace: WasmKernels): Promise<WasmState> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  return { threads: getThreadsCount(), simd, threadsReason, kernels, ...inPlace };
}

/**
 * Initialises every backend once, wasm on `wasmThreads` threads (where the page is isolated); returns those that
 * started. The last one tried is left active.
 */
export async function startableBackends(wasmThreads: number): Promise<BrowserBackend[]> {
  setThreadsCount(wasmThreads);
  // tfjs-wasm caps its threads at navigator.hardwareConcurrency / 2 (it assumes two hardware threads per core), read
  // once as its module starts: for that moment the worker reports just enough cores for the count chosen.
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * wasmThreads, configurable: true });
  const ok: BrowserBackend[] = [];
  try {
    for (const name of BROWSER_BACKENDS) {
      const started = await tf.setBackend(name).catch(() => false);
      if (started) ok.push(name);
    }
  } finally {
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency; // the prototype's getter again
  }
  return ok;
}

export async function activate(name: BrowserBackend): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend: tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

/** The device of the initialised webgpu backend, or null. */
export function webgpuDevice(): GpuDeviceLike | null {
  const backend = tf.findBackend('webgpu') as unknown as { device?: GpuDeviceLike } | null;
  return backend?.device ?? null;
}
