// What the worker's long runs (stage-0/1 training and PPO) share: the progress they post, the pacer that yields,
// pauses and stops them between their steps, and the requests that reach them while they go.
import { RunPacer } from './runControl';
import type { TrainingProgress } from './trainingProgress';

export abstract class LiveRun {
  protected pacer: RunPacer | null = null;
  progress: TrainingProgress | null = null;

  constructor(
    protected readonly post: (p: TrainingProgress) => void,
    /** The worker's job queue: the lanes are rebuilt on it. */
    protected readonly enqueue: <T>(job: () => Promise<T>) => Promise<T>,
    /** What a run is called in messages ("training run", "PPO run"). */
    private readonly what: string,
  ) {}

  get running(): boolean {
    return this.progress?.running ?? false;
  }

  /** Ends the run at its next step (within PACE_MS). */
  stop(): void {
    if (this.running) this.pacer?.control.stop();
  }

  /** Pauses the run at its next step (within PACE_MS) or resumes it. */
  setPaused(paused: boolean): void {
    if (!this.running) throw new Error(`trainPause: no ${this.what} is going`);
    this.pacer!.setPaused(paused);
  }

  /** Makes `progress` the current run's, with a fresh pacer, and posts it; returns the pacer. */
  protected begin(progress: TrainingProgress): RunPacer {
    const pacer = new RunPacer(progress, this.post);
    this.pacer = pacer;
    this.progress = progress;
    this.post(progress);
    return pacer;
  }
}
