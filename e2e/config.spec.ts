// The config in the URL hash and the side panel: hostile hashes are reported per field and fall back to the
// default for that field only; panel changes rewrite the hash and reach the engine.
import { CONFIG_KEYS, SCHEMA, defaultConfig, helpSummary, parseHash } from '../src/core/config';
import { formatValue } from '../src/ui/sliderScale';
import { appState, engineReady, expect, openTab, test } from './helpers';

/** Config tests run on the cpu backend: the choice of backend is not what they test, and it starts fastest. */
const PAGE = '/?backend=cpu';

test('a bad URL hash names each rejected field, uses its default, and keeps the valid fields', async ({ page }) => {
  await page.goto(`${PAGE}#numEnvs=64&sigmaMax=abc&horizon=999999&bogusKey=1&sdeMode=chain&reflexGain=%E0%A4%A&alpha=2.5`);
  const errors = page.getByTestId('hash-errors');
  await expect(errors).toBeVisible();
  await expect(errors).toContainText('sigmaMax: "abc" is not a number — using the default 0.1');
  await expect(errors).toContainText(`horizon: 999999 is outside [1, 32] — using the default ${SCHEMA.horizon.default}`);
  await expect(errors).toContainText('bogusKey: unknown parameter — ignored');
  await expect(errors).toContainText('malformed percent-encoding');
  const s = await engineReady(page);
  expect(s.config).toMatchObject({ numEnvs: 64, alpha: 2.5, sdeMode: 'chain', sigmaMax: SCHEMA.sigmaMax.default, horizon: SCHEMA.horizon.default, reflexGain: SCHEMA.reflexGain.default });
  // The hash is rewritten to the config actually in use: the valid fields kept, the rejected ones at their defaults.
  const rewritten = parseHash(new URL(page.url()).hash);
  expect(rewritten.errors).toEqual([]);
  expect(rewritten.config).toEqual(s.config);
  await page.waitForFunction(() => window.__sagr!.state().engineConfig?.numEnvs === 64);
});

test('a hostile hash (too long) is refused whole with a message, and the app still runs on defaults', async ({ page }) => {
  await page.goto(`${PAGE}#seed=${'9'.repeat(9000)}`);
  await expect(page.getByTestId('hash-errors')).toContainText('hash: too long');
  const s = await engineReady(page);
  expect(s.config).toEqual(defaultConfig());
});

test('moving a slider updates the URL hash and the engine config', async ({ page }) => {
  await page.goto(PAGE);
  await engineReady(page);
  await openTab(page, 'Parameters');
  const slider = page.getByRole('slider', { name: 'sigmaMax', exact: true });
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const expected = SCHEMA.sigmaMax.default + 2 * SCHEMA.sigmaMax.step;
  await expect(page.getByLabel('sigmaMax value')).toHaveValue(expected.toFixed(3));
  await expect.poll(() => parseHash(new URL(page.url()).hash).config.sigmaMax).toBeCloseTo(expected, 10);
  await page.waitForFunction((v) => Math.abs(window.__sagr!.state().engineConfig!.sigmaMax - v) < 1e-9, expected);
  await expect(page.getByTestId('status-bar')).toContainText('config synced');
  // Reset puts the default back everywhere.
  await page.getByRole('button', { name: 'reset sigmaMax' }).click();
  await expect.poll(() => parseHash(new URL(page.url()).hash).config.sigmaMax).toBe(SCHEMA.sigmaMax.default);
  await page.waitForFunction((v) => window.__sagr!.state().engineConfig!.sigmaMax === v, SCHEMA.sigmaMax.default);
});

test('a log-scale slider moves in ratios; typed values are validated with a message naming the field', async ({ page }) => {
  await page.goto(PAGE);
  await engineReady(page);
  await openTab(page, 'Parameters');
  await page.locator('[data-group="prior"] > summary').click();
  const lr = page.getByRole('slider', { name: 'priorLr', exact: true });
  await lr.focus();
  // PageUp moves a tenth of the slider: half a decade of the five between 1e-6 and 1e-1, to 3 significant digits.
  await page.keyboard.press('PageUp');
  const raised = (await appState(page)).config.priorLr;
  expect(raised).toBe(Number((SCHEMA.priorLr.default * 10 ** 0.5).toPrecision(3)));
  await expect.poll(() => parseHash(new URL(page.url()).hash).config.priorLr).toBe(raised);

  const box = page.getByLabel('numEnvs value');
  await box.fill('64');
  await box.press('Enter');
  await expect.poll(() => parseHash(new URL(page.url()).hash).config.numEnvs).toBe(64);
  await box.fill('100000');
  await box.press('Enter');
  await expect(page.locator('[data-param="numEnvs"] .param-error')).toHaveText('numEnvs: 100000 is outside [1, 512]');
  expect((await appState(page)).config.numEnvs).toBe(64);
  // A value breaking a relation between fields is refused whole.
  const sigmaMin = page.getByLabel('sigmaMin value');
  await sigmaMin.fill('0.5');
  await sigmaMin.press('Enter');
  await expect(page.locator('[data-param="sigmaMin"] .param-error')).toContainText('exceeds sigmaMax');
  expect((await appState(page)).config.sigmaMin).toBe(SCHEMA.sigmaMin.default);
});

test('"Reset all" clears a rejected value from its box and its message; so does the parameter\'s own reset', async ({ page }) => {
  await page.goto(PAGE);
  await engineReady(page);
  await openTab(page, 'Parameters');
  const sigmaMin = page.getByLabel('sigmaMin value');
  const error = page.locator('[data-param="sigmaMin"] .param-error');
  const shownDefault = formatValue(SCHEMA.sigmaMin, SCHEMA.sigmaMin.default);
  const numEnvs = page.getByLabel('numEnvs value');
  await numEnvs.fill('64');
  await numEnvs.press('Enter');
  await expect.poll(async () => (await appState(page)).config.numEnvs).toBe(64);
  // σmin 0.5 > σmax is refused: the box keeps the typed text to be corrected, the config keeps 0.02.
  await sigmaMin.fill('0.5');
  await sigmaMin.press('Enter');
  await expect(error).toContainText('exceeds sigmaMax');
  await expect(sigmaMin).toHaveValue('0.5');

  await page.getByRole('button', { name: 'Reset all' }).click();
  await expect(error).toHaveCount(0);
  await expect(sigmaMin).toHaveValue(shownDefault);
  await expect(numEnvs).toHaveValue(String(SCHEMA.numEnvs.default));
  expect((await appState(page)).config).toEqual(defaultConfig());
  await expect.poll(() => parseHash(new URL(page.url()).hash).config).toEqual(defaultConfig());

  // The value is at its default, yet its reset is offered while a rejected draft stands, and clears it.
  await sigmaMin.fill('0.5');
  await sigmaMin.press('Enter');
  await expect(error).toBeVisible();
  await page.getByRole('button', { name: 'reset sigmaMin' }).click();
  await expect(error).toHaveCount(0);
  await expect(sigmaMin).toHaveValue(shownDefault);
  await expect(page.getByRole('button', { name: 'reset sigmaMin' })).toBeDisabled();
});

test('each parameter shows a plain label with its unit, its raw key, and the first sentence of its help', async ({ page }) => {
  await page.goto(PAGE);
  await engineReady(page);
  await openTab(page, 'Parameters');
  const shown = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('.param')].map((el) => [
        el.dataset.param!,
        { label: el.querySelector('.param-label')!.textContent, key: el.querySelector('.param-key')!.textContent, help: el.querySelector('.param-help')!.textContent, title: el.title },
      ]),
    ),
  );
  expect(Object.keys(shown)).toEqual(CONFIG_KEYS);
  for (const k of CONFIG_KEYS) {
    const p = SCHEMA[k];
    expect(shown[k], k).toEqual({ label: 'unit' in p && p.unit ? `${p.label} (${p.unit})` : p.label, key: k, help: helpSummary(p), title: expect.stringContaining(p.help) });
  }
  await expect(page.getByTestId('label-sigmaMax')).toHaveText('σ max (noise at τ=0)');
  await page.locator('[data-group="prior"] > summary').click();
  await expect(page.getByTestId('label-executeSteps')).toHaveText('Executed chunk length n (steps)');
  // Label and key over the slider, the description under it, all inside the panel and readable (not clipped to nothing).
  const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
  const label = await box('[data-param="executeSteps"] .param-label');
  const key = await box('[data-param="executeSteps"] .param-key');
  const slider = await box('[data-param="executeSteps"] input[type="range"]');
  const help = await box('[data-param="executeSteps"] .param-help');
  const panel = await box('[data-param="executeSteps"]');
  expect(label.y + label.height).toBeLessThanOrEqual(slider.y + 1);
  expect(key.x).toBeGreaterThanOrEqual(label.x + label.width);
  expect(help.y).toBeGreaterThanOrEqual(slider.y + slider.height - 1);
  expect(help.width).toBeGreaterThan(100);
  expect(help.x + help.width).toBeLessThanOrEqual(panel.x + panel.width + 1);
  expect(slider.width).toBeGreaterThan(80);
});

test('editing the hash by hand re-applies it with the same validation', async ({ page }) => {
  await page.goto(PAGE);
  await engineReady(page);
  await page.evaluate(() => (location.hash = 'seed=5&episodeLength=oops'));
  await page.waitForFunction(() => window.__sagr!.state().config.seed === 5);
  await expect(page.getByTestId('hash-errors')).toContainText('episodeLength: "oops" is not a number');
  expect(parseHash(new URL(page.url()).hash).config).toEqual({ ...defaultConfig(), seed: 5 });
  await page.waitForFunction(() => window.__sagr!.state().engineConfig?.seed === 5);
});
