// Pause, resume and stop for a long run in the engine worker, checked between its steps. The check also yields
// to the worker's event loop: on the wasm and cpu backends a step never waits on anything but microtasks, so
// without it the live playground and the person's requests (pause, stop) would wait for the whole run.
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
