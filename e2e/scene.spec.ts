// The three.js table: the goal T is drawn where the task puts it (256, 256, π/4 with y down), inside the walls.
import { engineReady, expect, test } from './helpers';

/** Where the T's area centroid sits in its local frame: crossbar (0, 15) × 3600 and stem (0, 75) × 2700. */
const T_CENTROID_LOCAL_Y = (15 * 3600 + 75 * 2700) / 6300;
const GOAL = { x: 256, y: 256, angle: Math.PI / 4 };
/** View margin around the 512-pixel workspace (pushtTable.ts). */
const VIEW_SPAN = 512 + 2 * 16;

test('the table canvas shows the goal T silhouette at the goal pose', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await engineReady(page);
  const canvas = page.getByTestId('table-canvas');
  await expect(canvas).toBeVisible();
  const png = (await canvas.screenshot()).toString('base64');
  // Decode the screenshot in the page (no image library needed here) and find the goal's green pixels.
  const found = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    let n = 0;
    let sx = 0;
    let sy = 0;
    let wall = 0;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [r, g, b] = [data[4 * (y * width + x)], data[4 * (y * width + x) + 1], data[4 * (y * width + x) + 2]];
        if (g > r + 20 && g > b + 12) {
          n++;
          sx += x;
          sy += y;
        }
        if (r > 110 && Math.abs(r - g) < 12 && Math.abs(g - b) < 16) wall++;
      }
    return { n, cx: sx / n, cy: sy / n, width, height, wall };
  }, png);
  const scale = Math.min(found.width, found.height) / VIEW_SPAN;
  const world = { x: GOAL.x - Math.sin(GOAL.angle) * T_CENTROID_LOCAL_Y, y: GOAL.y + Math.cos(GOAL.angle) * T_CENTROID_LOCAL_Y };
  const expected = { x: found.width / 2 + (world.x - 256) * scale, y: found.height / 2 + (world.y - 256) * scale };
  expect(found.n).toBeGreaterThan(0.7 * 6300 * scale * scale);
  expect(found.n).toBeLessThan(1.3 * 6300 * scale * scale);
  expect(Math.abs(found.cx - expected.x)).toBeLessThan(3 * scale);
  expect(Math.abs(found.cy - expected.y)).toBeLessThan(3 * scale);
  // Four walls of 501 pixels, 4 pixels thick.
  expect(found.wall).toBeGreaterThan(0.7 * 4 * 501 * 4 * scale * scale);
});
