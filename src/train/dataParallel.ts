// Data-parallel supervised training over worker_threads (Node). The trainer draws each step's batch and noise
// from its seeded streams as before (gradientSource.ts); here the batch is cut into W contiguous parts of
// near-equal size. This thread computes part 0 itself while each of W − 1 worker threads (gradientWorker.ts), a
// replica of the module on its own wasm backend, is sent the current weights and its part and replies with the
// part's mean loss and flat gradient. The step's loss and gradient are the parts' means weighted by part size,
//   g = Σ_w (n_w / B) · g_w,
// summed in worker order: the full batch's mean gradient up to float rounding, and the same bits for the same
// seed and W. The guard (NaN check, rollback), Adam and the EMA then run once, here, as in one thread; the
// updated weights go out with the next step's request. W = 1 is the in-process path itself (localGradients).
// Idle workers do not keep the process alive, and dispose (or any failure to start) terminates them all.
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { flatten } from '../nn/flat';
import { exampleRows, localGradients, type Examples, type GradientSource, type GradientSourceFactory, type StageLoss, type TrainedModule } from './gradientSource';
import { lossAndGradient, type LossAndGradient } from './guardedStep';

/** What a worker thread is started with (workerData). */
export interface WorkerStart {
  /** StageLoss.name. */
  stage: string;
  config: object;
}

/** One step's request to a worker: the trainer's weights (flat, in variable order) and the worker's rows. */
export interface GradientRequest {
  weights: Float32Array;
  examples: Examples;
}

export type GradientReply = { loss: number; grads: Float32Array; ms: number } | { error: string };

const BOOTSTRAP = new URL('./tsWorker.mjs', import.meta.url);
const WORKER_MODULE = new URL('./gradientWorker.ts', import.meta.url).href;

/** The first row of each of `parts` contiguous parts of `size` rows, then `size`. */
export function partBounds(size: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, w) => Math.floor((w * size) / parts));
}

/** One worker thread and its one request in flight; its failures reject that request, naming the worker. */
class GradientWorker {
  private readonly thread: Worker;
  private pending: { resolve: (reply: GradientReply) => void; reject: (e: Error) => void } | null = null;
  /** Set once the thread has failed: later requests are refused at once rather than left waiting. */
  private failure: Error | null = null;
  private closing = false;
  /** Resolves once the replica is built (rejects if the thread fails first). */
  readonly ready: Promise<unknown>;

  constructor(
    readonly index: number,
    start: WorkerStart,
  ) {
    this.thread = new Worker(BOOTSTRAP, { workerData: { module: WORKER_MODULE, ...start } });
    this.ready = this.await();
    this.thread.on('message', (reply: GradientReply) => this.settle((p) => p.resolve(reply)));
    this.thread.on('error', (e) => this.fail(e.message.split('\n')[0]));
    this.thread.on('exit', (code) => this.closing || this.fail(`stopped (exit code ${code})`));
  }

  private await(): Promise<GradientReply> {
    this.thread.ref(); // a request in flight keeps the process alive; an idle worker does not
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  private settle(f: (p: NonNullable<GradientWorker['pending']>) => void): void {
    const p = this.pending;
    this.pending = null;
    this.thread.unref();
    if (p) f(p);
  }

  private fail(reason: string): void {
    this.failure ??= new Error(`data-parallel worker ${this.index}: ${reason}`);
    this.settle((p) => p.reject(this.failure!));
  }

  async gradient(request: GradientRequest): Promise<{ loss: number; grads: Float32Array; ms: number }> {
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error(`data-parallel worker ${this.index}: a request is already in flight`);
    const reply = this.await();
    const buffers = [request.weights, ...Object.values(request.examples.fields)].map((a) => a.buffer as ArrayBuffer);
    this.thread.postMessage(request, buffers);
    const r = await reply;
    if ('error' in r) throw new Error(`data-parallel worker ${this.index}: ${r.error}`);
    return r;
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.thread.terminate();
  }
}

/** Rows [start, end) of `examples` in buffers of their own (to transfer to a worker). */
function copyRows(examples: Examples, start: number, end: number): Examples {
  const part = exampleRows(examples, start, end);
  return { size: part.size, fields: Object.fromEntries(Object.entries(part.fields).map(([name, values]) => [name, values.slice()])) };
}

class DataParallelGradients<M extends TrainedModule> implements GradientSource {
  private readonly variables: tf.Variable[];
  partMs: number[];

  constructor(
    private readonly stage: StageLoss<M>,
    private readonly module: M,
    private readonly threads: GradientWorker[],
  ) {
    this.variables = [...module.variables.values()];
    this.partMs = Array.from({ length: this.workers }, () => NaN);
  }

  get workers(): number {
    return this.threads.length + 1;
  }

  async gradient(examples: Examples): Promise<LossAndGradient> {
    const w = this.workers;
    if (examples.size < w) throw new Error(`data-parallel: a batch of ${examples.size} cannot be split over ${w} workers`);
    const bounds = partBounds(examples.size, w);
    const flat = flatten(this.variables);
    const weights = (await flat.data()) as Float32Array;
    flat.dispose();
    const replies = this.threads.map((t, i) =>
      t.gradient({ weights: i === this.threads.length - 1 ? weights : weights.slice(), examples: copyRows(examples, bounds[i + 1], bounds[i + 2]) }),
    );
    let mine: LossAndGradient;
    let others: { loss: number; grads: Float32Array; ms: number }[];
    const t0 = performance.now();
    try {
      mine = lossAndGradient(() => this.stage.loss(this.module, exampleRows(examples, 0, bounds[1])), this.variables);
    } catch (e) {
      await Promise.allSettled(replies); // no reply is left to reject unobserved
      throw e;
    }
    const mineMs = performance.now() - t0;
    try {
      others = await Promise.all(replies);
    } catch (e) {
      tf.dispose(mine);
      await Promise.allSettled(replies);
      throw e;
    }
    const share = (i: number) => (bounds[i + 1] - bounds[i]) / examples.size;
    const sum = tf.tidy(() => {
      let loss = tf.mul(mine.loss, share(0)) as tf.Scalar;
      let grads = tf.mul(mine.grads, share(0)) as tf.Tensor1D;
      others.forEach((p, i) => {
        loss = tf.add(loss, tf.mul(p.loss, share(i + 1)));
        grads = tf.add(grads, tf.mul(tf.tensor1d(p.grads), share(i + 1)));
      });
      return { loss, grads };
    });
    tf.dispose(mine);
    this.partMs = [mineMs, ...others.map((p) => p.ms)];
    return sum;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

/** Gradient sources over `workers` threads (this one included); 1 is the in-process path. */
export function dataParallel(workers: number): GradientSourceFactory {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers: ${workers} is not a positive integer`);
  if (workers === 1) return localGradients;
  return async (stage, module) => {
    const threads = Array.from({ length: workers - 1 }, (_, i) => new GradientWorker(i + 1, { stage: stage.name, config: module.config }));
    const started = await Promise.allSettled(threads.map((t) => t.ready));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((t) => t.terminate()));
      throw failed.reason;
    }
    return new DataParallelGradients(stage, module, threads);
  };
}
