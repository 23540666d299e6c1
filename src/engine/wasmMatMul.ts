// A speed fix for the tfjs wasm backend (4.22): its BatchMatMul and _FusedMatMul kernels run a slow scalar
// loop whenever transposeA or transposeB is set, ~10× slower than an explicit Transpose followed by the
// plain product (measured: [2432, 64]ᵀ·[2432, 64] 11 ms vs 0.9 ms). Every matMul gradient is transposed
// (dA = dY·Bᵀ, dB = Aᵀ·dY), and so is attention's Q·Kᵀ, so training on wasm spends most of its time there.
// The wrapped kernels transpose the inputs explicitly, then call the original kernel untransposed.
// Results are the same numbers (the same products, summed in the same order per output).
// It also registers the project's SIMD loops (wasmSimd.ts): the matrix product (wasmBatchMatMul.ts), which
// nn/batchMatMul.ts uses for attention and BatchMatMul uses on one thread, and the column sum in front of tfjs's Sum
// (wasmColumnSum.ts). With several threads BatchMatMul keeps XNNPACK, which spreads a product over them.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmBatchMatMul, registerWasmDenseProduct, simdMatMul, transposeLastTwo, type MatMulAttrs, type SimdMatMul } from './wasmBatchMatMul';
import { registerWasmColumnSum } from './wasmColumnSum';
import { simdLoopsOn } from './wasmSimd';

const PATCHED_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const BACKEND = 'wasm';

let patched = false;
/** The SIMD product, once the backend is initialised. */
let product: SimdMatMul | null = null;

/** What runs in place of tfjs-wasm's own matMul kernels (the page's Engine panel shows it). */
export interface WasmKernels {
  /** BatchMatMul and _FusedMatMul transpose explicitly. */
  transposeFix: boolean;
  /** The SIMD loops are registered: the product (wasmBatchMatMul.ts) and the column sum (wasmColumnSum.ts). */
  simdLoops: boolean;
}

/**
 * Re-registers the wasm matMul kernels with explicit transposes (BatchMatMul with the SIMD product in front on one
 * thread), and registers the SIMD batched product and column sum once the wasm backend is initialised; says what is
 * in place. Idempotent; call after the wasm backend is registered (importing
 * @tensorflow/tfjs-backend-wasm does that). A no-op where the kernels are missing.
 */
export function patchWasmMatMul(): WasmKernels {
  const transposeConfig = tf.getKernel('Transpose', BACKEND);
  if (!transposeConfig) return { transposeFix: false, simdLoops: false };
  // The SIMD loops need the initialised backend's memory: tried on every call until they are registered.
  const backend = tf.findBackend(BACKEND) as BackendWasm | null;
  if (backend !== null && product === null) product = simdMatMul(backend, transposeConfig.kernelFunc);
  const simdLoops = backend !== null && registerWasmBatchMatMul(product) && registerWasmColumnSum(backend);
  // Dense layers' one-call product, like BatchMatMul's SIMD product, only where tfjs runs one thread.
  if (simdLoops && getThreadsCount() === 1) registerWasmDenseProduct(backend);
  if (patched) return { transposeFix: true, simdLoops };
  for (const name of PATCHED_KERNELS) {
    const original = tf.getKernel(name, BACKEND);
    if (!original) continue;
    const originalFunc = original.kernelFunc;
    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      const { a: a0, b: b0 } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const simd = name === 'BatchMatMul' && product !== null && simdLoopsOn() && getThreadsCount() === 1 ? product(a0, b0, { transposeA, transposeB }) : null;
      if (simd) return simd;
      if (!transposeA && !transposeB) return originalFunc({ inputs, backend, attrs });
      const kernelBackend = backend as tf.KernelBackend;
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
  return { transposeFix: true, simdLoops };
}
