// push-3d in the playground: the toolbar's task selector restarts the lanes on push-3d (its expert runs, its
// tokens spread in z, the 3D view opens and draws the table, the pillar and the pusher ball), missing push-3d
// checkpoints are named in a notice, the perturbation buttons are push-3d's suites (tilt tips the pillar),
// dragging the pillar shoves it, and switching back runs Push-T again. Training and evaluation in the page run
// on push-3d's demonstrations, modules and suites.
import { COLORS } from '../src/ui/scene/pushtTable';
import { appState, engineReady, expect, pausePlayground, playgroundStep, test } from './helpers';
import { hexRgb, pixelStats } from './pixels';

/** Waits until the page's live state comes from `task` and its first lane has taken `step` steps. */
async function runningTask(page: import('@playwright/test').Page, task: string, step: number) {
  await page.waitForFunction(
    ([t, n]) => {
      const s = window.__sagr!.state();
      return s.playground?.task === t && s.live?.task === t && (s.live.lanes[0]?.step ?? -1) >= (n as number);
    },
    [task, step] as const,
    { timeout: 60_000 },
  );
  return appState(page);
}

test('the task selector switches the playground to push-3d (3D view, tokens in 3D, not blank) and back to Push-T', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await engineReady(page);
  await playgroundStep(page, 1);

  await page.getByTestId('task').selectOption('push-3d');
  const first = await runningTask(page, 'push-3d', 2);
  expect(first.config.task).toBe('push-3d');
  expect(first.view).toBe('3d');
  const lane = first.live!.lanes[0];
  expect(lane.tokens).toHaveLength(14);
  // The pillar is 0.12 m tall: its top corners stand that far above its bottom ones.
  expect(Math.max(...lane.tokenZ) - Math.min(...lane.tokenZ)).toBeGreaterThan(0.1);
  if (first.playground!.trained.length === 0) {
    expect(first.notices.some((n) => n.message.includes('checkpoints/push-3d/'))).toBe(true);
    expect(lane.policy).toBe('expert');
  } else {
    // The shipped push-3d checkpoints loaded and a learned policy runs; the drawing checks below want the
    // expert, whose pusher stays on the table top in view (the shipped prior's may not).
    expect(lane.policy).not.toBe('expert');
    await page.evaluate(() => window.__sagr!.setPolicy(0, 'expert'));
    await page.waitForFunction(() => window.__sagr!.state().live?.lanes[0]?.policy === 'expert', undefined, { timeout: 30_000 });
  }
  // The perturbation buttons are push-3d's live suites, tilt included.
  await expect(page.getByTestId('perturb-tilt')).toHaveAttribute('title', /^tilt:angle=0.35 — at the next control step/);
  await expect(page.getByTestId('perturb-kick')).toHaveAttribute('title', /^kick:impulse=0.3 /);
  // The episode goes on.
  await runningTask(page, 'push-3d', lane.step + 2);

  await pausePlayground(page);
  // The pose score and its parts, as the engine computed them for the state shown: the score on the counters'
  // line, position (mm), heading and tilt (°) on the line under it.
  const shown = (await appState(page)).live!.lanes[0];
  const counters = await page.getByTestId('view-counters-0').textContent();
  expect(Number(counters!.match(/pose score ([\d.]+)/)![1])).toBeCloseTo(shown.coverage, 3);
  const parts = (await page.getByTestId('view-pose-0').textContent())!.match(/^pose score parts: position ([\d.]+) mm · heading ([\d.]+)° · tilt ([\d.]+)°$/);
  expect(parts).not.toBeNull();
  const [position, heading, tilt] = parts!.slice(1).map(Number);
  expect(position).toBeCloseTo(shown.pose!.position * 1000, 1);
  expect(heading).toBeCloseTo((shown.pose!.heading * 180) / Math.PI, 1);
  expect(tilt).toBeCloseTo((shown.pose!.tilt * 180) / Math.PI, 1);
  const canvas = page.getByTestId('table-canvas');
  await expect(canvas).toHaveAttribute('data-task', 'push-3d');
  await expect(canvas).toHaveAttribute('data-view', '3d');
  const s = await pixelStats(page, canvas, {
    table: { rgb: hexRgb(COLORS.table), tolerance: 12 },
    pillar: { rgb: hexRgb(COLORS.block), tolerance: 40 },
    pusher: { rgb: hexRgb(COLORS.pusher), tolerance: 40 },
    goal: { rgb: hexRgb(COLORS.goal), tolerance: 60 },
  });
  expect(s.distinct).toBeGreaterThan(10);
  expect(s.classes.table.n / (s.width * s.height)).toBeGreaterThan(0.05);
  expect(s.classes.pillar.n).toBeGreaterThan(200);
  expect(s.classes.pusher.n).toBeGreaterThan(20);
  expect(s.classes.goal.n).toBeGreaterThan(20);

  // Drag-to-shove on the table top: press on the pillar, drag 40 screen px to the right; the next step moves it.
  const before = (await appState(page)).live!.lanes[0];
  const at = (await page.evaluate(() => window.__sagr!.blockOnScreen(0)))!;
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  await page.mouse.move(at.x + 20, at.y, { steps: 4 });
  await page.mouse.move(at.x + 40, at.y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction(() => {
    const p = window.__sagr!.state().live?.lanes[0].pending;
    return p !== undefined && Math.hypot(p.dx, p.dy) > 0.01;
  });
  const pending = (await appState(page)).live!.lanes[0].pending;
  await page.evaluate(() => window.__sagr!.step());
  const moved = (await runningTask(page, 'push-3d', before.step + 1)).live!.lanes[0];
  const [mx, my] = [moved.block.x - before.block.x, moved.block.y - before.block.y];
  expect(mx * pending.dx + my * pending.dy).toBeGreaterThan(0.6 * (pending.dx ** 2 + pending.dy ** 2));

  // The tilt button tips the pillar at the next step: its corner tokens move in z (an upright pillar's stay put).
  const upright = (await appState(page)).live!.lanes[0];
  await page.getByTestId('perturb-tilt').click();
  await page.evaluate(() => window.__sagr!.step());
  const tipped = (await runningTask(page, 'push-3d', upright.step + 1)).live!.lanes[0];
  const zMoves = tipped.tokenZ.slice(0, 12).map((z, k) => Math.abs(z - upright.tokenZ[k]));
  expect(Math.max(...zMoves)).toBeGreaterThan(0.01);
  // The tilt part of the pose score shows it (the frame drawn may be a step later: the pillar falls back).
  expect(tipped.pose!.tilt).toBeGreaterThan(0.05);
  await expect(page.getByTestId('view-pose-0')).toHaveText(/tilt (?!0\.0°)[\d.]+°$/);
  // A lasting condition holds until cleared, its button pressed meanwhile (a one-shot's never is).
  await page.getByTestId('perturb-friction').click();
  await expect(page.getByTestId('condition')).toHaveText('friction:mu=0.25');
  await expect(page.getByTestId('perturb-friction')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('perturb-tilt')).not.toHaveAttribute('aria-pressed');
  await page.getByRole('button', { name: 'clear' }).click();
  await expect(page.getByTestId('condition')).toHaveText('nominal');
  await expect(page.getByTestId('perturb-friction')).toHaveAttribute('aria-pressed', 'false');

  await page.getByTestId('task').selectOption('push-t');
  const back = await runningTask(page, 'push-t', 1);
  expect(back.view).toBe('2d');
  expect(back.live!.lanes[0].tokens).toHaveLength(10);
  expect(back.live!.lanes[0].tokenZ.every((z) => z === 0)).toBe(true);
  await expect(canvas).toHaveAttribute('data-task', 'push-t');
  await expect(page.getByTestId('view-pose-0')).toHaveCount(0);
  await expect(page.getByTestId('perturb-kick')).toBeVisible();
  await expect(page.getByTestId('perturb-tilt')).toHaveCount(0);
});

test("trains and evaluates in the page on push-3d: its demonstrations, its modules, its suites", async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/?backend=wasm#task=push-3d&priorBatch=16&episodeLength=20');
  await engineReady(page);
  await runningTask(page, 'push-3d', 0);
  await page.evaluate(() => window.__sagr!.startTraining('prior', 4));
  await page.waitForFunction(() => window.__sagr!.state().training?.outcome != null, null, { timeout: 60_000 });
  const t = (await appState(page)).training!;
  expect(t).toMatchObject({ task: 'push-3d', stage: 'prior', iters: 4, iter: 4, outcome: 'done', message: 'push-3d prior: done after 4 of 4 iterations' });
  expect(Number.isFinite(t.records.at(-1)!.heldOutLoss as number)).toBe(true);
  await expect(page.getByTestId('training-status')).toContainText('push-3d prior: 4 / 4');

  await page.evaluate(() => window.__sagr!.startEval(['prior'], ['friction'], 2));
  await page.waitForFunction(() => window.__sagr!.state().evaluation?.outcome != null, null, { timeout: 60_000 });
  const e = (await appState(page)).evaluation!;
  expect(e).toMatchObject({ task: 'push-3d', outcome: 'done' });
  expect(e.rows).toHaveLength(1);
  expect(e.rows[0]).toMatchObject({ policy: 'prior', suite: 'friction', perturbation: 'friction:mu=0.25' });
  expect(e.rows[0].summary.episodes).toBe(2);
  expect(e.rows[0].label).toMatch(/^prior \(/);
  await expect(page.getByTestId('eval-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('eval-status')).toContainText('push-3d');
});
