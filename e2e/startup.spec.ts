// Start-up (issue 18, item 7): while the backend is chosen the table shows which stage the engine is in, and the
// choice is remembered in this browser, so a second load skips the benchmark; `?backend=` still forces, and the
// Engine panel can forget the remembered choice.
import type { Page } from '@playwright/test';
import { BACKEND_MEMORY_STORAGE_KEY, type BackendMemory } from '../src/engine/backendMemory';
import { engineReady, expect, openTab, playgroundStep, test } from './helpers';

function storedMemory(page: Page): Promise<BackendMemory> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}') as BackendMemory, BACKEND_MEMORY_STORAGE_KEY);
}

test('a second load in the same browser starts on the remembered backend without the benchmark; ?backend= still forces; forget clears it', async ({ page }) => {
  test.setTimeout(180_000);
  // First visit (this headless Chromium's adapter is software): the backends are timed, and the table says so.
  await page.goto('/');
  const progress = page.getByTestId('startup-progress');
  await expect(progress).toHaveAttribute('data-stage', 'benchmarking', { timeout: 45_000 });
  await expect(progress).toContainText(/timing (wasm|cpu|webgl|webgpu)/);
  await expect(page.getByTestId('play-pause')).toBeDisabled();
  const views = (await page.getByTestId('views').boundingBox())!;
  const box = (await progress.boundingBox())!;
  expect(box.x >= views.x && box.x + box.width <= views.x + views.width && box.y >= views.y && box.y + box.height <= views.y + views.height).toBe(true);
  const first = (await engineReady(page)).backend!;
  expect(first.choice).toBe('automatic');
  expect(first.bench.filter((r) => r.policyStepMs !== null).length).toBeGreaterThanOrEqual(1);
  await playgroundStep(page, 0);
  await expect(progress).toHaveCount(0);
  const memory = await storedMemory(page);
  expect(memory[first.memoryKey]?.backend).toBe(first.backend);
  await expect(page.getByTestId('engine-choice')).toHaveAttribute('data-choice', 'automatic');

  // Second visit: the remembered choice, no policy step timed, started in a fraction of the first time.
  await page.reload();
  const second = (await engineReady(page)).backend!;
  console.log(`start-up: first ${first.startupMs.toFixed(0)} ms (${first.backend}), second ${second.startupMs.toFixed(0)} ms (${second.backend}, remembered)`);
  expect(second.choice).toBe('remembered');
  expect(second.backend).toBe(first.backend);
  expect(second.memoryKey).toBe(first.memoryKey);
  expect(second.reason).toMatch(/^remembered from an earlier visit/);
  expect(second.bench.map((r) => [r.backend, r.policyStepMs])).toEqual([[first.backend, null]]);
  expect(second.startupMs).toBeLessThan(first.startupMs / 2);
  await playgroundStep(page, 0);
  await expect(page.getByTestId('engine-choice')).toContainText('remembered from an earlier visit');

  // ?backend= forces whatever is remembered, and leaves the memory as it was.
  await page.goto('/?backend=cpu');
  const forced = (await engineReady(page)).backend!;
  expect(forced.choice).toBe('forced');
  expect(forced.backend).toBe('cpu');
  expect(await storedMemory(page)).toEqual(memory);

  // Forget: the entry goes, so the next load benchmarks again.
  await page.goto('/');
  expect((await engineReady(page)).backend!.choice).toBe('remembered');
  await openTab(page, 'Engine');
  await page.getByTestId('forget-backend').click();
  await expect(page.getByTestId('backend-forgotten')).toBeVisible();
  expect((await storedMemory(page))[first.memoryKey]).toBeUndefined();
});
