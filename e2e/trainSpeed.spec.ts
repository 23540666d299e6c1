// A measurement, not a check (it takes minutes, so a plain run skips it): how fast the page trains the prior with the
// wasm backend on one thread and on one thread per logical core (?wasmThreads=), alternating rounds in one browser so
// both see the same machine load, and once on WebGPU for the record. Run it on the built app:
//
//   npm run build && SAGR_BENCH=1 npx playwright test e2e/trainSpeed.spec.ts
//
// SAGR_BENCH_ROUNDS (default 3) sets the rounds; `-g wasm` or `-g webgpu` runs one part. Figures go to stdout.
import type { Page } from '@playwright/test';
import { MAX_WASM_THREADS } from '../src/engine/wasmThreads';
import { appState, engineReady, expect, playgroundStep, pausePlayground, test } from './helpers';

/** A run of this length evaluates every 200 iterations (evalEveryFor); the timed part is one such segment. */
const ITERS = 4000;
const MAX_ROUNDS = 20;

function rounds(): number {
  const raw = process.env.SAGR_BENCH_ROUNDS ?? '3';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ROUNDS) throw new Error(`SAGR_BENCH_ROUNDS: "${raw}" is not an integer in [1, ${MAX_ROUNDS}]`);
  return n;
}

test.skip(!process.env.SAGR_BENCH, 'a measurement: set SAGR_BENCH=1 to run it');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadAverage = async () => (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * Trains the prior in the page (playground paused) and returns ms per iteration over the second evaluation segment:
 * 200 optimiser steps and one evaluation, after the first segment's warm-up.
 */
async function priorMsPerIter(page: Page, query: string): Promise<{ msPerIter: number; threads: number | null; backend: string }> {
  await page.goto(`/${query}`);
  const s = await engineReady(page);
  await playgroundStep(page, 0);
  await pausePlayground(page);
  await page.evaluate((n) => window.__sagr!.startTraining('prior', n), ITERS);
  await page.waitForFunction(() => (window.__sagr!.state().training?.records.length ?? 0) >= 2, null, { timeout: 600_000 });
  await page.evaluate(() => window.__sagr!.stopTraining());
  const [a, b] = (await appState(page)).training!.records;
  return { msPerIter: (1000 * ((b.seconds as number) - (a.seconds as number))) / (b.iter - a.iter), threads: s.backend!.wasm?.threads ?? null, backend: s.backend!.backend };
}

/** The wasm policy step at B = 1 from the automatic choice's start-up timings (wasm is always timed first and fully). */
async function wasmPolicyStepMs(page: Page, threads: string): Promise<number> {
  await page.goto(`/?wasmThreads=${threads}`);
  const s = await engineReady(page);
  return s.backend!.bench.find((r) => r.backend === 'wasm')!.policyStepMs!;
}

test('wasm: prior training and the B = 1 policy step, one thread against one per core', async ({ page }) => {
  const n = rounds();
  test.setTimeout(n * 1_200_000);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const many = String(Math.min(cores, MAX_WASM_THREADS));
  const figures: Record<string, { train: number[]; step: number[] }> = { '1': { train: [], step: [] }, [many]: { train: [], step: [] } };
  for (let r = 0; r < n; r++) {
    for (const threads of Object.keys(figures)) {
      const run = await priorMsPerIter(page, `?backend=wasm&wasmThreads=${threads}`);
      expect(run).toMatchObject({ backend: 'wasm', threads: Number(threads) });
      const step = await wasmPolicyStepMs(page, threads);
      figures[threads].train.push(run.msPerIter);
      figures[threads].step.push(step);
      console.log(`round ${r + 1} threads ${threads}: prior ${run.msPerIter.toFixed(1)} ms/iter, policy step B=1 ${step.toFixed(1)} ms (load ${await loadAverage()})`);
    }
  }
  const [one, all] = [median(figures['1'].train), median(figures[many].train)];
  console.log(`prior training, median ms/iter: 1 thread ${one.toFixed(1)}, ${many} threads ${all.toFixed(1)}: ${(one / all).toFixed(2)}× (target ≥ 1.6×)`);
  console.log(`policy step B=1, median ms: 1 thread ${median(figures['1'].step).toFixed(1)}, ${many} threads ${median(figures[many].step).toFixed(1)}`);
});

test('webgpu: prior training on the WebGPU adapter (SwiftShader here), for the record', async ({ page }) => {
  test.setTimeout(1_800_000);
  const run = await priorMsPerIter(page, '?backend=webgpu');
  expect(run.backend).toBe('webgpu');
  console.log(`webgpu: prior ${run.msPerIter.toFixed(1)} ms/iter (load ${await loadAverage()})`);
});
