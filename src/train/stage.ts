// What every supervised stage (prior, world, reflex) takes and reports.
import * as tf from '@tensorflow/tfjs';
import { goalTokensBatch } from '../policy/stateTokens';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { WorldInput } from '../policy/worldPredictor';
import type { PriorBatch, Transitions } from './demoData';
import type { GradientSourceFactory } from './gradientSource';

export interface StageOptions {
  /** Optimiser steps. */
  iters: number;
  /** Root seed of the stage's batch sampling and noise. */
  seed: number;
  /** Progress lines (stderr in the CLI). */
  log: (msg: string) => void;
  /** One record per evaluation (JSON lines in the CLI). */
  onMetrics: (record: MetricsRecord) => void;
  /** Evaluate on held-out data every this many iterations (and after the last). */
  evalEvery: number;
  /**
   * Called after each evaluation while the module holds the weights just evaluated (the prior's EMA), e.g. to
   * save a checkpoint that can be tried while training goes on.
   */
  onEvaluated?: (iter: number) => Promise<void>;
  /** Awaited before every optimiser step (the browser's engine worker yields, pauses and stops there). */
  pace?: () => Promise<void>;
  /** Where the prior's and Φ's steps compute their gradients: this thread (the default) or worker threads (dataParallel.ts). */
  gradients?: GradientSourceFactory;
}

export type MetricsRecord = { stage: string; iter: number } & Record<string, number | string | null>;

/** Held-out evaluations per run: enough for a learning curve, few enough to cost a few percent of the run. */
export const EVALS_PER_RUN = 20;

/** The evaluation period that gives EVALS_PER_RUN evaluations over `iters` iterations. */
export function evalEveryFor(iters: number): number {
  return Math.max(1, Math.ceil(iters / EVALS_PER_RUN));
}
/** Linear warm-up of the learning rate (iterations, capped at a tenth of the run). */
export const WARMUP_ITERS = 200;

export function warmupFor(iters: number): number {
  return Math.max(1, Math.min(WARMUP_ITERS, Math.floor(iters / 10)));
}

/** Validates a stage's options, naming the field. */
export function checkStageOptions(o: StageOptions): void {
  if (!Number.isInteger(o.iters) || o.iters < 1) throw new Error(`iters: ${o.iters} is not a positive integer`);
  if (!Number.isInteger(o.evalEvery) || o.evalEvery < 1) throw new Error(`evalEvery: ${o.evalEvery} is not a positive integer`);
}

/** A prior batch as tensors: tokens [B, N, 3], goal [B, G, 3], chunks [B, H, A] (the caller frees them). */
export function priorTensors(spec: TaskSpec, b: PriorBatch, horizon: number) {
  return {
    tokens: tf.tensor3d(b.tokens, [b.size, spec.numTokens, TOKEN_DIM]),
    goal: goalTokensBatch(spec, b.size),
    actions: tf.tensor3d(b.chunks, [b.size, horizon, spec.actionDim]),
  };
}

/** A transition set as tensors: Φ's input (S_t, a_t, S_{t−1}, a_{t−1}) and S_{t+1} (the caller disposes them). */
export function transitionTensors(t: Transitions): WorldInput & { next: tf.Tensor3D } {
  const tokens = (x: Float32Array) => tf.tensor3d(x, [t.count, t.numTokens, TOKEN_DIM]);
  const actions = (x: Float32Array) => tf.tensor2d(x, [t.count, t.actionDim]);
  return { tokens: tokens(t.tokens), action: actions(t.actions), prevTokens: tokens(t.prevTokens), prevAction: actions(t.prevActions), next: tokens(t.next) };
}

/** Running mean of the training loss between evaluations. */
export class LossMeter {
  private sum = 0;
  private n = 0;
  add(x: number): void {
    if (!Number.isFinite(x)) return;
    this.sum += x;
    this.n++;
  }
  /** The mean since the last take (null if nothing was added), and a reset. */
  take(): number | null {
    const mean = this.n ? this.sum / this.n : null;
    this.sum = 0;
    this.n = 0;
    return mean;
  }
}
