// Threads in the page: the preview server's COOP/COEP headers make the page cross-origin isolated, so the wasm backend
// runs tfjs's threaded SIMD binary, on half the logical cores by default or on ?wasmThreads= (validated); served
// without the headers, the page runs one thread and says why.
import { MAX_WASM_THREADS } from '../src/engine/wasmThreads';
import { engineReady, expect, playgroundStep, test } from './helpers';

test('the page is cross-origin isolated and the wasm backend runs on the threads asked for, with SIMD', async ({ page }) => {
  await page.goto('/?backend=wasm&wasmThreads=2');
  const s = await engineReady(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(s.backend!.crossOriginIsolated).toBe(true);
  expect(s.backend!.wasm).toEqual({ threads: 2, simd: true, threadsReason: 'forced by ?wasmThreads=2' });
  await expect(page.getByTestId('engine-isolated')).toHaveText('yes (COOP/COEP)');
  await expect(page.getByTestId('engine-wasm')).toHaveText('2 threads · SIMD on');
  // The core count the worker reported to tfjs while wasm started is its own again.
  const engine = page.workers().find((w) => !w.url().startsWith('blob:'))!;
  expect(await engine.evaluate(() => navigator.hardwareConcurrency)).toBe(cores);
  // The threaded backend runs the playground (an error in its pthread workers would fail the test as a page error).
  await playgroundStep(page, 3);
});

test('by default wasm runs on half the logical cores; a bad ?wasmThreads= is named in a notice and changes nothing', async ({ page }) => {
  for (const query of ['/?backend=wasm', '/?backend=wasm&wasmThreads=lots']) {
    await page.goto(query);
    const s = await engineReady(page);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Math.min(Math.max(1, Math.floor(cores / 2)), MAX_WASM_THREADS);
    expect(s.backend!.wasm).toMatchObject({ threads, simd: true, threadsReason: expect.stringMatching(new RegExp(`^half of ${cores} logical cores`)) });
    await expect(page.getByTestId('engine-wasm')).toHaveText(`${threads} thread${threads === 1 ? '' : 's'} · SIMD on`);
  }
  await expect(page.getByTestId('notice').filter({ hasText: `wasmThreads: "lots" is not an integer in [1, ${MAX_WASM_THREADS}]; choosing automatically` })).toBeVisible();
  await playgroundStep(page, 1);
});

test('served without COOP/COEP the page is not isolated: wasm runs one thread and the page says why', async ({ page }) => {
  // The document without the two headers, as a static host that does not set them serves it.
  await page.route(
    (url) => url.pathname === '/',
    async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    },
  );
  await page.goto('/?backend=wasm&wasmThreads=2');
  const s = await engineReady(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  expect(s.backend!.crossOriginIsolated).toBe(false);
  expect(s.backend!.wasm).toMatchObject({ threads: 1, simd: true });
  await expect(page.getByTestId('notice').filter({ hasText: 'wasmThreads=2 needs a cross-origin isolated page (COOP/COEP headers, see README): wasm runs single-threaded' })).toBeVisible();
  await expect(page.getByTestId('engine-isolated')).toHaveText(/^no: wasm runs single-threaded/);
  await expect(page.getByTestId('engine-wasm')).toHaveText('1 thread · SIMD on');
  await playgroundStep(page, 3);
});
