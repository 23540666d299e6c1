// A batched matrix product for the tfjs wasm backend, for the many small products of attention
// ([B·heads, L, D/heads] with L ≈ 4–19). tfjs-wasm 4.22 sends only batch-1 products to XNNPACK; a batched one
// runs a scalar loop at ≈ 1.5 GFLOP/s, and splitting it into batch-1 calls costs more (XNNPACK packs the
// right-hand matrix on every call, ~40 µs). This is a 128-bit SIMD loop, assembled below into a tiny
// WebAssembly module that imports the backend's own memory (plain, or shared in the threaded build), so it reads and
// writes the tensors in place; it runs on the calling thread, like tfjs-wasm's own scalar loop:
//
//   for g < batch, i < m:  C[g,i,:] = 0;  for p < k:  C[g,i,:] += A[g,i,p] · B[g,p,:]   (4 columns per vector op)
//
// A transposed operand is transposed first with the backend's Transpose kernel (cheap: memory-bound).
// Registered by patchWasmMatMul (wasmMatMul.ts) under BATCH_MATMUL_KERNEL; nn/batchMatMul.ts dispatches to it.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_MATMUL_KERNEL, batchMatMul } from '../nn/batchMatMul';

// ── A minimal WebAssembly encoder: just the opcodes the loop needs ──────────────────────────────────────────
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const EMPTY = 0x40;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  i32Const: 0x41,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Add: 0x92,
  f32Mul: 0x94,
  f32Const: 0x43,
} as const;
/** SIMD opcodes (after the 0xfd prefix), LEB128-encoded. */
const simd = { load: [0x00], store: [0x0b], f32x4Splat: [0x13], f32x4Add: [0xe4, 0x01], f32x4Mul: [0xe6, 0x01] } as const;

function leb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}
const uleb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...uleb(n >>> 7)]);
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Locals: the 7 parameters, then the loop state.
const [A, B, C, BATCH, M, K, N] = [0, 1, 2, 3, 4, 5, 6];
const [G, I, P, J, AROW, BROW, CROW, BBASE, NVEC] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
const AS = 16; // f32: A[g,i,p]
const AV = 17; // v128: A[g,i,p] in every lane

const get = (l: number) => [op.get, l];
const set = (l: number) => [op.set, l];
const i32 = (n: number) => [op.i32Const, ...leb(n)];
const memF32 = [2, 0]; // align 4 bytes, offset 0
/** `counter += step` */
const bump = (counter: number, step: number[]) => [...get(counter), ...step, op.i32Add, ...set(counter)];
/** `base + 4·index` */
const addr = (base: number, index: number) => [...get(base), ...get(index), ...i32(2), op.i32Shl, op.i32Add];
/** for (counter = 0; counter < limit; counter += step) body — a block around a loop, exit test first. */
const forLoop = (counter: number, limit: number[], step: number, body: number[]) => [
  ...i32(0), ...set(counter),
  op.block, EMPTY, op.loop, EMPTY,
  ...get(counter), ...limit, op.i32GeS, op.brIf, 1,
  ...body,
  ...bump(counter, i32(step)), op.br, 0,
  op.end, op.end,
];

const body: number[] = [
  ...get(N), ...i32(-4), op.i32And, ...set(NVEC),
  ...get(A), ...set(AROW),
  ...get(C), ...set(CROW),
  ...get(B), ...set(BBASE),
  ...forLoop(G, get(BATCH), 1, [
    ...forLoop(I, get(M), 1, [
      // C row = 0
      ...forLoop(J, get(N), 1, [...addr(CROW, J), op.f32Const, 0, 0, 0, 0, op.f32Store, ...memF32]),
      ...get(BBASE), ...set(BROW),
      ...forLoop(P, get(K), 1, [
        ...addr(AROW, P), op.f32Load, ...memF32, ...set(AS),
        ...get(AS), 0xfd, ...simd.f32x4Splat, ...set(AV),
        // 4 columns at a time: C[i, j:j+4] += a · B[p, j:j+4]
        ...forLoop(J, get(NVEC), 4, [
          ...addr(CROW, J),
          ...addr(CROW, J), 0xfd, ...simd.load, ...memF32,
          ...get(AV), ...addr(BROW, J), 0xfd, ...simd.load, ...memF32, 0xfd, ...simd.f32x4Mul,
          0xfd, ...simd.f32x4Add,
          0xfd, ...simd.store, ...memF32,
        ]),
        // the last n mod 4 columns one at a time (forLoop restarts J at 0, so this loop starts at NVEC by hand)
        ...get(NVEC), ...set(J),
        op.block, EMPTY, op.loop, EMPTY,
        ...get(J), ...get(N), op.i32GeS, op.brIf, 1,
        ...addr(CROW, J),
        ...addr(CROW, J), op.f32Load, ...memF32, ...get(AS), ...addr(BROW, J), op.f32Load, ...memF32, op.f32Mul, op.f32Add,
        op.f32Store, ...memF32,
        ...bump(J, i32(1)), op.br, 0,
        op.end, op.end,
        ...bump(BROW, [...get(N), ...i32(2), op.i32Shl]),
      ]),
      ...bump(AROW, [...get(K), ...i32(2), op.i32Shl]),
      ...bump(CROW, [...get(N), ...i32(2), op.i32Shl]),
    ]),
    ...bump(BBASE, [...get(K), ...get(N), op.i32Mul, ...i32(2), op.i32Shl]),
  ]),
];

const locals = vec([
  [...uleb(9), I32],
  [...uleb(1), F32],
  [...uleb(1), V128],
]);
const code = [...locals, ...body, op.end];

/**
 * The memory import's limits: tfjs's single-threaded builds export a plain memory (any size: min 0, no max); the
 * threaded build's is shared, and a shared import must declare itself shared with a maximum at least the memory's
 * (emscripten's is the whole 32-bit space, 65536 pages of 64 KiB).
 */
const PLAIN_LIMITS = [0x00, ...uleb(0)];
const WASM32_PAGES = 65536;
const SHARED_LIMITS = [0x03, ...uleb(0), ...uleb(WASM32_PAGES)];

const moduleBytes = (limits: number[]) => new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, ...vec(Array.from({ length: 7 }, () => [I32])), ...vec([])]])), // type: (i32 × 7) → ()
  ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])), // import the memory
  ...section(3, vec([[0]])), // function 0 has type 0
  ...section(7, vec([[...name('bmm'), 0x00, 0]])), // export it as bmm
  ...section(10, vec([[...uleb(code.length), ...code]])),
]);

export type Bmm = (a: number, b: number, c: number, batch: number, m: number, k: number, n: number) => void;

/** The SIMD product reading and writing `memory` (plain or shared), or null where it cannot run (no SIMD). */
export function simdProduct(memory: WebAssembly.Memory): Bmm | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = moduleBytes(shared ? SHARED_LIMITS : PLAIN_LIMITS);
  if (!WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.bmm as Bmm;
}

/**
 * The backend's memory: exported by the single-threaded builds (Module.asm.memory), made by the threaded build's
 * JavaScript and handed to its pthreads (Module.wasmMemory).
 */
function backendMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const module = backend.wasm as unknown as { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * Registers BATCH_MATMUL_KERNEL for the wasm backend (and its gradient); false where the SIMD module cannot run,
 * in which case nn/batchMatMul.ts keeps using tf.matMul.
 */
export function registerWasmBatchMatMul(transposeKernel: tf.KernelFunc, backend: BackendWasm): boolean {
  if (tf.getKernel(BATCH_MATMUL_KERNEL, 'wasm')) return true;
  const memory = backendMemory(backend);
  const bmm = memory && simdProduct(memory);
  if (!bmm) return false;
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const transposed = (x: tf.TensorInfo) => transposeKernel({ inputs: { x }, backend, attrs: { perm: [0, 2, 1] } }) as tf.TensorInfo;
  tf.registerKernel({
    kernelName: BATCH_MATMUL_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      const { a: a0, b: b0 } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const a = transposeA ? transposed(a0) : a0;
      const b = transposeB ? transposed(b0) : b0;
      const [batch, m, k] = a.shape;
      const n = b.shape[2];
      const out = backend.makeOutput([batch, m, n], 'float32');
      bmm(offset(a), offset(b), offset(out), batch, m, k, n);
      if (transposeA) backend.disposeData(a.dataId);
      if (transposeB) backend.disposeData(b.dataId);
      return out;
    },
  });
  // The usual matMul gradients (tfjs's BatchMatMul gradient, same cases), through the same kernel.
  tf.registerGradient({
    kernelName: BATCH_MATMUL_KERNEL,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as tf.Tensor3D[];
      const d = dy as tf.Tensor3D;
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      if (!transposeA && !transposeB) return { a: () => batchMatMul(d, b, false, true), b: () => batchMatMul(a, d, true, false) };
      if (!transposeA && transposeB) return { a: () => batchMatMul(d, b, false, false), b: () => batchMatMul(d, a, true, false) };
      if (transposeA && !transposeB) return { a: () => batchMatMul(b, d, false, true), b: () => batchMatMul(a, d, false, false) };
      return { a: () => batchMatMul(b, d, true, true), b: () => batchMatMul(d, a, true, true) };
    },
  });
  return true;
}
