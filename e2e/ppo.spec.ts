// Stage 2 (PPO) in the page: a tiny run (budget from the URL's config) trains in the engine worker, advances the
// progress bar and adds points to the live charts, pauses and resumes between iterations, stops on request and
// continues from there; the iterations it finished are what the sagr policy then runs, and its critic is saveable.
import { appState, engineReady, expect, openTab, pausePlayground, test } from './helpers';

/** A budget small enough for software backends: 2 envs × 24 control steps per iteration (every rollout ends an episode: success is defined), one minibatch. */
const TINY_PPO = 'numEnvs=2&rolloutSteps=24&episodeLength=20&epochs=1&minibatches=1&criticWarmupIters=0&ppoIters=40';

test('a tiny PPO run in the page: progress, live charts, pause/resume, stop, continue; the sagr policy runs what it trained', async ({ page }) => {
  test.setTimeout(150_000);
  // wasm: PPO on software WebGPU takes minutes per iteration; the backend is not what this tests.
  await page.goto(`/?backend=wasm#${TINY_PPO}`);
  await engineReady(page);
  await page.waitForFunction(() => window.__sagr!.state().playground !== null);
  await openTab(page, 'Train');
  const panel = page.getByTestId('training-panel');
  await panel.getByRole('button', { name: 'PPO (sagr)' }).click();
  await page.waitForFunction(() => window.__sagr!.state().training?.stage === 'ppo-sagr' && window.__sagr!.state().training?.running === true);

  // Progress and chart points arrive one iteration at a time.
  await page.waitForFunction(() => (window.__sagr!.state().training?.iter ?? 0) >= 2, null, { timeout: 60_000 });
  let s = await appState(page);
  const records = s.training!.records;
  expect(records.length).toBeGreaterThanOrEqual(2);
  for (const r of records) for (const key of ['success', 'rewardTask', 'rewardSurprise', 'rewardEffort', 'deltaZ', 'reflex', 'approxKl', 'clipFrac', 'explainedVariance']) expect(Number.isFinite(r[key]), key).toBe(true);
  const charts = page.getByTestId('ppo-charts').getByTestId('loss-chart');
  await expect(charts).toHaveCount(6);
  expect(Number(await charts.first().getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
  expect(Number(await panel.locator('progress').getAttribute('value'))).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('training-status')).toContainText('ETA');
  // After its first iteration the run's modules are what the sagr policy runs.
  expect(s.playground!.found).toContainEqual({ key: 'ppo/strategy', module: 'strategy', source: 'this session (PPO ppo-sagr, training)' });

  // Pause holds the run (mid-iteration); resume goes on.
  await panel.getByRole('button', { name: 'pause' }).click();
  await page.waitForFunction(() => window.__sagr!.state().training?.paused === true, null, { timeout: 60_000 });
  const pausedAt = (await appState(page)).training!.iter;
  await expect(page.getByTestId('training-status')).toContainText('paused');
  // The engine keeps answering while paused (a round trip through the worker's queue), and the run stays put.
  await page.evaluate(() => window.__sagr!.step());
  expect((await appState(page)).training!.iter).toBe(pausedAt);
  await panel.getByRole('button', { name: 'resume' }).click();
  await page.waitForFunction((n) => (window.__sagr!.state().training?.iter ?? 0) > n, pausedAt, { timeout: 60_000 });

  // Stop ends the run at its next yield, keeping the iterations it finished (one cut short is not recorded).
  await panel.getByRole('button', { name: 'stop' }).click();
  await page.waitForFunction(() => window.__sagr!.state().training?.running === false, null, { timeout: 60_000 });
  s = await appState(page);
  const t = s.training!;
  expect(t.outcome).toBe('stopped');
  expect(t.iter).toBeLessThan(t.iters);
  expect(t.records.length).toBe(t.iter);
  await expect(page.getByTestId('training-status')).toContainText(`ppo-sagr: ${t.iter} / 40`);
  await page.waitForFunction((n) => window.__sagr!.state().playground?.found.some((f) => f.key === 'ppo/reflex' && f.source === `this session (${n} iterations of ppo-sagr)`), t.iter);

  // Continue goes on from the iteration the run stopped at, appending to its records; stop again.
  await panel.getByRole('button', { name: 'continue to 40' }).click();
  await page.waitForFunction((n) => window.__sagr!.state().training?.running === true && window.__sagr!.state().training!.iter > n, t.iter, { timeout: 60_000 });
  await expect(page.getByTestId('training-status')).toContainText(`continued from iteration ${t.iter}`);
  await panel.getByRole('button', { name: 'stop' }).click();
  await page.waitForFunction(() => window.__sagr!.state().training?.running === false, null, { timeout: 60_000 });
  const more = (await appState(page)).training!;
  expect(more.outcome).toBe('stopped');
  expect(more.records.map((r) => r.iter)).toEqual(Array.from({ length: more.iter }, (_, i) => i + 1));
  expect(more.iter).toBeGreaterThan(t.iter);

  // The run's critic is a module like the others: in its slot, saveable in this browser.
  await page.waitForFunction((n) => window.__sagr!.state().playground?.found.some((f) => f.key === 'ppo/critic' && f.source === `this session (${n} iterations of ppo-sagr)`), more.iter);
  await openTab(page, 'Checkpoints');
  const saving = page.getByTestId('browser-checkpoints');
  await saving.getByLabel('slot for saved checkpoints').selectOption('ppo/critic');
  await saving.getByLabel('saved checkpoint name').fill('e2e critic');
  await saving.getByRole('button', { name: 'save in browser' }).click();
  await expect(saving.getByTestId('saved-checkpoint')).toContainText('e2e critic (critic,');
  await page.evaluate(() => window.__sagr!.setPolicy(0, 'sagr'));
  await page.waitForFunction(() => /^sagr \(v_θ, Φ, b_ψ, η_φ trained\), η per chunk$/.test(window.__sagr!.state().playground?.lanes[0].label ?? ''));
  await expect(page.getByTestId('checkpoint-sagr')).toContainText('ppo-sagr');
});

test('PPO trains on the WebGPU backend too (software adapter here): one tiny iteration, and the engine stays on WebGPU', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=webgpu#numEnvs=2&rolloutSteps=8&episodeLength=10&epochs=1&minibatches=1&criticWarmupIters=0&ppoIters=1');
  const ready = await engineReady(page);
  expect(ready.backend!.backend).toBe('webgpu');
  await page.waitForFunction(() => window.__sagr!.state().playground !== null);
  // The live policy would share the software adapter with the run.
  await pausePlayground(page);
  await page.evaluate(() => window.__sagr!.startPpo('ppo-strategy', 1));
  await page.waitForFunction(() => window.__sagr!.state().training?.running === false, null, { timeout: 170_000 });
  const s = await appState(page);
  expect(s.training!.outcome).toBe('done');
  expect(s.training!.records).toHaveLength(1);
  expect(s.backend!.backend).toBe('webgpu');
  expect(s.notices.filter((n) => n.level === 'error')).toEqual([]);
});
