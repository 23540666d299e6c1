// Threads in the page: the preview server's COOP/COEP headers make the page cross-origin isolated, so the wasm backend
// runs tfjs's threaded SIMD binary, on half the logical cores by default or on ?wasmThreads= (validated); served
// without the headers, the page runs one thread and says why.
import { MAX_WASM_THREADS } from '../src/engine/wasmThreads';
import type { Page } from '@playwright/test';
import { appState, engineReady, expect, pausePlayground, playgroundStep, test } from './helpers';

test('the page is cross-origin isolated and the wasm backend runs on the threads asked for, with SIMD', async ({ page }) => {
  await page.goto('/?backend=wasm&wasmThreads=2');
  const s = await engineReady(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(s.backend!.crossOriginIsolated).toBe(true);
  // The project's matMul kernels run in the threaded build too (the SIMD product on its shared memory).
  expect(s.backend!.wasm).toEqual({ threads: 2, simd: true, threadsReason: 'forced by ?wasmThreads=2', kernels: 'sagr', transposeFix: true, simdLoops: true });
  await expect(page.getByTestId('engine-isolated')).toHaveText('yes (COOP/COEP)');
  await expect(page.getByTestId('engine-wasm')).toHaveText('2 threads · SIMD on');
  await expect(page.getByTestId('engine-wasm-kernels')).toHaveText('explicit transposes · SIMD batched product and column sums');
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

/** Serves the document without the two headers, as a static host that does not set them: tfjs's single-threaded build. */
async function withoutIsolation(page: Page): Promise<void> {
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
}

test('served without COOP/COEP the page is not isolated: wasm runs one thread and the page says why', async ({ page }) => {
  await withoutIsolation(page);
  await page.goto('/?backend=wasm&wasmThreads=2');
  const s = await engineReady(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  expect(s.backend!.crossOriginIsolated).toBe(false);
  expect(s.backend!.wasm).toMatchObject({ threads: 1, simd: true, kernels: 'sagr', transposeFix: true, simdLoops: true });
  await expect(page.getByTestId('notice').filter({ hasText: 'wasmThreads=2 needs a cross-origin isolated page (COOP/COEP headers, see README): wasm runs single-threaded' })).toBeVisible();
  await expect(page.getByTestId('engine-isolated')).toHaveText(/^no: wasm runs single-threaded/);
  await expect(page.getByTestId('engine-wasm')).toHaveText('1 thread · SIMD on');
  await playgroundStep(page, 3);
});

/** Where the pusher and the block are after each of the first `steps` control steps of episode 0 (paused, then reset). */
async function firstSteps(page: Page, query: string, steps: number) {
  await page.goto(query);
  const s = await engineReady(page);
  await playgroundStep(page, 0);
  await pausePlayground(page);
  await page.evaluate(() => window.__sagr!.reset());
  await page.waitForFunction(() => {
    const l = window.__sagr!.state().live?.lanes[0];
    return l?.episode === 0 && l.step === 0;
  });
  const poses: number[][] = [];
  for (let k = 1; k <= steps; k++) {
    await page.evaluate(() => window.__sagr!.step());
    await page.waitForFunction((n) => window.__sagr!.state().live?.lanes[0].step === n, k);
    const { agent, block } = (await appState(page)).live!.lanes[0];
    poses.push([agent.x, agent.y, block.x, block.y, block.angle]);
  }
  return { wasm: s.backend!.wasm!, policy: (await appState(page)).live!.lanes[0].policy, poses };
}

/** Control steps compared, past the first chunks and into contact with the block. */
const COMPARED_STEPS = 30;
/** Pixels (and radians). Measured 0: the products sum each output in the same order; the margin is for another order. */
const POSE_TOLERANCE = 0.05;

// tfjs loads its threaded build wherever the page is isolated (on any thread count) and its single-threaded one elsewhere.
for (const [build, threads, isolated] of [['threaded', 2, true], ['single-threaded', 1, false]] as const) {
  test(`the ${build} wasm backend runs the project's matMul kernels, and the policy moves as with tfjs's own`, async ({ page }) => {
    test.setTimeout(180_000);
    if (!isolated) await withoutIsolation(page);
    const query = `/?backend=wasm&wasmThreads=${threads}`;
    const ours = await firstSteps(page, query, COMPARED_STEPS);
    expect(ours.wasm).toMatchObject({ threads, kernels: 'sagr', transposeFix: true, simdLoops: true });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated);
    const theirs = await firstSteps(page, `${query}&wasmKernels=tfjs`, COMPARED_STEPS);
    expect(theirs.wasm).toMatchObject({ threads, kernels: 'tfjs', transposeFix: false, simdLoops: false });
    await expect(page.getByTestId('engine-wasm-kernels')).toHaveText("tfjs-wasm's own (?wasmKernels=tfjs)");
    expect(ours.policy).toBe('sagr'); // the prior, Φ and the reflex's attention: every kind of product
    const gap = Math.max(...ours.poses.flatMap((p, k) => p.map((x, j) => Math.abs(x - theirs.poses[k][j]))));
    console.log(`${build}: largest pose difference over ${COMPARED_STEPS} steps, project's kernels against tfjs's: ${gap.toExponential(2)}`);
    expect(gap).toBeLessThanOrEqual(POSE_TOLERANCE);
    // And the policy did move the pusher: the comparison is not of two resting states.
    expect(Math.hypot(ours.poses.at(-1)![0] - ours.poses[0][0], ours.poses.at(-1)![1] - ours.poses[0][1])).toBeGreaterThan(1);
  });
}

test('a bad ?wasmKernels= is named in a notice and the project\'s kernels run', async ({ page }) => {
  await page.goto('/?backend=wasm&wasmKernels=xnnpack');
  const s = await engineReady(page);
  expect(s.backend!.wasm).toMatchObject({ kernels: 'sagr', transposeFix: true, simdLoops: true });
  await expect(page.getByTestId('notice').filter({ hasText: 'wasmKernels: "xnnpack" is not one of sagr, tfjs; using sagr\'s' })).toBeVisible();
});
