// Many tensors as one flat buffer and back, each in ONE kernel launch. An optimiser, an EMA or a rollback
// snapshot works on every parameter of a module at once; done with tfjs ops, flattening N tensors costs N
// reshapes + a concat and unflattening a split + N reshapes, and every launch pays the engine's bookkeeping
// (~5 µs on wasm), which for the ~100 variables of the prior cost more than the arithmetic. These two kernels
// are registered per backend and call that backend's own Reshape, Concat and SplitV directly, the way tfjs
// backends compose their kernels internally, so they run on wasm, cpu, WebGL and WebGPU alike.
// Neither has a gradient: they move optimiser state, never values on a tape.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const FLATTEN = 'SagrFlatten';
const UNFLATTEN = 'SagrUnflatten';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function backendKernel(name: string, backendName: string): tf.KernelFunc {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`flat buffers: backend ${backendName} has no ${name} kernel`);
  return k.kernelFunc;
}

/** Registers both kernels for the active backend once (fusedKernel.ts splits with unflatten too). */
export function ensureFlatKernels(): void {
  const backendName = tf.getBackend();
  if (tf.getKernel(FLATTEN, backendName)) return;
  const reshape = backendKernel('Reshape', backendName);
  const concat = backendKernel('Concat', backendName);
  const splitV = backendKernel('SplitV', backendName);
  const dispose = (backend: tf.KernelBackend, infos: tf.TensorInfo[]) => infos.forEach((t) => backend.disposeData(t.dataId));

  tf.registerKernel({
    kernelName: FLATTEN,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const flat = (inputs as unknown as tf.TensorInfo[]).map((x) => reshape({ inputs: { x }, backend, attrs: { shape: [sizeOf(x.shape)] } }) as tf.TensorInfo);
      const out = concat({ inputs: flat as unknown as tf.NamedTensorInfoMap, backend, attrs: { axis: 0 } }) as tf.TensorInfo;
      dispose(backend as tf.KernelBackend, flat);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: UNFLATTEN,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const shapes = (attrs as unknown as { shapes: number[][] }).shapes;
      if (backendName === 'wasm') return unflattenWasm((inputs as { x: tf.TensorInfo }).x, backend as BackendWasm, shapes);
      const parts = splitV({ inputs, backend, attrs: { numOrSizeSplits: shapes.map(sizeOf), axis: 0 } }) as tf.TensorInfo[];
      const out = parts.map((x, i) => reshape({ inputs: { x }, backend, attrs: { shape: shapes[i] } }) as tf.TensorInfo);
      dispose(backend as tf.KernelBackend, parts);
      return out;
    },
  });
}

/**
 * wasm's Slice reads its whole input back (a copy) for every slice, so SplitV into ~100 parts copies the flat
 * buffer ~100 times (tens of ms for the prior): copy each part straight out of the heap instead.
 */
function unflattenWasm(x: tf.TensorInfo, backend: BackendWasm, shapes: number[][]): tf.TensorInfo[] {
  let offset = 0;
  return shapes.map((shape) => {
    const out = backend.makeOutput(shape, 'float32');
    const size = sizeOf(shape);
    // Views taken after makeOutput: an allocation can grow the heap and detach older views.
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + size));
    offset += size;
    return out;
  });
}

/** The values of `xs`, each flattened in row-major order, one after the other: [Σ sizes]. */
export function flatten(xs: readonly tf.Tensor[]): tf.Tensor1D {
  if (xs.length === 0) throw new Error('flatten: no tensors');
  ensureFlatKernels();
  return tf.engine().runKernel(FLATTEN, xs as unknown as tf.NamedTensorMap) as tf.Tensor1D;
}

/** The inverse of flatten: `flat` cut into tensors of `shapes`, in order. */
export function unflatten(flat: tf.Tensor1D, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  const total = shapes.reduce((sum, s) => sum + sizeOf(s), 0);
  if (flat.size !== total) throw new Error(`unflatten: ${flat.size} values for shapes holding ${total}`);
  ensureFlatKernels();
  const out = tf.engine().runKernel(UNFLATTEN, { x: flat }, { shapes: shapes as unknown as number[] });
  // A single shape still comes back as a one-element list.
  return Array.isArray(out) ? out : [out];
}

/** Writes `flat` (the values of `variables`, flattened in order) into the variables. */
export function assignFlat(variables: readonly tf.Variable[], flat: tf.Tensor1D): void {
  tf.tidy(() => unflatten(flat, variables.map((v) => v.shape)).forEach((value, i) => variables[i].assign(value)));
}
