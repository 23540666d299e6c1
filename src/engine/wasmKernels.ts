// Which matMul kernels the page's wasm backend runs, as pure decisions (the worker applies them as wasm starts).
// By default the project's (wasmMatMul.ts): the explicit-transpose fix of BatchMatMul/_FusedMatMul and the SIMD
// batched product of attention, as the CLI runs them. `?wasmKernels=tfjs` keeps tfjs-wasm's own kernels, to compare
// their speed and numbers in the page (e2e/wasmThreads.spec.ts, e2e/trainSpeed.spec.ts).
import { shownParam } from './backendChoice';

export const WASM_KERNELS = ['sagr', 'tfjs'] as const;
export type WasmKernelChoice = (typeof WASM_KERNELS)[number];

/** The `?wasmKernels=` value: absent or valid, or a message naming the parameter (the default is kept). */
export function parseWasmKernelsParam(raw: string | null): { kernels: WasmKernelChoice; error: string | null } {
  if (raw === null || raw === '' || raw === 'sagr') return { kernels: 'sagr', error: null };
  if (raw === 'tfjs') return { kernels: 'tfjs', error: null };
  return { kernels: 'sagr', error: `wasmKernels: "${shownParam(raw)}" is not one of ${WASM_KERNELS.join(', ')}; using sagr's` };
}

/** The Engine panel's line for the kernels in place. */
export function wasmKernelsText(w: { kernels: WasmKernelChoice; transposeFix: boolean; simdLoops: boolean }): string {
  if (w.kernels === 'tfjs') return "tfjs-wasm's own (?wasmKernels=tfjs)";
  const transposes = w.transposeFix ? 'explicit transposes' : "tfjs's transposed loop";
  const loops = w.simdLoops ? 'SIMD batched product and column sums' : "tfjs's batched loop and sums (the SIMD module did not load)";
  return `${transposes} · ${loops}`;
}
