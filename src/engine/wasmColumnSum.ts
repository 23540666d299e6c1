// A faster Sum over the leading axes for the tfjs wasm backend. Every bias and LayerNorm gain gradient, and tfjs's
// gradient of a broadcast add, sums a [rows, cols] activation over its rows; tfjs-wasm 4.22 transposes the tensor
// so that each output's terms are contiguous, then sums them with a scalar loop: 60 such sums took 7 of a prior
// training step's ~63 ms (batch 64, one thread). wasmSimd.ts's `columnSum` reads the rows in place, 16 columns at a
// time in registers, and sums each column in row order, as tfjs's loop does: the same float32 numbers, bit for bit.
// Every other Sum (over trailing or inner axes, integers) goes to tfjs's kernel unchanged.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendSimdKernels, heapOffset, simdLoopsOn } from './wasmSimd';

interface SumAttrs {
  axis: number | number[] | null;
  keepDims: boolean;
}

/** How many leading axes `axis` reduces when it is exactly 0 … q − 1 with q below the rank, else 0. */
export function leadingAxes(shape: readonly number[], axis: SumAttrs['axis']): number {
  const rank = shape.length;
  if (axis === null) return 0;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i) ? axes.length : 0;
  return leading < rank ? leading : 0;
}

const patchedBackends = new WeakSet<BackendWasm>();

/** Re-registers the wasm Sum with the SIMD column sum in front; false where the SIMD module cannot run. */
export function registerWasmColumnSum(backend: BackendWasm): boolean {
  if (patchedBackends.has(backend)) return true;
  const columnSum = backendSimdKernels(backend)?.columnSum;
  const original = tf.getKernel('Sum', 'wasm');
  if (!columnSum || !original) return false;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const leading = leadingAxes(x.shape, axis);
    if (x.dtype !== 'float32' || leading === 0 || !simdLoopsOn()) return original.kernelFunc(args);
    const rows = x.shape.slice(0, leading).reduce((n, d) => n * d, 1);
    const kept = x.shape.slice(leading);
    const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept, 'float32');
    const cols = kept.reduce((n, d) => n * d, 1);
    columnSum(heapOffset(backend, x), heapOffset(backend, out), rows, cols);
    return out;
  };
  tf.unregisterKernel('Sum', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  patchedBackends.add(backend);
  return true;
}
