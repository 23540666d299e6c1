// Where a supervised stage's step gets its loss and gradient. The trainer draws everything random for a step
// (which examples, and the noise the loss uses) and hands over `Examples`: flat row-major arrays with one row
// per example, so that the batch can be computed in this thread (localGradients) or cut into contiguous rows
// for data-parallel worker threads (dataParallel.ts, Node only) that compute the same loss on their part.
// A StageLoss names a module and its loss on examples, so that a worker thread can rebuild both from a config.
import type * as tf from '@tensorflow/tfjs';
import type { VariableMap } from '../nn/scope';
import { lossAndGradient, type LossAndGradient } from './guardedStep';

/** One step's examples: every field holds `size` rows of equal length (inputs and drawn noise alike). */
export interface Examples {
  size: number;
  fields: Record<string, Float32Array>;
}

/** Rows [start, end) of every field, as views (no copy). */
export function exampleRows(examples: Examples, start: number, end: number): Examples {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= examples.size)) {
    throw new Error(`examples: rows [${start}, ${end}) are not within [0, ${examples.size})`);
  }
  const fields: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(examples.fields)) {
    const row = values.length / examples.size;
    if (!Number.isInteger(row)) throw new Error(`examples: field ${name} has ${values.length} values, not a whole row for each of ${examples.size} examples`);
    fields[name] = values.subarray(start * row, end * row);
  }
  return { size: end - start, fields };
}

/** A module trained by a supervised stage: what a worker thread needs to rebuild it. */
export interface TrainedModule {
  readonly config: object;
  readonly variables: VariableMap;
}

/** A stage's module and loss, by name (gradientWorker.ts looks the name up in stageLosses.ts). */
export interface StageLoss<M extends TrainedModule> {
  readonly name: string;
  /** The module from its config (its initial weights do not matter: a worker receives the trainer's). */
  create(config: M['config']): M;
  /** The mean loss over `examples` (build the tensors inside: the gradient's tidy frees them). */
  loss(module: M, examples: Examples): tf.Scalar;
}

/** Computes each step's loss and gradient; `dispose` ends whatever it started (worker threads). */
export interface GradientSource {
  /** Threads computing each step's gradient, this one included. */
  readonly workers: number;
  /** The mean loss over `examples` and its gradient, flattened in the order of the module's variables. */
  gradient(examples: Examples): Promise<LossAndGradient>;
  /** Ms each thread spent on its part of the last step (this thread first; a worker from receiving its request to replying). */
  readonly partMs: readonly number[];
  dispose(): Promise<void>;
}

/** Opens a gradient source for training `module` with `stage` (the trainer disposes it). */
export type GradientSourceFactory = <M extends TrainedModule>(stage: StageLoss<M>, module: M) => Promise<GradientSource>;

/** The whole batch in this thread (the browser's engine worker, and `--workers 1`). */
export const localGradients: GradientSourceFactory = async (stage, module) => {
  const variables = [...module.variables.values()];
  const source = {
    workers: 1,
    partMs: [NaN],
    gradient: async (examples: Examples) => {
      const t0 = performance.now();
      const result = lossAndGradient(() => stage.loss(module, examples), variables);
      source.partMs = [performance.now() - t0];
      return result;
    },
    dispose: async () => {},
  };
  return source;
};
