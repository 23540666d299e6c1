import type { TrainingProgress } from './trainingProgress';

// Pause, resume and stop for a long run in the engine worker, checked between its steps. The check also yields
// to the worker's event loop: on the wasm and cpu backends a step never waits on anything but microtasks, so
// without it the live playground and the person's requests (pause, stop) would wait for the whole run.
/** Longest stretch a run holds the worker's event loop before yielding, ms. */
export const PACE_MS = 100;

/** Thrown by a run's pace() once a stop was asked: the run ends there. */
export class RunStopped extends Error {}

export class RunControl {
  private stopAsked = false;
  private pausedNow = false;
  private wake: (() => void) | null = null;
  /** Time spent waiting while paused, ms (a run's ETA counts working time only). */
  pausedMs = 0;

  get paused(): boolean {
    return this.pausedNow;
  }

  get stopped(): boolean {
    return this.stopAsked;
  }

  pause(): void {
    this.pausedNow = true;
  }

  resume(): void {
    this.pausedNow = false;
    this.wake?.();
  }

  stop(): void {
    this.stopAsked = true;
    this.wake?.();
  }

  /**
   * Between two steps: lets the worker's queued messages and timers run, then waits while paused. Resolves to
   * false once a stop was asked (the run should end), true to go on; `onPause` is called when a wait begins.
   */
  async between(onPause: () => void = () => {}): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 0));
    if (this.pausedNow && !this.stopAsked) {
      onPause();
      const t0 = performance.now();
      await new Promise<void>((r) => {
        this.wake = r;
        if (!this.pausedNow || this.stopAsked) r();
      });
      this.wake = null;
      this.pausedMs += performance.now() - t0;
    }
    return !this.stopAsked;
  }
}

/**
 * One run's pace(), awaited between its steps: yields to the worker's event loop once PACE_MS have passed, holds
 * there while paused (the run's progress says so), and throws RunStopped once a stop was asked.
 */
export class RunPacer {
  readonly control = new RunControl();
  private lastYield = 0;

  constructor(
    private readonly progress: TrainingProgress,
    private readonly post: (p: TrainingProgress) => void,
  ) {}

  /** Pauses the run at its next yield (within PACE_MS) or resumes it. */
  setPaused(paused: boolean): void {
    if (typeof paused !== 'boolean') throw new Error('trainPause.paused: expected true or false');
    const progress = this.progress;
    if (paused) this.control.pause();
    else this.control.resume();
    progress.paused = paused && progress.paused;
    progress.message = paused ? `${progress.stage}: pausing` : `${progress.stage}: resumed`;
    this.post(progress);
  }

  async pace(): Promise<void> {
    if (performance.now() - this.lastYield < PACE_MS && !this.control.paused && !this.control.stopped) return;
    const progress = this.progress;
    const goOn = await this.control.between(() => {
      progress.paused = true;
      progress.message = `${progress.stage}: paused during iteration ${progress.iter + 1} of ${progress.iters}`;
      this.post(progress);
    });
    if (progress.paused) {
      progress.paused = false;
      progress.message = `${progress.stage}: running iteration ${progress.iter + 1} of ${progress.iters}`;
      this.post(progress);
    }
    this.lastYield = performance.now();
    if (!goOn) throw new RunStopped();
  }
}
