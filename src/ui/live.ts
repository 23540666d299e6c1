// The latest live frame from the engine, outside React: the render loops read it every display frame (no
// re-render, no waiting on the engine), and the panels get a summary a few times per second through the store.
// Also the display's own frame rate, measured by the render loop.
import type { LiveFrame } from '../engine/protocol';

type Listener = (frame: LiveFrame) => void;

/** Window over which the display frame rate is averaged, ms. */
const FPS_WINDOW_MS = 1000;

class LiveFeed {
  latest: LiveFrame | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly frameTimes: number[] = [];

  push(frame: LiveFrame): void {
    this.latest = frame;
    for (const l of this.listeners) l(frame);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by the render loop once per display frame. */
  countDisplayFrame(now: number): void {
    this.frameTimes.push(now);
    while (this.frameTimes.length > 0 && this.frameTimes[0] < now - FPS_WINDOW_MS) this.frameTimes.shift();
  }

  /** Display frames over the last second. */
  fps(now: number = performance.now()): number {
    const recent = this.frameTimes.filter((t) => t >= now - FPS_WINDOW_MS);
    if (recent.length < 2) return recent.length;
    return ((recent.length - 1) * 1000) / (recent[recent.length - 1] - recent[0]);
  }
}

export const liveFeed = new LiveFeed();
