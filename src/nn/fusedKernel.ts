// Fused kernels: a layer's forward pass (or its gradient) registered as ONE tfjs kernel whose body calls the
// active backend's own kernels directly, the way tfjs backends compose their kernels internally. Each tfjs op
// costs a few µs of engine bookkeeping (scopes, tracking, the gradient tape, and a saved clone per taped input)
// before any arithmetic; for the small tensors here that is most of the time (a K = 10 chunk sample at B = 1 is
// ~2,400 such launches), so a layer is one launch, its backward pass another. The arithmetic is the same kernels
// in the same order. Works on every backend that has the standard kernels (wasm, cpu, WebGL, WebGPU).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_MATMUL_KERNEL, DENSE_PRODUCT_KERNEL } from './batchMatMul';
import { ensureFlatKernels } from './flat';

type Info = tf.TensorInfo;

/** The kernels of one backend, called directly; every tensor they make is freed by `done` unless returned. */
export class BackendOps {
  private readonly made: Info[] = [];

  constructor(
    private readonly backend: tf.KernelBackend,
    private readonly backendName: string,
  ) {}

  run(kernel: string, inputs: object, attrs: object = {}): Info[] {
    const k = tf.getKernel(kernel, this.backendName);
    if (!k) throw new Error(`fused kernel: backend ${this.backendName} has no ${kernel} kernel`);
    const out = k.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    const outs = Array.isArray(out) ? out : [out];
    this.made.push(...outs);
    return outs;
  }

  private one = (kernel: string, inputs: object, attrs: object = {}) => this.run(kernel, inputs, attrs)[0];

  scalar(value: number): Info {
    const t = { dataId: this.backend.write(new Float32Array([value]), [], 'float32'), shape: [], dtype: 'float32' as const };
    this.made.push(t);
    return t;
  }

  add = (a: Info, b: Info) => this.one('Add', { a, b });
  sub = (a: Info, b: Info) => this.one('Sub', { a, b });
  mul = (a: Info, b: Info) => this.one('Multiply', { a, b });
  square = (x: Info) => this.one('Square', { x });
  rsqrt = (x: Info) => this.one('Rsqrt', { x });
  sigmoid = (x: Info) => this.one('Sigmoid', { x });
  softmax = (logits: Info) => this.one('Softmax', { logits }, { dim: logits.shape.length - 1 });
  mean = (x: Info, axis: number, keepDims = false) => this.one('Mean', { x }, { axis, keepDims });
  sum = (x: Info, axis: number, keepDims = false) => this.one('Sum', { x }, { axis, keepDims });
  reshape = (x: Info, shape: number[]) => this.one('Reshape', { x }, { shape });
  transpose = (x: Info, perm: number[]) => this.one('Transpose', { x }, { perm });
  concat = (xs: Info[], axis: number) => (xs.length === 1 ? xs[0] : this.one('Concat', xs, { axis }));
  matMul = (a: Info, b: Info, transposeA = false, transposeB = false) => this.one('BatchMatMul', { a, b }, { transposeA, transposeB });
  /** Rank-3 products with matching batches: the SIMD kernel where registered (wasm), else BatchMatMul. */
  batchMatMul = (a: Info, b: Info, transposeA = false, transposeB = false) =>
    this.one(tf.getKernel(BATCH_MATMUL_KERNEL, this.backendName) ? BATCH_MATMUL_KERNEL : 'BatchMatMul', { a, b }, { transposeA, transposeB });
  /** x·w + b (+ r), x and r 2-D: one kernel where registered (wasm), else the product, then b added, then r. */
  denseProduct = (x: Info, w: Info, b: Info, r?: Info) => {
    if (tf.getKernel(DENSE_PRODUCT_KERNEL, this.backendName)) return this.one(DENSE_PRODUCT_KERNEL, r ? { x, w, b, r } : { x, w, b });
    const y = this.add(this.matMul(x, w), b);
    return r ? this.add(r, y) : y;
  };
  /** x cut along its first axis into `parts` equal pieces, each reshaped to `shape` (nn/flat.ts's unflatten kernel). */
  splitFirst = (x: Info, parts: number, shape: number[]) => {
    if (parts === 1) return [this.reshape(x, shape)];
    ensureFlatKernels();
    return this.run('SagrUnflatten', { x: this.reshape(x, [-1]) }, { shapes: Array.from({ length: parts }, () => shape) });
  };

  /** Frees everything made here but `outputs` (a reshape holds its own reference to shared data). */
  done(outputs: Info[]): Info[] {
    for (const t of this.made) if (!outputs.includes(t)) this.backend.disposeData(t.dataId);
    return outputs;
  }
}

export type FusedBody = (ops: BackendOps, inputs: Record<string, Info>, attrs: Record<string, unknown>) => Info[];
/**
 * The same kernel on the wasm backend as one loop over its heap, for small tensors: each wasm kernel call costs
 * ~5 µs of marshalling and allocation whatever its size, so at B = 1 a layer of ten small kernels is mostly call
 * overhead. Used up to HEAP_MAX_ELEMENTS; larger tensors go to the backend's SIMD kernels, faster than a JS loop.
 */
export type HeapBody = (backend: BackendWasm, inputs: Record<string, Info>, attrs: Record<string, unknown>) => Info[];
export const HEAP_MAX_ELEMENTS = 16_384;

/** `elements`: the size of the tensors the heap body loops over, for the HEAP_MAX_ELEMENTS choice. */
const bodies = new Map<string, { body: FusedBody; heap?: { body: HeapBody; elements: (inputs: Record<string, Info>) => number } }>();

/** Declares a fused kernel; it is registered for a backend the first time it runs there. */
export function fusedKernel(name: string, body: FusedBody, heap?: { body: HeapBody; elements: (inputs: Record<string, Info>) => number }): void {
  bodies.set(name, { body, heap });
}

/** Runs fused kernel `name` on the active backend; returns all its outputs. */
export function runFused(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): tf.Tensor[] {
  const backendName = tf.getBackend();
  if (!tf.getKernel(name, backendName)) {
    const declared = bodies.get(name);
    if (!declared) throw new Error(`fused kernel ${name} is not declared`);
    const { body, heap } = declared;
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ({ inputs: i, backend, attrs: a }) => {
        const named = i as Record<string, Info>;
        if (heap && backendName === 'wasm' && heap.elements(named) <= HEAP_MAX_ELEMENTS) return heap.body(backend as BackendWasm, named, a as Record<string, unknown>);
        const ops = new BackendOps(backend as tf.KernelBackend, backendName);
        return ops.done(body(ops, named, a as Record<string, unknown>));
      },
    });
  }
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}
