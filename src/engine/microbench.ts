// Micro-benchmarks of the current tfjs backend. `sagr bench` reports them per Node backend; the worker's choice of
// a backend (no hardware GPU) starts with benchMatMul as a cheap probe before timing the policy (inferenceBench.ts).
import * as tf from '@tensorflow/tfjs';

export interface MicrobenchResult {
  backend: string;
  /** Median ms of one size×size matMul, read back to the host. */
  matMulMs: number;
  matMulSize: number;
  /** Median ms of one Adam step of a small MLP (2 hidden layers), read back. */
  adamStepMs: number;
  adamBatch: number;
  runs: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median ms of `once` over `runs` timed runs after `warmup` untimed ones (which compile the backend's kernels). */
export async function timeMedian(runs: number, warmup: number, once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export interface MicrobenchOptions {
  matMulSize?: number;
  batch?: number;
  hidden?: number;
  runs?: number;
  warmup?: number;
}

const DEFAULTS: Required<MicrobenchOptions> = { matMulSize: 256, batch: 256, hidden: 64, runs: 7, warmup: 2 };

/** Median ms of one size×size matMul on the active backend, read back. All tensors are disposed. */
export async function benchMatMul(opts: MicrobenchOptions = {}): Promise<number> {
  const { matMulSize: size, runs, warmup } = { ...DEFAULTS, ...opts };
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  const matMulMs = await timeMedian(runs, warmup, async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  });
  a.dispose();
  b.dispose();
  return matMulMs;
}

/** Median ms of one Adam step of a small MLP (2 hidden layers) on the active backend, read back. All tensors are disposed. */
export async function benchAdamStep(opts: MicrobenchOptions = {}): Promise<number> {
  const { batch, hidden, runs, warmup } = { ...DEFAULTS, ...opts };
  const inDim = 32;
  const outDim = 8;
  const x = tf.randomNormal([batch, inDim], 0, 1, 'float32', 3);
  const y = tf.randomNormal([batch, outDim], 0, 1, 'float32', 4);
  // tf.variable keeps its own reference to the data, so the initial tensors are disposed right away.
  const variable = (init: tf.Tensor): tf.Variable => {
    const v = tf.variable(init);
    init.dispose();
    return v;
  };
  const vars = [
    variable(tf.randomNormal([inDim, hidden], 0, 0.2, 'float32', 5)),
    variable(tf.zeros([hidden])),
    variable(tf.randomNormal([hidden, hidden], 0, 0.2, 'float32', 6)),
    variable(tf.zeros([hidden])),
    variable(tf.randomNormal([hidden, outDim], 0, 0.2, 'float32', 7)),
    variable(tf.zeros([outDim])),
  ];
  const opt = tf.train.adam(1e-3);
  const adamStepMs = await timeMedian(runs, warmup, async () => {
    const loss = opt.minimize(() => {
      const h1 = tf.relu(tf.add(tf.matMul(x, vars[0]), vars[1]));
      const h2 = tf.relu(tf.add(tf.matMul(h1, vars[2]), vars[3]));
      const out = tf.add(tf.matMul(h2, vars[4]), vars[5]);
      return tf.losses.meanSquaredError(y, out) as tf.Scalar;
    }, true);
    await loss!.data();
    loss!.dispose();
  });
  opt.dispose();
  for (const v of vars) v.dispose();
  x.dispose();
  y.dispose();
  return adamStepMs;
}

/** Times matMul and an MLP Adam step on the active backend. */
export async function microbench(opts: MicrobenchOptions = {}): Promise<MicrobenchResult> {
  const o = { ...DEFAULTS, ...opts };
  const matMulMs = await benchMatMul(o);
  const adamStepMs = await benchAdamStep(o);
  return { backend: tf.getBackend(), matMulMs, matMulSize: o.matMulSize, adamStepMs, adamBatch: o.batch, runs: o.runs };
}
