// The README's picture (docs/playground.png) and its start-up figures, made on the built app. Not a check: a plain
// run skips it. Set SAGR_SCREENSHOT to the PNG to write:
//
//   npm run build && SAGR_SCREENSHOT=docs/playground.png npx playwright test e2e/readmeScreenshot.spec.ts
//
// The page opens as a newcomer's does (automatic backend choice, the default policy), runs a few seconds, and is
// shoved; the picture is the frame where Φ's prediction misses the shove. Start-up times (first visit, then a
// reload) go to stdout.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { appState, engineReady, expect, pausePlayground, playgroundStep, test } from './helpers';

const VIEWPORT = { width: 1440, height: 900 };
/** Control steps the policy runs before the shove (about three seconds at the default speed). */
const RUN_STEPS = 30;
/** The shove, screen-independent: this many table pixels towards the table's centre, so no wall stops it. */
const SHOVE_PX = 40;
/** Keypoint tokens are 0…8, the agent is token 9. */
const KEYPOINTS = 9;

function screenshotPath(): string {
  const raw = process.env.SAGR_SCREENSHOT ?? '';
  const file = path.resolve(raw);
  if (!raw.endsWith('.png') || !existsSync(path.dirname(file))) throw new Error(`SAGR_SCREENSHOT: "${raw}" is not a .png file in an existing folder`);
  return file;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test.skip(!process.env.SAGR_SCREENSHOT, 'makes the README picture: set SAGR_SCREENSHOT=docs/playground.png to run it');
test.use({ viewport: VIEWPORT });

test('the README picture: the running playground the step after a shove; start-up times on stdout', async ({ page }) => {
  test.setTimeout(240_000);
  const file = screenshotPath();

  const visit = async (open: () => Promise<unknown>) => {
    const t0 = Date.now();
    await open();
    await engineReady(page);
    const backendS = (Date.now() - t0) / 1000;
    await playgroundStep(page, 0, 120_000);
    return { backendS, frameS: (Date.now() - t0) / 1000, backend: (await appState(page)).backend!.backend };
  };
  const first = await visit(() => page.goto('/'));
  const again = await visit(() => page.reload());
  console.log(`start-up, first visit: backend ${first.backend} chosen after ${first.backendS.toFixed(1)} s, first live frame after ${first.frameS.toFixed(1)} s`);
  console.log(`start-up, reload: backend ${again.backend} chosen after ${again.backendS.toFixed(1)} s, first live frame after ${again.frameS.toFixed(1)} s`);

  const running = await playgroundStep(page, RUN_STEPS, 120_000);
  expect(running.live!.running).toBe(true);
  // Paused, each step intent moves the lane by exactly one step, so the picture is the shove's own frame.
  const paused = (await pausePlayground(page)).live!.lanes[0];
  const dx = 256 - paused.block.x;
  const dy = 256 - paused.block.y;
  const len = Math.hypot(dx, dy) || 1;
  await page.evaluate(([x, y]) => window.__sagr!.shove(x, y, 0), [(SHOVE_PX * dx) / len, (SHOVE_PX * dy) / len] as const);
  await page.waitForFunction(() => Math.hypot(window.__sagr!.state().live!.lanes[0].pending.dx, window.__sagr!.state().live!.lanes[0].pending.dy) > 0);
  await page.evaluate(() => window.__sagr!.step());
  const hit = (await playgroundStep(page, paused.step + 1)).live!.lanes[0];
  // The frame shows the surprise: every keypoint's Δz is about the shove (the default policy has Φ).
  expect(hit.deltaZNorm, `policy ${hit.policy} has no Φ, so no Δz to show`).not.toBeNull();
  expect(Math.min(...hit.deltaZNorm!.slice(0, KEYPOINTS))).toBeGreaterThan(0.6 * SHOVE_PX);

  // The render loop draws on animation frames: two of them and the view shows this frame.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.screenshot({ path: file });
  expect(pngSize(readFileSync(file))).toEqual(VIEWPORT);
  console.log(`wrote ${file}: ${hit.policy} on episode ${hit.episode}, step ${hit.step}, shoved ${SHOVE_PX} px`);
});
