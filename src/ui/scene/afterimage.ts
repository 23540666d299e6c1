// A residual spike leaves a fading copy of its arrow for about a second, so a shove looked at 300 ms late (three
// control steps at 1×, when Δz is long back to normal) still shows where Φ was surprised and by how much.
import * as THREE from 'three';
import { Arrow } from './arrow';
import { RESIDUAL_SCALE_PX } from './colorScale';

export const AFTERIMAGE_MS = 1200;
/** A residual this large (view units) is a spike: a quarter of the colour scale, far above Φ's ordinary error. */
export const SPIKE = RESIDUAL_SCALE_PX / 4;
const START_OPACITY = 0.6;

export class Afterimage {
  readonly arrow = new Arrow(0xffffff, START_OPACITY);
  private since = -Infinity;
  private magnitude = 0;
  private readonly from = new THREE.Vector3();
  private readonly to = new THREE.Vector3();

  /** The residual of magnitude `m` drawn from → to at `now`: it becomes the afterimage when it is a spike at least as large as what is left of the current one. */
  offer(m: number, from: THREE.Vector3, to: THREE.Vector3, color: [number, number, number], now: number): void {
    if (!(m >= SPIKE) || m < this.magnitude * this.left(now)) return;
    this.magnitude = m;
    this.since = now;
    this.from.copy(from);
    this.to.copy(to);
    this.arrow.setColor(...color);
  }

  /** Draws it as it is at `now`; returns whether it is still fading (the view must keep redrawing). */
  draw(now: number): boolean {
    const left = this.left(now);
    if (left <= 0) {
      this.arrow.hide();
      return false;
    }
    this.arrow.setOpacity(START_OPACITY * left);
    this.arrow.set(this.from, this.to);
    return true;
  }

  private left(now: number): number {
    return Math.max(0, 1 - (now - this.since) / AFTERIMAGE_MS);
  }

  dispose(): void {
    this.arrow.dispose();
  }
}
