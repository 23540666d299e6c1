// The page's layout: at 1024×768 nothing covers the table (legend, counters), the toolbar is one row that keeps its
// height running or paused, the side panel's tabs switch panels (mouse and arrow keys) and keep their state,
// notices are toasts that leave (info) or stay until dismissed (error) without moving the view, and a phone width
// is one column with no sideways scroll, where the view plays and a drag shoves the block.
import type { Locator, Page } from '@playwright/test';
import { appState, dragBlockTowardsCentre, engineReady, expect, openTab, pausePlayground, playgroundStep, test } from './helpers';

/** The cpu backend starts fastest; the backend is not what these test. */
const PAGE = '/?backend=cpu';

type Box = { x: number; y: number; width: number; height: number };
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'element is laid out').not.toBeNull();
  return b!;
}
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function started(page: Page): Promise<void> {
  await page.goto(PAGE);
  await engineReady(page);
  await playgroundStep(page, 1);
}

test.describe('at 1024×768', () => {
  test.use({ viewport: { width: 1024, height: 768 } });

  test('legend and counters sit outside the table; the one-row toolbar keeps its height and the view its place when play turns to pause', async ({ page }) => {
    await started(page);
    const canvas = page.getByTestId('table-canvas');
    const legend = page.getByTestId('legend');
    await expect(legend).toBeVisible();
    await expect(page.getByTestId('view-counters-0')).toContainText(/episode \d+ · step \d+ · coverage/);
    const table = await box(canvas);
    expect(table.width).toBeGreaterThan(300);
    expect(table.height).toBeGreaterThan(250);
    expect(overlap(await box(legend), table), 'legend over the table').toBe(false);
    expect(overlap(await box(page.getByTestId('view-head-0')), table), 'counters over the table').toBe(false);
    expect(overlap(await box(page.getByTestId('view-counters-0')), table)).toBe(false);
    // The whole page fits: no scrolling either way.
    expect(await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight])).toEqual([1024, 768]);

    const toolbar = page.getByRole('toolbar', { name: 'Playground' });
    const measure = async () => {
      const bar = await box(toolbar);
      const controls = await toolbar.locator(':scope > *').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom, height: r.height })));
      return { bar, controls, canvas: await box(canvas) };
    };
    const running = await measure();
    expect((await appState(page)).live!.running).toBe(true);
    // One row: every control spans the same band, and the bar is one control high plus its padding.
    const tallest = Math.max(...running.controls.map((c) => c.height));
    for (const c of running.controls) {
      expect(c.top).toBeGreaterThanOrEqual(running.bar.y);
      expect(c.bottom).toBeLessThanOrEqual(running.bar.y + running.bar.height);
    }
    expect(running.bar.height).toBeLessThanOrEqual(tallest + 14);
    // At this width every control is in view (the bar does not need its sideways scroll).
    expect(await toolbar.evaluate((t) => t.scrollWidth <= t.clientWidth)).toBe(true);

    await pausePlayground(page);
    await expect(page.getByTestId('play-pause')).toHaveText('▶ Play');
    const paused = await measure();
    expect(paused.bar).toEqual(running.bar);
    expect(paused.canvas).toEqual(running.canvas);
    await page.getByTestId('play-pause').click();
    await page.waitForFunction(() => window.__sagr!.state().live?.running === true);
    await expect(page.getByTestId('play-pause')).toHaveText('❚❚ Pause');
    expect((await measure()).canvas).toEqual(running.canvas);
  });

  test('the side panel is tabs: a click or the arrow keys switch panels, and a panel keeps its state while hidden', async ({ page }) => {
    await started(page);
    const tabs = page.getByRole('tablist', { name: 'Side panel' }).getByRole('tab');
    await expect(tabs).toHaveText(['Run', 'Train', 'Evaluate', 'Parameters', 'Engine', 'Checkpoints']);
    // Run is open at load: the perturbation buttons are in view, the other panels are not.
    await expect(page.getByTestId('perturb-kick')).toBeVisible();
    await expect(page.getByTestId('training-panel')).toBeHidden();

    await openTab(page, 'Train');
    await expect(page.getByTestId('training-panel')).toBeVisible();
    await expect(page.getByTestId('perturb-kick')).toBeHidden();
    await page.getByLabel('training stage').selectOption('world');

    // Keys: the focused tab moves right, wraps around, Home and End jump; each selects its panel.
    const selected = page.getByRole('tab', { selected: true });
    await page.getByRole('tab', { name: 'Train' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(selected).toHaveText('Evaluate');
    await expect(page.getByRole('tab', { name: 'Evaluate' })).toBeFocused();
    await expect(page.getByTestId('eval-panel')).toBeVisible();
    await expect(page.getByTestId('training-panel')).toBeHidden();
    await page.keyboard.press('End');
    await expect(selected).toHaveText('Checkpoints');
    await expect(page.getByTestId('browser-checkpoints')).toBeVisible();
    await page.keyboard.press('ArrowRight');
    await expect(selected).toHaveText('Run');
    await page.keyboard.press('ArrowLeft');
    await expect(selected).toHaveText('Checkpoints');
    await page.keyboard.press('Home');
    await expect(selected).toHaveText('Run');
    await expect(page.getByTestId('perturb-kick')).toBeVisible();
    // The arrows moved between tabs only: no shortcut ran (the view is still 2D, the playground still runs).
    expect((await appState(page)).view).toBe('2d');

    await openTab(page, 'Train');
    await expect(page.getByLabel('training stage')).toHaveValue('world');
  });

  test('an info toast leaves after its time, an error stays until dismissed, neither moves the view; the Engine tab logs both', async ({ page }) => {
    await started(page);
    const canvas = await box(page.getByTestId('table-canvas'));
    // An info notice (a save in this browser) and an error (an evaluation of 0 episodes), at once.
    await page.evaluate(() => window.__sagr!.saveToBrowser('reflex', 'toast test'));
    await page.evaluate(() => window.__sagr!.startEval(['expert'], ['nominal'], 0));
    const info = page.getByTestId('notice').filter({ hasText: 'saved in this browser as "toast test"' });
    const error = page.getByTestId('notice').filter({ hasText: 'evalStart.episodes: 0 is not an integer' });
    await expect(info).toBeVisible();
    await expect(error).toBeVisible();
    await expect(info).toHaveAttribute('data-level', 'info');
    expect(await box(page.getByTestId('table-canvas'))).toEqual(canvas);
    for (const t of [info, error]) expect(overlap(await box(t), canvas), 'toast over the table').toBe(false);
    // Info stays 6 s: still there after 3 s, gone well within 10 s (the timers only fire late, never early).
    await page.waitForTimeout(3_000);
    await expect(info).toBeVisible();
    await expect(info).toHaveCount(0, { timeout: 7_000 });
    await expect(error).toBeVisible();
    await error.getByRole('button', { name: 'dismiss' }).click();
    await expect(error).toHaveCount(0);
    expect(await box(page.getByTestId('table-canvas'))).toEqual(canvas);

    await openTab(page, 'Engine');
    const log = page.getByTestId('notice-log');
    await expect(log.getByTestId('logged-notice').filter({ hasText: 'saved in this browser as "toast test"' })).toBeVisible();
    await expect(log.getByTestId('logged-notice').filter({ hasText: 'evalStart.episodes: 0 is not an integer' })).toHaveClass('error');
  });
});

test.describe('at a phone width', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('one column with no sideways scroll: the view fills the width, play works, a drag shoves the block', async ({ page }) => {
    await started(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const canvas = page.getByTestId('table-canvas');
    const table = await box(canvas);
    expect(table.x).toBeGreaterThanOrEqual(0);
    expect(table.x + table.width).toBeLessThanOrEqual(390);
    expect(table.width).toBeGreaterThan(350);
    expect(table.height).toBeGreaterThan(300);
    await expect(canvas).toBeInViewport();
    // The side panel comes under the view, not beside it.
    expect((await box(page.getByRole('tablist', { name: 'Side panel' }))).y).toBeGreaterThan(table.y + table.height);

    const play = page.getByTestId('play-pause');
    await expect(play).toBeInViewport();
    await play.click();
    await page.waitForFunction(() => window.__sagr!.state().live?.running === false);
    await play.click();
    await page.waitForFunction(() => window.__sagr!.state().live?.running === true);

    await pausePlayground(page);
    await dragBlockTowardsCentre(page, 30);
  });
});
