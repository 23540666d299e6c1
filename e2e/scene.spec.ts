// The three.js table: the goal T is drawn where the task puts it (256, 256, π/4 with y down), inside the walls;
// the 2D and 3D views show the table, the block and the pusher (pixel statistics of the WebGL canvas).
import { COLORS } from '../src/ui/scene/pushtTable';
import { appState, engineReady, expect, pausePlayground, playgroundStep, test } from './helpers';
import { hexRgb, pixelStats } from './pixels';

const GOAL = { x: 256, y: 256, angle: Math.PI / 4 };
/** View margin around the 512-pixel workspace (cameras.ts). */
const VIEW_SPAN = 512 + 2 * 16;

/** Where the T's area centroid sits in its local frame: crossbar (0, 15) × 3600 and stem (0, 75) × 2700. */
const T_CENTROID_LOCAL_Y = (15 * 3600 + 75 * 2700) / 6300;

test('the table canvas shows the goal T silhouette at the goal pose, inside the walls', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await engineReady(page);
  await playgroundStep(page, 1);
  await pausePlayground(page);
  // Seed 0's first episode starts with the block off the goal, so the whole silhouette is in view.
  expect((await appState(page)).live!.lanes[0].coverage).toBe(0);
  const canvas = page.getByTestId('table-canvas');
  await expect(canvas).toBeVisible();
  const s = await pixelStats(page, canvas, {
    // The translucent fill over the table, and the outline.
    fill: { rgb: [35, 64, 44], tolerance: 8 },
    outline: { rgb: hexRgb(COLORS.goal), tolerance: 60 },
    wall: { rgb: hexRgb(COLORS.wall), tolerance: 10 },
  });
  const scale = Math.min(s.width, s.height) / VIEW_SPAN;
  const world = { x: GOAL.x - Math.sin(GOAL.angle) * T_CENTROID_LOCAL_Y, y: GOAL.y + Math.cos(GOAL.angle) * T_CENTROID_LOCAL_Y };
  const expected = { x: s.width / 2 + (world.x - 256) * scale, y: s.height / 2 + (world.y - 256) * scale };
  const { fill, outline } = s.classes;
  const n = fill.n + outline.n;
  expect(n).toBeGreaterThan(0.7 * 6300 * scale * scale);
  expect(n).toBeLessThan(1.3 * 6300 * scale * scale);
  expect(Math.abs((fill.cx * fill.n + outline.cx * outline.n) / n - expected.x)).toBeLessThan(3 * scale);
  expect(Math.abs((fill.cy * fill.n + outline.cy * outline.n) / n - expected.y)).toBeLessThan(3 * scale);
  // Four walls of 501 pixels, 4 pixels thick.
  expect(s.classes.wall.n).toBeGreaterThan(0.7 * 4 * 501 * 4 * scale * scale);
});

test('the 2D and 3D views are not blank: table, block and pusher are drawn, and they differ', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await engineReady(page);
  await playgroundStep(page, 1);
  await pausePlayground(page);
  const classes = {
    table: { rgb: hexRgb(COLORS.table), tolerance: 6 },
    // Lit surfaces: the block's top is within a few levels of its colour, the pusher's top likewise.
    block: { rgb: hexRgb(COLORS.block), tolerance: 16 },
    pusher: { rgb: hexRgb(COLORS.pusher), tolerance: 16 },
  };
  const canvas = page.getByTestId('table-canvas');
  const flat = await pixelStats(page, canvas, classes);
  const area = flat.width * flat.height;
  expect(flat.classes.table.n / area).toBeGreaterThan(0.3);
  // The T covers 6300 px² of the 544² view, the pusher disc π·15².
  const scale2 = (Math.min(flat.width, flat.height) / VIEW_SPAN) ** 2;
  expect(flat.classes.block.n).toBeGreaterThan(0.5 * 6300 * scale2);
  expect(flat.classes.pusher.n).toBeGreaterThan(0.3 * Math.PI * 15 * 15 * scale2);
  expect(flat.distinct).toBeGreaterThan(20);

  await page.keyboard.press('2');
  await expect(page.getByTestId('table-canvas')).toHaveAttribute('data-view', '3d');
  const deep = await pixelStats(page, page.getByTestId('table-canvas'), classes);
  expect(deep.classes.table.n / area).toBeGreaterThan(0.1);
  expect(deep.classes.block.n + deep.classes.pusher.n).toBeGreaterThan(0);
  expect(deep.distinct).toBeGreaterThan(20);
  // Perspective: the table no longer fills the same pixels as from straight above.
  expect(Math.abs(deep.classes.table.n - flat.classes.table.n) / flat.classes.table.n).toBeGreaterThan(0.05);
});
