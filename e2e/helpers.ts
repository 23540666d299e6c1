// Shared e2e helpers: a `test` that fails on uncaught page errors, and waits on the app's state through
// window.__sagr instead of sleeping.
import { readFileSync } from 'node:fs';
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

/** Drags lane 0's block `px` screen pixels towards the table's centre (so no wall stops it) with real pointer events; resolves once the engine holds the shove as pending. */
export async function dragBlockTowardsCentre(page: Page, px: number): Promise<void> {
  const at = (await page.evaluate(() => window.__sagr!.blockOnScreen(0)))!;
  const centre = (await page.evaluate(() => window.__sagr!.tableToClient(0, 256, 256)))!;
  const len = Math.hypot(centre.x - at.x, centre.y - at.y);
  const [ux, uy] = [(centre.x - at.x) / len, (centre.y - at.y) / len];
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  await page.mouse.move(at.x + (px / 2) * ux, at.y + (px / 2) * uy, { steps: 4 });
  await page.mouse.move(at.x + px * ux, at.y + px * uy, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((half) => {
    const p = window.__sagr!.state().live?.lanes[0].pending;
    return p !== undefined && Math.hypot(p.dx, p.dy) > half;
  }, px / 2);
}

/** Opens the page on the cpu backend and switches to the side-by-side view (key 3); resolves once two lanes run. */
export async function sideBySideOnCpu(page: Page): Promise<void> {
  await page.goto('/?backend=cpu');
  await engineReady(page);
  await playgroundStep(page, 0);
  await page.keyboard.press('3');
  await page.waitForFunction(() => window.__sagr!.state().live?.lanes.length === 2);
}

/** The opt-in measurements' figure: the upper middle of the samples. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The machine's 1, 5 and 15 minute load averages, printed beside a measurement (a shared machine moves it). */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
