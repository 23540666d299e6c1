// Shared e2e helpers: a `test` that fails on uncaught page errors, and waits on the app's state through
// window.__sagr instead of sleeping.
import { test as base, expect, type Page } from '@playwright/test';
import type { HookState } from '../src/ui/testHook';

export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await use(errors);
      expect(errors, 'uncaught page errors').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** Waits until the engine has chosen a backend; returns the app state at that moment. */
export async function engineReady(page: Page): Promise<HookState> {
  await page.waitForFunction(() => window.__sagr?.state().backend != null, null, { timeout: 45_000 });
  return appState(page);
}

export function appState(page: Page): Promise<HookState> {
  return page.evaluate(() => window.__sagr!.state());
}

/** Waits until the playground's first lane has taken at least `step` control steps in the current episode. */
export async function playgroundStep(page: Page, step: number, timeout = 60_000): Promise<HookState> {
  await page.waitForFunction((n) => (window.__sagr?.state().live?.lanes[0]?.step ?? -1) >= n, step, { timeout });
  return appState(page);
}

/** Pauses the playground and waits until the page's state says so (the summary then holds the paused step). */
export async function pausePlayground(page: Page): Promise<HookState> {
  await page.evaluate(() => window.__sagr!.pause());
  await page.waitForFunction(() => window.__sagr!.state().live?.running === false);
  return appState(page);
}

/** Selects a tab of the side panel (Run, Train, Evaluate, Parameters, Engine, Checkpoints) and waits for its panel. */
export async function openTab(page: Page, name: 'Run' | 'Train' | 'Evaluate' | 'Parameters' | 'Engine' | 'Checkpoints'): Promise<void> {
  const tab = page.getByRole('tab', { name, exact: true });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name, exact: true })).toBeVisible();
}
