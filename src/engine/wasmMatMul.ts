// A speed fix for the tfjs wasm backend (4.22): its BatchMatMul and _FusedMatMul kernels run a slow scalar
// loop whenever transposeA or transposeB is set, ~10× slower than an explicit Transpose followed by the
// plain product (measured: [2432, 64]ᵀ·[2432, 64] 11 ms vs 0.9 ms). Every matMul gradient is transposed
// (dA = dY·Bᵀ, dB = Aᵀ·dY), and so is attention's Q·Kᵀ, so training on wasm spends most of its time there.
// The wrapped kernels transpose the inputs explicitly, then call the original kernel untransposed.
// Results are the same numbers (the same products, summed in the same order per output).
// It also registers the SIMD batched product of attention (wasmBatchMatMul.ts) that nn/batchMatMul.ts uses.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmBatchMatMul } from './wasmBatchMatMul';

const PATCHED_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const BACKEND = 'wasm';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

let patched = false;

/** What runs in place of tfjs-wasm's own matMul kernels (the page's Engine panel shows it). */
export interface WasmKernels {
  /** BatchMatMul and _FusedMatMul transpose explicitly. */
  transposeFix: boolean;
  /** The SIMD batched product (wasmBatchMatMul.ts) is registered. */
  simdBatchMatMul: boolean;
}

/** Swaps the last two axes of `x` with the backend's own Transpose kernel; the caller frees the result. */
function transposeLastTwo(x: tf.TensorInfo, backend: tf.KernelBackend, transpose: tf.KernelFunc): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/**
 * Re-registers the wasm matMul kernels with explicit transposes, and registers the SIMD batched product once the
 * wasm backend is initialised; says what is in place. Idempotent; call after the wasm backend is registered (importing
 * @tensorflow/tfjs-backend-wasm does that). A no-op where the kernels are missing.
 */
export function patchWasmMatMul(): WasmKernels {
  const transposeConfig = tf.getKernel('Transpose', BACKEND);
  if (!transposeConfig) return { transposeFix: false, simdBatchMatMul: false };
  // The SIMD kernel needs the initialised backend's memory: tried on every call until it is registered.
  const backend = tf.findBackend(BACKEND) as BackendWasm | null;
  const simdBatchMatMul = backend !== null && registerWasmBatchMatMul(transposeConfig.kernelFunc, backend);
  if (patched) return { transposeFix: true, simdBatchMatMul };
  for (const name of PATCHED_KERNELS) {
    const original = tf.getKernel(name, BACKEND);
    if (!original) continue;
    const originalFunc = original.kernelFunc;
    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      if (!transposeA && !transposeB) return originalFunc({ inputs, backend, attrs });
      const kernelBackend = backend as tf.KernelBackend;
      const { a: a0, b: b0 } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const a = transposeA ? transposeLastTwo(a0, kernelBackend, transposeConfig.kernelFunc) : a0;
      const b = transposeB ? transposeLastTwo(b0, kernelBackend, transposeConfig.kernelFunc) : b0;
      const out = originalFunc({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
      if (transposeA) kernelBackend.disposeData(a.dataId);
      if (transposeB) kernelBackend.disposeData(b.dataId);
      return out;
    };
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...original, kernelFunc });
  }
  patched = true;
  return { transposeFix: true, simdBatchMatMul };
}
