// The engine worker: backend choice (forced, automatic, invalid), correct tensor results on every backend,
// and the fallback when the WebGPU device is lost.
import type { Page } from '@playwright/test';
import { appState, engineReady, expect, openTab, pausePlayground, playgroundStep, test } from './helpers';

/** Waits for a heartbeat snapshot taken after this call, so the state read next is current. */
async function nextTick(page: Page): Promise<void> {
  await page.waitForFunction((n) => window.__sagr!.state().tick > n, (await appState(page)).tick);
}

/** Deterministic test matrices, large enough (> 1000 entries) that WebGPU does not hand them to the CPU. */
function matrix(rows: number, cols: number, salt: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (((i * 7 + j * 3 + salt) % 11) - 5) / 4));
}
function matMul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}
const A = matrix(24, 48, 1);
const B = matrix(48, 40, 5);
const EXPECTED = matMul(A, B);
const EXPECTED_SUM = EXPECTED.flat().reduce((s, x) => s + x, 0);

test('?backend=webgpu runs the engine on WebGPU with the SwiftShader adapter, and says it is software', async ({ page }) => {
  await page.goto('/?backend=webgpu');
  const s = await engineReady(page);
  expect(s.backend!.backend).toBe('webgpu');
  expect(s.backend!.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader' });
  expect(s.backend!.reason).toContain('forced by ?backend=webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText(/webgpu · google swiftshader \(software\)/);
  await expect(page.getByTestId('notice').filter({ hasText: 'software adapter' })).toBeVisible();
  // The heartbeat snapshot streams from the worker.
  await page.waitForFunction(() => window.__sagr!.state().tick >= 2);
});

for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu'] as const) {
  test(`a matMul and its sum computed in the worker on ${backend} match the test's own`, async ({ page }) => {
    await page.goto(`/?backend=${backend}`);
    expect((await engineReady(page)).backend!.backend).toBe(backend);
    const r = await page.evaluate(([a, b]) => window.__sagr!.runTensorCheck(a, b), [A, B] as const);
    expect(r.backend).toBe(backend);
    expect(r.product.length).toBe(24);
    expect(r.product[0].length).toBe(40);
    for (let i = 0; i < 24; i++) for (let j = 0; j < 40; j++) expect(r.product[i][j]).toBeCloseTo(EXPECTED[i][j], 3);
    expect(r.sum).toBeCloseTo(EXPECTED_SUM, 1);
    // A malformed request comes back as an error naming the field, and the engine keeps working.
    const bad = await page.evaluate(([a]) => window.__sagr!.runTensorCheck(a, [[1, 2]]).then(() => 'resolved', (e: Error) => e.message), [A] as const);
    expect(bad).toMatch(/^tensorCheck\.b: has 1 rows, a has 48 columns/);
    // Tensors made by the check are disposed. The live playground holds tensors of its own while it steps and
    // loads, so it is started and paused first; then the count only moves if the checks leak.
    await playgroundStep(page, 1);
    await pausePlayground(page);
    await nextTick(page);
    const before = (await appState(page)).numTensors;
    for (let i = 0; i < 3; i++) await page.evaluate(([a, b]) => window.__sagr!.runTensorCheck(a, b), [A, B] as const);
    await nextTick(page);
    expect((await appState(page)).numTensors).toBe(before);
  });
}

test('?backend=bogus shows a message naming backend, then chooses automatically', async ({ page }) => {
  await page.goto('/?backend=bogus');
  await expect(page.getByTestId('notice').filter({ hasText: 'backend: "bogus" is not one of webgpu, webgl, wasm, cpu' })).toBeVisible();
  const s = await engineReady(page);
  expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(s.backend!.backend);
  expect(s.backend!.reason).not.toContain('forced');
});

test('with no parameter the engine benchmarks the runnable backends on a software adapter and shows the figures', async ({ page }) => {
  await page.goto('/');
  const s = await engineReady(page);
  const b = s.backend!;
  expect(b.runnable.length).toBeGreaterThan(1);
  expect(b.bench.map((r) => r.backend).sort()).toEqual([...b.runnable].sort());
  for (const r of b.bench) expect(r.matMulMs).toBeGreaterThan(0);
  // The choice times the policy the playground runs, one control step at B = 1, and takes the lowest of those
  // fully timed; a backend left out had a partial figure (matMul, then reflex + Φ) above that lowest step.
  const chosen = b.bench.find((r) => r.backend === b.backend)!;
  expect(chosen).toMatchObject({ policyBatch: 1 });
  expect(chosen.policyStepMs).toBeGreaterThan(0);
  for (const r of b.bench) {
    if (r.policyStepMs !== null) expect(chosen.policyStepMs!).toBeLessThanOrEqual(r.policyStepMs);
    else expect(r.stepPassMs ?? r.matMulMs).toBeGreaterThanOrEqual(chosen.policyStepMs!);
  }
  // Here (SwiftShader WebGPU and WebGL, SIMD wasm, pure-JS cpu) wasm runs the policy ≥ 1.6× faster than the next
  // backend in every one of ~30 start-ups measured under CPU load: wasm 5–18 ms per step, cpu ≥ 15 ms, WebGL ≥ 40 ms.
  expect(b.backend).toBe('wasm');
  expect(b.reason).toMatch(/software .*fastest policy step B=1 \(wasm \d+\.\d ms; /);
  // An info notice: its toast may have left during the start-up benchmark, the Engine tab's log keeps it.
  await openTab(page, 'Engine');
  await expect(page.getByTestId('logged-notice').filter({ hasText: 'picked the fastest' })).toBeVisible();
  await expect(page.getByTestId('bench-table').locator('tbody tr')).toHaveCount(b.bench.length);
  await expect(page.getByTestId('engine-backend')).toHaveText(b.backend);
  // The start-up benchmarks leave no tensor behind, and the playground holds a constant set (its weights) between
  // steps: counted while paused (mid-step counts include the step's own tensors), before and after more steps.
  await playgroundStep(page, 3);
  const paused = await pausePlayground(page);
  await nextTick(page);
  const held = (await appState(page)).numTensors;
  await page.evaluate(() => window.__sagr!.play());
  await playgroundStep(page, paused.live!.lanes[0].step + 5);
  await pausePlayground(page);
  await nextTick(page);
  expect((await appState(page)).numTensors).toBe(held);
});

test('a lost WebGPU device moves the engine to another backend with a visible notice', async ({ page }) => {
  await page.goto('/?backend=webgpu');
  expect((await engineReady(page)).backend!.backend).toBe('webgpu');
  expect(await page.evaluate(() => window.__sagr!.loseDevice())).toEqual({ lost: true });
  await page.waitForFunction(() => window.__sagr!.state().backend?.backend !== 'webgpu');
  const s = await appState(page);
  expect(s.backend!.runnable).not.toContain('webgpu');
  expect(s.backend!.reason).toContain('fallback after WebGPU device lost');
  await expect(page.getByTestId('notice').filter({ hasText: `WebGPU device lost` })).toContainText(`switched to ${s.backend!.backend}`);
  await expect(page.getByTestId('backend-badge')).toHaveText(new RegExp(`^${s.backend!.backend} · `));
  const r = await page.evaluate(([a, b]) => window.__sagr!.runTensorCheck(a, b), [A, B] as const);
  expect(r.backend).toBe(s.backend!.backend);
  expect(r.sum).toBeCloseTo(EXPECTED_SUM, 1);
});

test('measure inference times the full policy on every backend that started, at B = 1 and 64, and the playground goes on where it was', async ({ page }) => {
  // Four backends × two batch sizes, software WebGPU and WebGL included: about a minute here, more under load.
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm');
  const s = await engineReady(page);
  await playgroundStep(page, 2);
  const paused = await pausePlayground(page);
  await nextTick(page);
  const held = (await appState(page)).numTensors;
  await page.getByRole('button', { name: /measure inference/ }).click();
  await page.waitForFunction(() => window.__sagr!.state().bench.rows !== null && !window.__sagr!.state().bench.running, null, { timeout: 240_000 });
  const { bench, config, backend } = await appState(page);
  expect(bench.error).toBeNull();
  const rows = bench.rows!;
  // One row per backend and batch, in the engine's order, each timed or skipped with the reason.
  expect(rows.map((r) => `${r.backend} ${r.batch}`)).toEqual(s.backend!.runnable.flatMap((b) => [`${b} 1`, `${b} 64`]));
  for (const r of rows) {
    if (r.skipped !== null) {
      // Only a batch above one that was already past a second per control step is left out.
      const small = rows.find((q) => q.backend === r.backend && q.batch === 1)!;
      expect(small.skipped === null && small.perControlStepMs).toBeGreaterThan(1000);
      continue;
    }
    expect(r.decisionMs).toBeGreaterThan(0);
    expect(r.stepMs).toBeGreaterThan(0);
    expect(r).toMatchObject({ executeSteps: config.executeSteps, sdeSteps: config.sdeSteps });
    expect(r.perControlStepMs).toBeCloseTo(r.stepMs + r.decisionMs / r.executeSteps, 6);
  }
  expect(rows.find((r) => r.backend === 'wasm' && r.batch === 1)!.skipped).toBeNull();
  await expect(page.getByTestId('inference-bench').locator('tbody tr')).toHaveCount(rows.length);
  // Back on its own backend, no tensor left behind by the benchmark, and the episode continues from where it was.
  expect(backend!.backend).toBe('wasm');
  await nextTick(page);
  const after = await appState(page);
  expect(after.numTensors).toBe(held);
  expect(after.live!.lanes[0]).toMatchObject({ episode: paused.live!.lanes[0].episode, step: paused.live!.lanes[0].step });
  await page.evaluate(() => window.__sagr!.play());
  await playgroundStep(page, paused.live!.lanes[0].step + 3);
});
