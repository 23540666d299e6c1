// What a training run in the engine worker reports to the UI (pure: the UI imports it without tfjs).
import type { MetricsRecord } from '../train/stage';

export const TRAIN_STAGES = ['prior', 'world', 'reflex'] as const;
export type TrainStage = (typeof TRAIN_STAGES)[number];

export const MAX_TRAIN_ITERS = 100_000;

export interface TrainingProgress {
  stage: TrainStage;
  iters: number;
  /** Iterations done at the latest evaluation. */
  iter: number;
  running: boolean;
  /** One record per evaluation (trainLoss, held-out metrics, lr, seconds, …), as metrics.jsonl holds them. */
  records: MetricsRecord[];
  /** The latest progress line. */
  message: string;
  /** How it ended: null while running, else 'done', 'stopped' or the error. */
  outcome: string | null;
}
