// Pixel statistics of a screenshot, computed in the page (no image library in the tests): for each named
// colour, how many pixels are within `tolerance` of it (max over channels) and their centroid.
import type { Locator, Page } from '@playwright/test';

export interface ColourClass {
  rgb: [number, number, number];
  tolerance: number;
}
export interface ClassStats {
  n: number;
  cx: number;
  cy: number;
}
export interface PixelStats {
  width: number;
  height: number;
  classes: Record<string, ClassStats>;
  /** Distinct colours after quantising each channel to 16 levels: a blank canvas has one or two. */
  distinct: number;
}

export const hexRgb = (hex: number): [number, number, number] => [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255];

/** The HTML that can lie over a canvas (the toasts; titles, counters and legend sit outside it) is hidden in the capture: only WebGL pixels count. */
export const HIDE_OVERLAYS = '.messages { visibility: hidden !important; }';

export async function pixelStats(page: Page, target: Locator, classes: Record<string, ColourClass>): Promise<PixelStats> {
  const png = (await target.screenshot({ style: HIDE_OVERLAYS })).toString('base64');
  return page.evaluate(
    async ([b64, cls]) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const c = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = c.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const { data, width, height } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      const out: Record<string, { n: number; cx: number; cy: number }> = {};
      for (const k of Object.keys(cls)) out[k] = { n: 0, cx: 0, cy: 0 };
      const seen = new Set<number>();
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const i = 4 * (y * width + x);
          const r = data[i];
          const g = data[i + 1];
          const b = data[i + 2];
          seen.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
          for (const [k, { rgb, tolerance }] of Object.entries(cls)) {
            if (Math.max(Math.abs(r - rgb[0]), Math.abs(g - rgb[1]), Math.abs(b - rgb[2])) <= tolerance) {
              out[k].n++;
              out[k].cx += x;
              out[k].cy += y;
            }
          }
        }
      for (const s of Object.values(out)) {
        s.cx = s.n ? s.cx / s.n : NaN;
        s.cy = s.n ? s.cy / s.n : NaN;
      }
      return { width, height, classes: out, distinct: seen.size };
    },
    [png, classes] as const,
  );
}
