// The table views on the page, by lane: what the PNG export and the test hook need from a view.
export interface ViewHandle {
  canvas: HTMLCanvasElement;
  /** Draws the latest frame now (so a capture taken right after holds it). */
  renderNow(): void;
  /** Where a table point (Push-T pixels, y down; push-3d metres on the table top) appears on the page, in client pixels; null when off-canvas. */
  tableToClient(x: number, y: number): { x: number; y: number } | null;
}

export const views = new Map<number, ViewHandle>();
