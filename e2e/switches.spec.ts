// The method's switches in the Run panel, live: the executed chunk length n reaches the engine and the URL hash and
// the next chunks use it; side by side, a lane's own n reaches the engine and each lane re-plans at its own n; a
// lane's reflex gain is validated with a message naming the field; the reflex-target comparison runs the shipped
// consistent and literal reflexes side by side, and so do the shipped DSRL, RWFM and GRPO baselines and the
// long-chunk prior.
import type { Page } from '@playwright/test';
import { parseHash } from '../src/core/config';
import { appState, engineReady, expect, pausePlayground, playgroundStep, sideBySideOnCpu, test } from './helpers';

/**
 * Steps the paused playground `steps` times and returns, per lane, the control steps (0-based, in the episode) at
 * which the lane sampled a new chunk.
 */
async function decisionSteps(page: Page, steps: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const before = (await appState(page)).live!.lanes[0].step;
    await page.evaluate(() => window.__sagr!.step());
    await page.waitForFunction((s) => window.__sagr!.state().live!.lanes[0].step === s + 1, before);
    const lanes = (await appState(page)).live!.lanes;
    lanes.forEach((l, k) => {
      out[k] ??= [];
      if (l.decided) out[k].push(l.step - 1);
    });
  }
  return out;
}

test('the chunk-length slider in the Run panel reaches the engine and the hash, and the next chunks use it', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/?backend=cpu');
  await engineReady(page);
  await playgroundStep(page, 0);
  const slider = page.getByRole('slider', { name: 'executed chunk length n' });
  await expect(slider).toBeVisible();
  await slider.focus();
  await page.keyboard.press('End'); // the horizon, H = 16
  await expect.poll(() => parseHash(new URL(page.url()).hash).config.executeSteps).toBe(16);
  await page.waitForFunction(() => window.__sagr!.state().engineConfig?.executeSteps === 16);
  await expect(page.getByTestId('run-execute-steps-value')).toHaveText('16 of H = 16');

  // A fresh episode starts with a fresh chunk (the one under way when n changed keeps its own length).
  const { episode } = (await pausePlayground(page)).live!;
  await page.evaluate(() => window.__sagr!.nextEpisode());
  await page.waitForFunction((e) => window.__sagr!.state().live?.episode === e + 1, episode);
  const [decided] = await decisionSteps(page, 18);
  expect(decided).toEqual([0, 16]);
});

test('side by side: the right lane’s own n reaches the engine and each lane re-plans at its own n; a bad gain names its field', async ({ page }) => {
  test.setTimeout(120_000);
  await sideBySideOnCpu(page);
  await page.getByTestId('lane-n-1').selectOption('16');
  await page.waitForFunction(() => window.__sagr!.state().playground?.lanes[1].settings.executeSteps === 16);
  const s = await appState(page);
  expect(s.playground!.lanes[0].settings.executeSteps).toBeNull();
  // A lane's setting is not the config's: the hash keeps n = 4.
  expect(s.config.executeSteps).toBe(4);
  expect(parseHash(new URL(page.url()).hash).config.executeSteps).toBe(4);

  // A fresh episode, so both lanes start their first chunk together.
  const { episode } = (await pausePlayground(page)).live!;
  await page.evaluate(() => window.__sagr!.nextEpisode());
  await page.waitForFunction((e) => window.__sagr!.state().live?.episode === e + 1, episode);
  const [left, right] = await decisionSteps(page, 18);
  expect(left).toEqual([0, 4, 8, 12, 16]);
  expect(right).toEqual([0, 16]);

  // The right lane runs sagr, which has a reflex: its gain box refuses what is not a gain, naming the field.
  const gain = page.getByTestId('lane-gain-1');
  await gain.fill('abc');
  await gain.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'lanes[1].reflexGain' })).toHaveText('lanes[1].reflexGain: "abc" is not a number');
  await gain.fill('5');
  await gain.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'lanes[1].reflexGain' })).toHaveText('lanes[1].reflexGain: 5 is outside [0, 3]');
  expect((await appState(page)).playground!.lanes[1].settings.reflexGain).toBeNull();
  await gain.fill('0.5');
  await gain.press('Enter');
  await page.waitForFunction(() => window.__sagr!.state().playground?.lanes[1].settings.reflexGain === 0.5);
  await expect(page.getByRole('alert').filter({ hasText: 'lanes[1].reflexGain' })).toHaveCount(0);
});

/**
 * Opens the page, clicks the one-click comparison `id` and waits until its two lanes run `pair`; checks the lanes'
 * labels and the right lane's switches, and returns the app state (the view is then side by side).
 */
async function runComparison(page: Page, id: string, pair: [string, string], labels: [string, string], url = '/?backend=cpu') {
  await page.goto(url);
  await engineReady(page);
  await playgroundStep(page, 0);
  await page.getByTestId(`compare-${id}`).click();
  await page.waitForFunction((want) => window.__sagr!.state().live?.lanes.map((l) => l.policy).join() === want, pair.join());
  // A lane's label names its own n once the comparison's settings reach it (they follow the pair).
  await expect.poll(async () => (await appState(page)).playground!.lanes.map((l) => l.label)).toEqual(labels);
  await expect(page.getByTestId('lane-switches-1')).toContainText(`right: ${pair[1]}`);
  return appState(page);
}

/** The right lane runs: its control steps go on by 5. */
async function rightLaneMoves(page: Page) {
  const start = (await appState(page)).live!.lanes[1].step;
  await page.waitForFunction((n) => (window.__sagr!.state().live?.lanes[1]?.step ?? -1) >= n, start + 5, { timeout: 60_000 });
}

test('the reflex-target comparison runs the shipped consistent and literal reflexes side by side', async ({ page }) => {
  const s = await runComparison(page, 'reflex-target', ['reflex', 'reflex-literal'], ['reflex (v_θ, Φ, b_ψ trained)', 'reflex-literal (v_θ, Φ, b_ψ trained)']);
  expect(s.view).toBe('side');
});

test('on push-3d the reflex-target comparison runs its shipped consistent and literal reflexes; comparisons of runs push-3d does not ship are disabled, saying why, and the ReinFlow one it ships is not', async ({ page }) => {
  await runComparison(page, 'reflex-target', ['reflex', 'reflex-literal'], ['reflex (v_θ, Φ, b_ψ trained)', 'reflex-literal (v_θ, Φ, b_ψ trained)'], '/?backend=cpu#task=push-3d');
  expect((await appState(page)).config.task).toBe('push-3d');
  await expect(page.getByTestId('compare-reinflow')).toBeEnabled();
  await expect(page.getByTestId('compare-dsrl')).toBeDisabled();
  await expect(page.getByTestId('compare-dsrl')).toHaveAttribute('title', /\(not available: no trained dsrl for this task\)$/);
});

test('the SA-GR / DSRL comparison runs the shipped sagr beside the shipped DSRL run, each labelled with where its η acts', async ({ page }) => {
  await runComparison(page, 'dsrl', ['sagr', 'dsrl'], ['sagr (v_θ, Φ, b_ψ, η_φ trained), η per chunk', 'dsrl (v_θ, Φ, η_φ trained), η chooses a_0']);
});

test('the SA-GR / ReinFlow comparison runs the shipped sagr beside the shipped ReinFlow run (its own fine-tuned prior), and the ReinFlow lane moves', async ({ page }) => {
  await runComparison(page, 'reinflow', ['sagr', 'reinflow'], ['sagr (v_θ, Φ, b_ψ, η_φ trained), η per chunk', 'reinflow (v_θ, Φ, η_φ trained), η = σ_k(s), v_θ fine-tuned']);
  await rightLaneMoves(page);
});

test('the ReinFlow ± reflex comparison runs the shipped ReinFlow beside ReinFlow trained with the reflex in its rollouts, both at n = 8, and the right lane moves', async ({ page }) => {
  await runComparison(page, 'reinflow-reflex', ['reinflow', 'reinflow-reflex'], [
    'reinflow (v_θ, Φ, η_φ trained), η = σ_k(s), v_θ fine-tuned · n = 8',
    'reinflow-reflex (v_θ, Φ, b_ψ, η_φ trained), η = σ_k(s), v_θ fine-tuned · n = 8',
  ]);
  await rightLaneMoves(page);
});

test('the prior / long-chunk prior comparison runs the shipped reflex beside the reflex on the long-chunk DAgger prior, both at n = 8, and the right lane moves', async ({ page }) => {
  await runComparison(page, 'long-prior', ['reflex', 'reflex-long'], ['reflex (v_θ, Φ, b_ψ trained) · n = 8', 'reflex-long (v_θ, Φ, b_ψ trained) · n = 8']);
  await rightLaneMoves(page);
});

test('the expert plans ± reflex comparison runs the expert’s open-loop plans beside the same plans corrected by the shipped reflex, both at n = 8, and the right lane moves', async ({ page }) => {
  await runComparison(page, 'expert-plans', ['expert-chunks', 'expert-chunks-reflex'], ['expert-chunks (privileged planner, open-loop chunks; Φ observing) · n = 8', 'expert-chunks-reflex (privileged planner, open-loop chunks; Φ, b_ψ trained) · n = 8']);
  await rightLaneMoves(page);
});

test('the RWFM / GRPO comparison runs the two shipped fine-tuned priors side by side', async ({ page }) => {
  test.setTimeout(90_000); // 57 s measured on the shared 2-core machine under load: loading, then a step of both
  await runComparison(page, 'rwfm', ['rwfm', 'grpo'], ['rwfm (v_θ, Φ trained)', 'grpo (v_θ, Φ trained)']);
  // Both fine-tuned priors act: one control step (it pauses) moves each lane on.
  await page.evaluate(() => window.__sagr!.step());
  await page.waitForFunction(() => (window.__sagr!.state().live?.lanes ?? []).every((l) => l.step > 0));
});

test('the K-step / one-step comparison runs the shipped prior beside the shipped one-step (MeanFlow) prior, which acts', async ({ page }) => {
  await runComparison(page, 'meanflow', ['prior', 'meanflow'], ['prior (v_θ, Φ trained)', 'meanflow (v_θ trained), one step per chunk']);
  await rightLaneMoves(page);
});
