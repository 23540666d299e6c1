// The project's own 128-bit SIMD loops for the tfjs wasm backend, assembled below into a tiny WebAssembly module
// that imports the backend's own memory (plain, or shared in the threaded build), so they read and write tensors
// in place on the calling thread, as tfjs-wasm's own kernels do. Two functions:
//
//   bmm(a, b, c, batch, m, k, n, …):  C[g,i,:] = Σ_p A[g,i,p] · B[g,p,:] (+ bias + residual)   (A stored or transposed;
//                                     with `accumulate`, the sums start from C's values: a long sum in parts)
//   columnSum(x, out, rows, cols):    out[:] = Σ_r X[r,:]                                     (a Sum over leading axes)
//
// Both walk the output in blocks of 16 columns (four vectors; bmm: of two output rows at once) held in registers over
// the whole sum, then blocks of 4, then single columns; each output is summed in order of p (or r) from 0, exactly as
// a scalar loop would, so the numbers are bit for bit those of tfjs's and XNNPACK's loops. Pointers are bytes, sizes
// elements of float32.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const EMPTY = 0x40;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  i32Const: 0x41,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Add: 0x92,
  f32Mul: 0x94,
  f32Const: 0x43,
} as const;
/** SIMD opcodes, after the 0xfd prefix (LEB128). */
const SIMD = 0xfd;
const simd = { load: [0x00], load32Splat: [0x09], store: [0x0b], const: [0x0c], f32x4Add: [0xe4, 0x01], f32x4Mul: [0xe6, 0x01] } as const;

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

const get = (l: number) => [op.get, l];
const set = (l: number) => [op.set, l];
const i32 = (n: number) => [op.i32Const, ...leb(n)];
/** align 4 bytes (a hint), then the byte offset added to the address */
const memarg = (offset = 0) => [2, ...uleb(offset)];
const bump = (local: number, step: number[]) => [...get(local), ...step, op.i32Add, ...set(local)];
const times4 = [...i32(2), op.i32Shl];
/** while (counter < limit) { body; counter += step } — a block around a loop, exit test first. */
const whileBelow = (counter: number, limit: number[], step: number[], body: number[]) => [
  op.block, EMPTY, op.loop, EMPTY,
  ...get(counter), ...limit, op.i32GeS, op.brIf, 1,
  ...body,
  ...bump(counter, step), op.br, 0,
  op.end, op.end,
];
const forLoop = (counter: number, limit: number[], body: number[]) => [...i32(0), ...set(counter), ...whileBelow(counter, limit, i32(1), body)];
const zeroV128 = [SIMD, ...simd.const, ...Array(16).fill(0)];

/**
 * How a block of output columns is summed: an inner loop whose every step adds one row of terms, the same row of
 * the summed matrix (B, or X) times a factor per output row (bmm: A's element; columnSum: none).
 */
interface Terms {
  /** Before the inner loop, with J the block's first column and I its first output row: point at the first terms. */
  start: number[];
  /** The inner loop's counter local and its limit. */
  counter: number;
  count: number[];
  /** Pushes the step's v-th vector of the summed row (16 bytes apart), or with `scalar` its one float. */
  load: (v: number, scalar: boolean) => number[];
  /** Output row r's factor this step: code that sets the locals `splats[r]` (v128) before the vector terms … */
  splat?: (r: number, into: number) => number[];
  /** … and code that multiplies the float on the stack by it (`scalar` blocks). */
  scaleScalar?: (r: number) => number[];
  /** After the terms: move to the next step. */
  advance: number[];
}

/** The locals of the column loops. */
interface Columns {
  J: number;
  OUT: number; // byte address of the block's first output row, column 0
  OUT_STEP: number; // bytes between output rows
  accs: readonly number[]; // 8 v128 locals: 4 per output row
  splats: readonly number[]; // 2 v128 locals
  vector: number; // 1 v128 local: the step's vector
  acc: readonly number[]; // 2 f32 locals
  float: number; // 1 f32 local: the step's float
  /** Optional i32 locals: a bias vector's address (0: none) added to every row, and a residual's (0: none) added after
   * it, RES_DELTA bytes from the output element it goes with (same shape as the output). */
  BIAS?: number;
  RES?: number;
  RES_DELTA?: number;
  /** Optional i32 local: nonzero, the sums start from the output's values instead of 0 (a sum split over p in parts). */
  ACCUM?: number;
}

/**
 * `rows` output rows (1 or 2), their columns from J (as left by the previous call) below `limit`, `lanes` at a time
 * (16: four vectors, 4: one, 1: a float). The sums start at 0 in registers and take every step's terms in order;
 * each vector or float of the summed row is loaded once for both output rows. Stored at OUT + r·OUT_STEP + 4·J.
 */
function columnBlocks(c: Columns, rows: 1 | 2, lanes: 16 | 4 | 1, limit: number[], t: Terms): number[] {
  const scalar = lanes === 1;
  const vectors = scalar ? 1 : lanes / 4;
  const acc = (r: number, v: number) => (scalar ? c.acc[r] : c.accs[4 * r + v]);
  const all = Array.from({ length: rows }, (_, r) => Array.from({ length: vectors }, (_, v) => [r, v])).flat();
  const zero = scalar ? [op.f32Const, 0, 0, 0, 0] : zeroV128;
  const add = scalar ? [op.f32Add] : [SIMD, ...simd.f32x4Add];
  const scale = (r: number) => (scalar ? (t.scaleScalar?.(r) ?? []) : t.splat ? [...get(c.splats[r]), SIMD, ...simd.f32x4Mul] : []);
  const outAddr = (r: number) => [...get(c.OUT), ...(r ? [...get(c.OUT_STEP), op.i32Add] : []), ...get(c.J), ...times4, op.i32Add];
  const load = (v: number) => (scalar ? [op.f32Load, ...memarg()] : [SIMD, ...simd.load, ...memarg(16 * v)]);
  const store = (r: number, v: number) => [...outAddr(r), ...get(acc(r, v)), ...(scalar ? [op.f32Store, ...memarg()] : [SIMD, ...simd.store, ...memarg(16 * v)])];
  /** if (flag) for every sum: sum = sum + (the value at `addr(r)`, vector v) */
  const addWhere = (flag: number | undefined, addr: (r: number) => number[]) =>
    flag === undefined ? [] : [...get(flag), op.if, EMPTY, ...all.flatMap(([r, v]) => [...get(acc(r, v)), ...addr(r), ...load(v), ...add, ...set(acc(r, v))]), op.end];
  // the epilogue: (Σ + bias) + residual, as y = x·W + b, then + r, rounds
  const epilogue = [
    ...addWhere(c.BIAS, () => [...get(c.BIAS!), ...get(c.J), ...times4, op.i32Add]),
    ...addWhere(c.RES, (r) => [...outAddr(r), ...get(c.RES_DELTA!), op.i32Add]),
  ];
  const step = Array.from({ length: vectors }, (_, v) => [
    ...t.load(v, scalar), ...set(scalar ? c.float : c.vector),
    ...Array.from({ length: rows }, (_, r) => [...get(acc(r, v)), ...get(scalar ? c.float : c.vector), ...scale(r), ...add, ...set(acc(r, v))]).flat(),
  ]).flat();
  const start = (r: number, v: number) => (c.ACCUM === undefined ? zero : [...get(c.ACCUM), op.if, scalar ? F32 : V128, ...outAddr(r), ...load(v), op.else, ...zero, op.end]);
  return whileBelow(c.J, limit, i32(lanes), [
    ...all.flatMap(([r, v]) => [...start(r, v), ...set(acc(r, v))]),
    ...t.start,
    ...forLoop(t.counter, t.count, [
      ...(scalar || !t.splat ? [] : Array.from({ length: rows }, (_, r) => t.splat!(r, c.splats[r])).flat()),
      ...step,
      ...t.advance,
    ]),
    ...epilogue,
    ...all.flatMap(([r, v]) => store(r, v)),
  ]);
}

/** All columns of a block of output rows: 16 at a time, then 4, then one; N16 and N4 hold n rounded down. */
const allColumns = (c: Columns, rows: 1 | 2, n: number, n16: number, n4: number, t: Terms) => [
  ...i32(0), ...set(c.J),
  ...columnBlocks(c, rows, 16, get(n16), t),
  ...columnBlocks(c, rows, 4, get(n4), t),
  ...columnBlocks(c, rows, 1, get(n), t),
];
const roundDown = (n: number, to: number, into: number) => [...get(n), ...i32(-to), op.i32And, ...set(into)];
const loadV128 = (ptr: number, v: number) => [...get(ptr), SIMD, ...simd.load, ...memarg(16 * v)];
const loadF32 = (ptr: number) => [...get(ptr), op.f32Load, ...memarg()];

interface Func {
  params: number;
  locals: number[];
  body: number[];
}

// bmm(a, b, c, batch, m, k, n, aRowStep, aStep, bias, residual, accumulate): A[g,i,p] at a + g·m·k·4 + i·aRowStep + p·aStep, so
// A may be stored transposed ([g, k, m]: aRowStep 4, aStep 4m) and read in place. Output rows go in pairs (each of
// B's vectors loaded once for two rows of C), then the last one alone. bias ([n]) and residual (C's shape) are
// addresses, 0 for none: C = A·B + bias + residual, rounded in that order. accumulate ≠ 0: each sum starts from C's
// value instead of 0, so a sum over p split into parts (each part's call with its own a, b offsets) is summed in order
// of p as by one call.
const BMM: Func = (() => {
  const [A, B, C, BATCH, M, K, N, A_ROW_STEP, A_STEP, BIAS, RES, ACCUM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [G, I, P, J, ABASE, AROW, APTR, BPTR, CROW, BBASE, BSTRIDE, N16, N4, M2, RES_DELTA] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26];
  const [ACC0, ACC1, FLOAT] = [27, 28, 29]; // f32
  const V = 30; // v128 locals from here: 8 sums, 2 splats, 1 vector
  const columns: Columns = { J, OUT: CROW, OUT_STEP: BSTRIDE, accs: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => V + i), splats: [V + 8, V + 9], vector: V + 10, acc: [ACC0, ACC1], float: FLOAT, BIAS, RES, RES_DELTA, ACCUM };
  /** A[g, I + r, p]: APTR (row I's element) plus r rows */
  const addrA = (r: number) => [...get(APTR), ...(r ? [...get(A_ROW_STEP), op.i32Add] : [])];
  const loadA = (r: number) => [...addrA(r), op.f32Load, ...memarg()];
  const terms: Terms = {
    // APTR walks A[g,I,p] along p, BPTR walks B[g,p,J] down the rows
    start: [...get(AROW), ...set(APTR), ...get(BBASE), ...get(J), ...times4, op.i32Add, ...set(BPTR)],
    counter: P,
    count: get(K),
    load: (v, scalar) => (scalar ? loadF32(BPTR) : loadV128(BPTR, v)),
    splat: (r, into) => [...addrA(r), SIMD, ...simd.load32Splat, ...memarg(), ...set(into)],
    scaleScalar: (r) => [...loadA(r), op.f32Mul],
    advance: [...bump(APTR, get(A_STEP)), ...bump(BPTR, get(BSTRIDE))],
  };
  const rowsOf = (rows: 1 | 2) => [
    ...allColumns(columns, rows, N, N16, N4, terms),
    ...bump(AROW, rows === 2 ? [...get(A_ROW_STEP), ...i32(1), op.i32Shl] : get(A_ROW_STEP)),
    ...bump(CROW, rows === 2 ? [...get(BSTRIDE), ...i32(1), op.i32Shl] : get(BSTRIDE)),
  ];
  const body = [
    ...roundDown(N, 16, N16),
    ...roundDown(N, 4, N4),
    ...roundDown(M, 2, M2),
    ...get(N), ...times4, ...set(BSTRIDE),
    ...get(RES), ...get(C), op.i32Sub, ...set(RES_DELTA),
    ...get(A), ...set(ABASE),
    ...get(C), ...set(CROW),
    ...get(B), ...set(BBASE),
    ...forLoop(G, get(BATCH), [
      ...get(ABASE), ...set(AROW),
      ...i32(0), ...set(I),
      ...whileBelow(I, get(M2), i32(2), rowsOf(2)),
      ...whileBelow(I, get(M), i32(1), rowsOf(1)),
      ...bump(ABASE, [...get(M), ...get(K), op.i32Mul, ...times4]),
      ...bump(BBASE, [...get(K), ...get(BSTRIDE), op.i32Mul]),
    ]),
  ];
  return { params: 12, locals: vec([[...uleb(15), I32], [...uleb(3), F32], [...uleb(11), V128]]), body };
})();

// columnSum(x, out, rows, cols)
const COLUMN_SUM: Func = (() => {
  const [X, OUT, ROWS, COLS] = [0, 1, 2, 3];
  const [R, J, PTR, STRIDE, N16, N4] = [4, 5, 6, 7, 8, 9];
  const [ACC, FLOAT] = [10, 11]; // f32
  const V = 12; // v128 locals from here: 4 sums, 1 vector
  const columns: Columns = { J, OUT, OUT_STEP: STRIDE, accs: [0, 1, 2, 3].map((i) => V + i), splats: [], vector: V + 4, acc: [ACC], float: FLOAT };
  const terms: Terms = {
    start: [...get(X), ...get(J), ...times4, op.i32Add, ...set(PTR)],
    counter: R,
    count: get(ROWS),
    load: (v, scalar) => (scalar ? loadF32(PTR) : loadV128(PTR, v)),
    advance: bump(PTR, get(STRIDE)),
  };
  const body = [...roundDown(COLS, 16, N16), ...roundDown(COLS, 4, N4), ...get(COLS), ...times4, ...set(STRIDE), ...allColumns(columns, 1, COLS, N16, N4, terms)];
  return { params: 4, locals: vec([[...uleb(6), I32], [...uleb(2), F32], [...uleb(5), V128]]), body };
})();

const FUNCS = [['bmm', BMM], ['columnSum', COLUMN_SUM]] as const;

/**
 * The memory import's limits: tfjs's single-threaded builds export a plain memory (any size: min 0, no max); the
 * threaded build's is shared, and a shared import must declare itself shared with a maximum at least the memory's
 * (emscripten's is the whole 32-bit space, 65536 pages of 64 KiB).
 */
const PLAIN_LIMITS = [0x00, ...uleb(0)];
const WASM32_PAGES = 65536;
const SHARED_LIMITS = [0x03, ...uleb(0), ...uleb(WASM32_PAGES)];

const moduleBytes = (limits: number[]) => {
  const code = FUNCS.map(([, f]) => [...f.locals, ...f.body, op.end]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(FUNCS.map(([, f]) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec([])]))), // (i32 × params) → ()
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])), // import the memory
    ...section(3, vec(FUNCS.map((_, i) => [i]))), // function i has type i
    ...section(7, vec(FUNCS.map(([fname], i) => [...name(fname), 0x00, i]))),
    ...section(10, vec(code.map((c) => [...uleb(c.length), ...c]))),
  ]);
};

export interface SimdKernels {
  bmm: (a: number, b: number, c: number, batch: number, m: number, k: number, n: number, aRowStep: number, aStep: number, bias: number, residual: number, accumulate: number) => void;
  columnSum: (x: number, out: number, rows: number, cols: number) => void;
}

/** The SIMD loops reading and writing `memory` (plain or shared), or null where they cannot run (no SIMD). */
export function simdKernels(memory: WebAssembly.Memory): SimdKernels | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = moduleBytes(shared ? SHARED_LIMITS : PLAIN_LIMITS);
  if (!WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as SimdKernels;
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

const instances = new WeakMap<BackendWasm, SimdKernels | null>();

/** The loops on an initialised wasm backend's memory (one instance per backend), or null where they cannot run. */
export function backendSimdKernels(backend: BackendWasm): SimdKernels | null {
  if (!instances.has(backend)) {
    const memory = backendMemory(backend);
    instances.set(backend, memory && simdKernels(memory));
  }
  return instances.get(backend)!;
}

let loopsOn = true;
/** Whether BatchMatMul and Sum run the SIMD loops now (wasmMatMul.ts, wasmColumnSum.ts). */
export const simdLoopsOn = () => loopsOn;

/**
 * Runs `f` with BatchMatMul and Sum on tfjs's own kernels, as before issue 16: bench's reference path only (see
 * src/reference/), so that the old path's time is the old code's. Attention's kernel is not switched: the old
 * layers do not call it.
 */
export async function withoutSimdLoops<T>(f: () => T | Promise<T>): Promise<T> {
  loopsOn = false;
  try {
    return await f();
  } finally {
    loopsOn = true;
  }
}

/** Where a tensor's data sits in the backend's memory, in bytes. */
export const heapOffset = (backend: BackendWasm, t: { dataId: object }) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
