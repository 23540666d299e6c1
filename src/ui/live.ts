// The latest live frame from the engine, outside React: the render loops read it every display frame (no
// re-render, no waiting on the engine), and the panels get a summary a few times per second through the store.
// While scrubbing (scrub.ts) a recorded frame is shown instead: `latest` is what to draw, `live` the engine's.
// Also the display's own frame rate, measured by the render loop.
import type { LiveFrame } from '../engine/protocol';

type Listener = (frame: LiveFrame) => void;

/** Window over which the display frame rate is averaged, ms. */
const FPS_WINDOW_MS = 1000;

class LiveFeed {
  /** The engine's latest frame. */
  live: LiveFrame | null = null;
  /** A recorded frame shown in its place (null: the live one is shown). */
  private shown: LiveFrame | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly frameTimes: number[] = [];

  /** The frame to draw and summarise. */
  get latest(): LiveFrame | null {
    return this.shown ?? this.live;
  }

  push(frame: LiveFrame): void {
    this.live = frame;
    if (!this.shown) this.notify();
  }

  /** Shows a recorded frame instead of the live ones, or (null) the live ones again. */
  show(frame: LiveFrame | null): void {
    this.shown = frame;
    this.notify();
  }

  private notify(): void {
    const frame = this.latest;
    if (frame) for (const l of this.listeners) l(frame);
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
