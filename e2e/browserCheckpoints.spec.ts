// Checkpoints kept in the browser (IndexedDB): a module saved, the page reloaded, the saved one loaded into a
// slot gives the policy exactly the outputs it had before the reload; a mismatched or damaged one is refused with
// its reason and changes nothing; delete; restore the shipped defaults.
import type { Page } from '@playwright/test';
import { appState, engineReady, expect, openTab, pausePlayground, test } from './helpers';

const STEPS = 4;
const SAVED = 'sagr/push-t/reflex/e2e reflex';
const DAMAGED = 'sagr/push-t/reflex/e2e damaged';

async function started(page: Page): Promise<void> {
  await engineReady(page);
  await page.waitForFunction(() => window.__sagr!.state().playground !== null && window.__sagr!.state().saved !== null);
}

/** The sagr policy from the start of episode 0, STEPS control steps: what it observed and did (lane 0). */
async function sagrOutputs(page: Page) {
  await page.evaluate(() => window.__sagr!.setPolicy(0, 'sagr'));
  // Frames after this one only: the panel summary is throttled, and an earlier call left one at the same step.
  const seq = (await pausePlayground(page)).live!.seq;
  await page.evaluate(() => window.__sagr!.reset());
  for (let i = 0; i < STEPS; i++) await page.evaluate(() => window.__sagr!.step());
  await page.waitForFunction(
    ([n, after]) => {
      const live = window.__sagr!.state().live;
      return live !== null && live.seq > after && live.lanes[0]?.step === n && live.lanes[0]?.policy === 'sagr';
    },
    [STEPS, seq] as const,
  );
  const lane = (await appState(page)).live!.lanes[0];
  expect(lane.reflex).not.toBeNull();
  return { tokens: lane.tokens, deltaZ: lane.deltaZ, reflex: lane.reflex, terms: lane.terms, agent: lane.agent, block: lane.block };
}

const sourceOf = async (page: Page, key: string) => (await appState(page)).playground!.found.find((f) => f.key === key)?.source;

test('IndexedDB: save, reload, load restores identical outputs; mismatched or damaged ones change nothing; delete; restore defaults', async ({ page }) => {
  test.setTimeout(120_000);
  // One backend for both page loads, so the outputs can be compared exactly.
  await page.goto('/?backend=wasm');
  await started(page);
  expect((await appState(page)).playground!.trained, 'the shipped reflex').toContain('reflex');

  // The shipped stage-1 reflex, saved and loaded into the sagr policy's slot (which holds the shipped PPO reflex, or
  // a stand-in where none ships: either acts differently).
  await openTab(page, 'Checkpoints');
  const panel = page.getByTestId('browser-checkpoints');
  await panel.getByLabel('slot for saved checkpoints').selectOption('reflex');
  await panel.getByLabel('saved checkpoint name').fill('e2e reflex');
  await panel.getByRole('button', { name: 'save in browser' }).click();
  await expect(panel.getByTestId('saved-checkpoint')).toContainText('e2e reflex (reflex,');
  expect((await appState(page)).saved!.map((s) => s.key)).toEqual([SAVED]);
  await panel.getByLabel('slot for saved checkpoints').selectOption('ppo/reflex');
  await panel.getByRole('button', { name: 'load into ppo/reflex' }).click();
  await page.waitForFunction(() => window.__sagr!.state().playground?.found.some((f) => f.key === 'ppo/reflex' && f.source === 'saved in this browser: e2e reflex'));
  const before = await sagrOutputs(page);

  // A fresh page: the slot runs its default again, and acts differently; the save is still there.
  await page.reload();
  await started(page);
  expect(await sourceOf(page, 'ppo/reflex')).not.toBe('saved in this browser: e2e reflex');
  expect((await appState(page)).saved!.map((s) => s.key)).toEqual([SAVED]);
  const fresh = await sagrOutputs(page);
  expect(fresh.reflex).not.toEqual(before.reflex);

  await page.evaluate((key) => window.__sagr!.loadFromBrowser(key, 'ppo/reflex'), SAVED);
  await page.waitForFunction(() => window.__sagr!.state().playground?.found.some((f) => f.key === 'ppo/reflex' && f.source === 'saved in this browser: e2e reflex'));
  expect(await sagrOutputs(page)).toEqual(before);

  // A reflex does not go into the prior's slot.
  await page.evaluate((key) => window.__sagr!.loadFromBrowser(key, 'prior'), SAVED);
  await expect(page.getByTestId('notice').filter({ hasText: 'load prior from this browser' })).toContainText('holds a reflex; this slot runs a prior');
  expect(await sourceOf(page, 'prior')).toMatch(/^http/);

  // A damaged save (its weights cut short, written straight into the page's IndexedDB) is refused whole.
  await page.evaluate(
    async ([key, bad]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('sagr-checkpoints');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const get = (store: string) =>
        new Promise<Record<string, unknown>>((resolve) => {
          const r = db.transaction(store).objectStore(store).get(key);
          r.onsuccess = () => resolve(r.result);
        });
      const [info, files] = [await get('info'), await get('files')];
      const tx = db.transaction(['info', 'files'], 'readwrite');
      tx.objectStore('info').put({ ...info, key: bad, name: 'e2e damaged' });
      tx.objectStore('files').put({ ...files, key: bad, weights: (files.weights as ArrayBuffer).slice(0, 100) });
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
    },
    [SAVED, DAMAGED] as const,
  );
  await page.evaluate(() => window.__sagr!.refreshSaved());
  expect((await appState(page)).saved!.map((s) => s.name).sort()).toEqual(['e2e damaged', 'e2e reflex']);
  await page.evaluate((key) => window.__sagr!.loadFromBrowser(key, 'ppo/reflex'), DAMAGED);
  await expect(page.getByTestId('notice').filter({ hasText: 'load ppo/reflex from this browser' })).toContainText('"e2e damaged" cannot be loaded: checkpoint: weight data has 100 bytes');
  expect(await sourceOf(page, 'ppo/reflex')).toBe('saved in this browser: e2e reflex');
  expect(await sagrOutputs(page)).toEqual(before);

  // Delete, then the shipped defaults: the sagr slot runs what a fresh page runs.
  await page.evaluate((key) => window.__sagr!.deleteSaved(key), DAMAGED);
  expect((await appState(page)).saved!.map((s) => s.key)).toEqual([SAVED]);
  await openTab(page, 'Checkpoints');
  await panel.getByRole('button', { name: 'restore shipped defaults' }).click();
  await page.waitForFunction(() => !window.__sagr!.state().playground?.found.some((f) => f.key === 'ppo/reflex' && f.source.startsWith('saved in this browser')));
  expect(await sagrOutputs(page)).toEqual(fresh);
});
