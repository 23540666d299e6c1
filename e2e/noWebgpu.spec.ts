// A browser without WebGPU (Chromium without the unsafe-WebGPU flags): a forced webgpu falls back with a
// message, and the automatic choice runs on what is left.
import { BASE_ARGS, chromiumPath } from './chromium';
import { engineReady, expect, test } from './helpers';

test.use({ launchOptions: { executablePath: chromiumPath(), args: BASE_ARGS } });

test('?backend=webgpu without WebGPU falls back to the fastest other backend and says why', async ({ page }) => {
  await page.goto('/?backend=webgpu');
  const s = await engineReady(page);
  expect(s.backend!.adapter).toBeNull();
  expect(s.backend!.runnable).not.toContain('webgpu');
  expect(s.backend!.backend).not.toBe('webgpu');
  expect(s.backend!.reason).toMatch(/^no WebGPU adapter; fastest policy step B=1 \(/);
  await expect(page.getByTestId('notice').filter({ hasText: 'backend=webgpu could not start here; falling back to the automatic choice' })).toBeVisible();
  await expect(page.getByTestId('backend-badge')).toHaveText(`${s.backend!.backend} · no WebGPU adapter`);
  // Nothing to lose: the device-loss intent reports that no WebGPU device exists.
  expect(await page.evaluate(() => window.__sagr!.loseDevice())).toEqual({ lost: false });
});
