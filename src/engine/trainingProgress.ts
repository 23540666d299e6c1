// What a training run in the engine worker reports to the UI (pure: the UI imports it without tfjs).
import type { MetricsRecord } from '../train/stage';

export const TRAIN_STAGES = ['prior', 'world', 'reflex'] as const;
export type TrainStage = (typeof TRAIN_STAGES)[number];

/** Stage 2: the full method (η and b learn) and the strategy ablation (reflex off, only η learns). */
export const PPO_STAGES = ['ppo-sagr', 'ppo-strategy'] as const;
export type PpoStage = (typeof PPO_STAGES)[number];
export const isPpoStage = (stage: string): stage is PpoStage => (PPO_STAGES as readonly string[]).includes(stage);

export const MAX_TRAIN_ITERS = 100_000;

export interface TrainingProgress {
  /** The task the run trains on (the playground's). */
  task: string;
  stage: TrainStage | PpoStage;
  iters: number;
  /** Iterations done at the latest record. */
  iter: number;
  running: boolean;
  /** True while a pausable run (PPO) waits between iterations. */
  paused: boolean;
  /**
   * One record per evaluation (stage 0/1: trainLoss, held-out metrics, lr, seconds, …, as metrics.jsonl holds
   * them) or per PPO iteration (ppoRecord); `seconds` is the run's working time so far.
   */
  records: MetricsRecord[];
  /** The latest progress line. */
  message: string;
  /** How it ended: null while running, else 'done', 'stopped' or the error. */
  outcome: string | null;
  /** A continued PPO run: the iteration its latest continue went on from (its records before it are the earlier part's). */
  continuedFrom?: number;
}

/**
 * The iteration a "continue" of the latest PPO run goes on to: a stopped run's own total (as if never stopped), a
 * finished one's `more` iterations further; null when there is no stopped or finished PPO run to continue.
 */
export function continueTo(p: Pick<TrainingProgress, 'stage' | 'iter' | 'iters' | 'running' | 'outcome'> | null, more: number): number | null {
  if (!p || p.running || !isPpoStage(p.stage) || (p.outcome !== 'stopped' && p.outcome !== 'done') || p.iter === 0) return null;
  return p.iter < p.iters ? p.iters : p.iter + more;
}

/** Seconds the rest of the run should take at the pace so far (null before the first record). */
export function etaSeconds(p: Pick<TrainingProgress, 'iter' | 'iters' | 'records'>): number | null {
  const seconds = p.records.at(-1)?.seconds;
  if (typeof seconds !== 'number' || p.iter <= 0) return null;
  return (seconds / p.iter) * (p.iters - p.iter);
}
