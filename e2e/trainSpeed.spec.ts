// A measurement, not a check (it takes minutes, so a plain run skips it): how fast the page trains the prior with the
// wasm backend on one thread and on one thread per logical core (?wasmThreads=), alternating rounds in one browser so
// both see the same machine load, and once on WebGPU for the record. Run it on the built app:
//
//   npm run build && SAGR_BENCH=1 npx playwright test e2e/trainSpeed.spec.ts
//
// SAGR_BENCH_ROUNDS (default 3) sets the rounds; `-g wasm` or `-g webgpu` runs one part (`-g kernels`: the project's
// wasm matMul kernels against tfjs's own, ?wasmKernels=tfjs). Figures go to stdout.
import type { Page } from '@playwright/test';
import { BACKEND_MEMORY_STORAGE_KEY } from '../src/engine/backendMemory';
import { MAX_WASM_THREADS } from '../src/engine/wasmThreads';
import { appState, engineReady, expect, loadAverage, median, playgroundStep, pausePlayground, test } from './helpers';

/** Long enough that no held-out evaluation (every ITERS / 20 iterations) falls in a timed window. */
const ITERS = 100_000;
const MAX_ROUNDS = 20;

function rounds(): number {
  const raw = process.env.SAGR_BENCH_ROUNDS ?? '3';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ROUNDS) throw new Error(`SAGR_BENCH_ROUNDS: "${raw}" is not an integer in [1, ${MAX_ROUNDS}]`);
  return n;
}

test.skip(!process.env.SAGR_BENCH, 'a measurement: set SAGR_BENCH=1 to run it');

/** Trains the prior in the page for about `ms`, then stops the run; returns the optimiser steps it took and the time. */
async function trainFor(page: Page, ms: number): Promise<{ steps: number; ms: number }> {
  const t0 = Date.now();
  await page.evaluate((n) => window.__sagr!.startTraining('prior', n), ITERS);
  await page.waitForTimeout(ms);
  const elapsed = Date.now() - t0;
  await page.evaluate(() => window.__sagr!.stopTraining());
  await page.waitForFunction(() => window.__sagr!.state().training?.outcome === 'stopped', null, { timeout: 120_000 });
  const message = (await appState(page)).training!.message;
  return { steps: Number(/stopped after (\d+) of /.exec(message)![1]), ms: elapsed };
}

/**
 * Milliseconds per optimiser step of the prior (the page's config: batch 64) with the playground paused: a first run
 * warms up (kernels, shaders, the demonstrations' download), a second one of `windowMs` is timed.
 */
async function priorStepMs(page: Page, query: string, warmupMs: number, windowMs: number) {
  await page.goto(`/${query}`);
  const s = await engineReady(page);
  await playgroundStep(page, 0);
  await pausePlayground(page);
  await trainFor(page, warmupMs);
  const timed = await trainFor(page, windowMs);
  return { msPerStep: timed.ms / timed.steps, steps: timed.steps, threads: s.backend!.wasm?.threads ?? null, backend: s.backend!.backend };
}

/**
 * The wasm policy step at B = 1 from the automatic choice's start-up timings (wasm is always timed first and fully).
 * The choice an earlier round remembered is forgotten first, or the page would skip the benchmark.
 */
async function wasmPolicyStepMs(page: Page, threads: string): Promise<number> {
  await page.evaluate((key) => localStorage.removeItem(key), BACKEND_MEMORY_STORAGE_KEY);
  await page.goto(`/?wasmThreads=${threads}`);
  const s = await engineReady(page);
  return s.backend!.bench.find((r) => r.backend === 'wasm')!.policyStepMs!;
}

test('wasm: prior training and the B = 1 policy step, one thread against one per core', async ({ page }) => {
  const n = rounds();
  test.setTimeout(n * 600_000);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const many = String(Math.min(cores, MAX_WASM_THREADS));
  const figures: Record<string, { train: number[]; step: number[] }> = { '1': { train: [], step: [] }, [many]: { train: [], step: [] } };
  for (let r = 0; r < n; r++) {
    for (const threads of Object.keys(figures)) {
      const run = await priorStepMs(page, `?backend=wasm&wasmThreads=${threads}`, 10_000, 30_000);
      expect(run).toMatchObject({ backend: 'wasm', threads: Number(threads) });
      const step = await wasmPolicyStepMs(page, threads);
      figures[threads].train.push(run.msPerStep);
      figures[threads].step.push(step);
      console.log(`round ${r + 1} threads ${threads}: prior ${run.msPerStep.toFixed(1)} ms/step (${run.steps} steps), policy step B=1 ${step.toFixed(1)} ms (load ${loadAverage()})`);
    }
  }
  const [one, all] = [median(figures['1'].train), median(figures[many].train)];
  console.log(`prior training, median ms/step: 1 thread ${one.toFixed(1)}, ${many} threads ${all.toFixed(1)}: ${(one / all).toFixed(2)}× (target ≥ 1.6×)`);
  console.log(`policy step B=1, median ms: 1 thread ${median(figures['1'].step).toFixed(1)}, ${many} threads ${median(figures[many].step).toFixed(1)}`);
});

test('webgpu: prior training on the WebGPU adapter (SwiftShader here), for the record', async ({ page }) => {
  test.setTimeout(900_000);
  const run = await priorStepMs(page, '?backend=webgpu', 60_000, 120_000);
  expect(run.backend).toBe('webgpu');
  console.log(`webgpu: prior ${run.msPerStep.toFixed(1)} ms/step (${run.steps} steps; load ${loadAverage()})`);
});

/**
 * Milliseconds per control step of the playground run as fast as it goes (B = 1: the policy's inference, the physics
 * and the frame), from the page's own measured rate, sampled every second over `windowMs` after `warmupMs`.
 */
async function controlStepMs(page: Page, warmupMs: number, windowMs: number): Promise<number> {
  await page.evaluate(() => window.__sagr!.setSpeed(null));
  await page.evaluate(() => window.__sagr!.play());
  await page.waitForTimeout(warmupMs);
  const rates: number[] = [];
  for (let t = 0; t < windowMs; t += 1000) {
    await page.waitForTimeout(1000);
    rates.push((await appState(page)).live!.measuredStepsPerSecond);
  }
  return 1000 / median(rates);
}

test('wasm kernels: prior training and the playground\'s control step, the project\'s matMul kernels against tfjs\'s own', async ({ page }) => {
  const n = rounds();
  test.setTimeout(n * 300_000);
  const variants = { sagr: 'wasmKernels=sagr', tfjs: 'wasmKernels=tfjs' };
  const figures: Record<string, { train: number[]; step: number[] }> = { sagr: { train: [], step: [] }, tfjs: { train: [], step: [] } };
  for (let r = 0; r < n; r++) {
    for (const [kernels, param] of Object.entries(variants)) {
      const run = await priorStepMs(page, `?backend=wasm&${param}`, 8_000, 20_000);
      expect(run.backend).toBe('wasm');
      const step = await controlStepMs(page, 5_000, 10_000);
      figures[kernels].train.push(run.msPerStep);
      figures[kernels].step.push(step);
      console.log(`round ${r + 1} ${kernels} kernels (${run.threads} wasm thread${run.threads === 1 ? '' : 's'}): prior ${run.msPerStep.toFixed(1)} ms/step (${run.steps} steps), control step B=1 ${step.toFixed(1)} ms (load ${loadAverage()})`);
    }
  }
  const line = (what: 'train' | 'step') => `sagr ${median(figures.sagr[what]).toFixed(1)}, tfjs ${median(figures.tfjs[what]).toFixed(1)}: ${(median(figures.tfjs[what]) / median(figures.sagr[what])).toFixed(2)}×`;
  console.log(`prior training, median ms/step: ${line('train')}`);
  console.log(`playground control step B=1, median ms: ${line('step')}`);
});
