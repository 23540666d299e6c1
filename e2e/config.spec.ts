// The config in the URL hash and the side panel: hostile hashes are reported per field and fall back to the
// default for that field only; panel changes rewrite the hash and reach the engine.
import { SCHEMA, defaultConfig, parseHash } from '../src/core/config';
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

test('editing the hash by hand re-applies it with the same validation', async ({ page }) => {
  await page.goto(PAGE);
  await engineReady(page);
  await page.evaluate(() => (location.hash = 'seed=5&episodeLength=oops'));
  await page.waitForFunction(() => window.__sagr!.state().config.seed === 5);
  await expect(page.getByTestId('hash-errors')).toContainText('episodeLength: "oops" is not a number');
  expect(parseHash(new URL(page.url()).hash).config).toEqual({ ...defaultConfig(), seed: 5 });
  await page.waitForFunction(() => window.__sagr!.state().engineConfig?.seed === 5);
});
