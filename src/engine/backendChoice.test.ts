import { describe, expect, it } from 'vitest';
import {
  canStillWin,
  classifyAdapter,
  costToBeat,
  decideBackend,
  fallbackBackend,
  parseBackendParam,
  pickFastest,
  type AdapterInfo,
  type BenchFigures,
  type BrowserBackend,
} from './backendChoice';

const swiftshader: AdapterInfo = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: false };
const nvidia: AdapterInfo = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100', isFallbackAdapter: false };
const fallbackFlagged: AdapterInfo = { ...nvidia, isFallbackAdapter: true };
const ALL = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

const result = (backend: BrowserBackend, matMulMs: number, policyStepMs: number | null): BenchFigures => ({
  backend,
  matMulMs,
  matMulSize: 64,
  stepPassMs: policyStepMs === null ? null : policyStepMs / 2,
  policyStepMs,
  policyBatch: 1,
  runs: 3,
});

describe('classifyAdapter', () => {
  it('treats SwiftShader, llvmpipe and fallback adapters as software', () => {
    expect(classifyAdapter(swiftshader)).toBe('software');
    expect(classifyAdapter({ ...nvidia, vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe('software');
    expect(classifyAdapter(fallbackFlagged)).toBe('software');
    expect(classifyAdapter(nvidia)).toBe('hardware');
    expect(classifyAdapter(null)).toBe('none');
  });
});

describe('parseBackendParam', () => {
  it('accepts the four backends and absence', () => {
    expect(parseBackendParam(null)).toEqual({ forced: null, error: null });
    expect(parseBackendParam('')).toEqual({ forced: null, error: null });
    for (const b of ALL) expect(parseBackendParam(b)).toEqual({ forced: b, error: null });
  });
  it('names the parameter and the allowed values for a bad value, bounded and printable', () => {
    const r = parseBackendParam('bogus');
    expect(r.forced).toBeNull();
    expect(r.error).toMatch(/^backend: "bogus" is not one of webgpu, webgl, wasm, cpu/);
    const hostile = parseBackendParam('\u0000<script>'.repeat(50));
    expect(hostile.error).not.toContain('\u0000');
    expect(hostile.error!.length).toBeLessThan(120);
  });
});

describe('decideBackend', () => {
  it('takes WebGPU outright on a hardware adapter', () => {
    const d = decideBackend({ forced: null, adapter: nvidia, runnable: ALL });
    expect(d).toMatchObject({ action: 'use', backend: 'webgpu' });
  });
  it('benchmarks every runnable backend on a software adapter, CPU ones first, and says why', () => {
    const d = decideBackend({ forced: null, adapter: swiftshader, runnable: ALL });
    expect(d.action).toBe('benchmark');
    if (d.action !== 'benchmark') return;
    expect(d.candidates).toEqual(['wasm', 'cpu', 'webgl', 'webgpu']);
    expect(d.notices.join(' ')).toMatch(/software/);
  });
  it('benchmarks what started when there is no adapter', () => {
    const d = decideBackend({ forced: null, adapter: null, runnable: ['webgl', 'wasm', 'cpu'] });
    expect(d).toMatchObject({ action: 'benchmark', candidates: ['wasm', 'cpu', 'webgl'] });
  });
  it('benchmarks the rest when a hardware adapter exists but webgpu did not start', () => {
    const d = decideBackend({ forced: null, adapter: nvidia, runnable: ['webgl', 'cpu'] });
    expect(d).toMatchObject({ action: 'benchmark', candidates: ['cpu', 'webgl'] });
  });
  it('skips the benchmark when only one backend started', () => {
    expect(decideBackend({ forced: null, adapter: null, runnable: ['cpu'] })).toMatchObject({ action: 'use', backend: 'cpu' });
  });
  it('honours a forced backend that runs, warning when WebGPU is software', () => {
    const d = decideBackend({ forced: 'webgpu', adapter: swiftshader, runnable: ALL });
    expect(d).toMatchObject({ action: 'use', backend: 'webgpu' });
    expect(d.notices.join(' ')).toMatch(/software/);
    expect(decideBackend({ forced: 'cpu', adapter: nvidia, runnable: ALL })).toMatchObject({ action: 'use', backend: 'cpu', notices: [] });
  });
  it('falls back with a message when the forced backend cannot start', () => {
    const d = decideBackend({ forced: 'webgpu', adapter: null, runnable: ['webgl', 'wasm', 'cpu'] });
    expect(d.action).toBe('benchmark');
    expect(d.notices[0]).toMatch(/backend=webgpu could not start/);
  });
  it('reports none when nothing starts', () => {
    expect(decideBackend({ forced: null, adapter: null, runnable: [] }).action).toBe('none');
  });
});

describe('pickFastest, canStillWin and fallbackBackend', () => {
  // One start-up in headless Chromium here (ms; SwiftShader WebGPU and WebGL): WebGPU's matMul alone lost to wasm's step.
  const bench = [result('wasm', 0.1, 9.5), result('cpu', 4.1, 26.3), result('webgl', 5.8, 53.1), result('webgpu', 11.1, null)];
  it('picks the lowest policy step, whatever the matMul says; a skipped policy step never wins', () => {
    expect(pickFastest(bench).backend).toBe('wasm');
    // The old probe's trap: cpu's matMul is the faster one, but wasm runs the policy faster, and the policy decides.
    expect(pickFastest([result('cpu', 0.4, 30), result('wasm', 6.6, 9)]).backend).toBe('wasm');
    expect(pickFastest([result('webgpu', 0.1, null), result('cpu', 4, 40)]).backend).toBe('cpu');
    expect(() => pickFastest([])).toThrow(/backend/);
  });
  it("rules a backend out only when its matMul alone exceeds another's policy step", () => {
    const measured = [result('wasm', 0.1, 9.5), result('cpu', 4.1, 26.3)];
    expect(canStillWin(11.1, measured)).toBe(false);
    expect(canStillWin(9.5, measured)).toBe(false);
    expect(canStillWin(9.4, measured)).toBe(true);
    expect(canStillWin(5.8, measured)).toBe(true);
    expect(canStillWin(1000, [])).toBe(true);
    expect(canStillWin(1, [result('webgl', 0.5, null)])).toBe(true);
  });
  it('gives the lowest fully measured policy step as the figure a later step pass must beat', () => {
    expect(costToBeat([result('cpu', 4.1, 26.3), result('wasm', 0.1, 9.5), result('webgl', 0.1, null)])).toBe(9.5);
    expect(costToBeat([result('webgpu', 9.8, null)])).toBe(Infinity);
    expect(costToBeat([])).toBe(Infinity);
  });
  it('moves to the fastest fully measured survivor, else by preference', () => {
    expect(fallbackBackend('webgpu', ALL, bench)).toBe('wasm');
    expect(fallbackBackend('webgpu', ALL, [result('webgpu', 1, 1)])).toBe('webgl');
    expect(fallbackBackend('webgpu', ['webgpu', 'webgl', 'cpu'], [result('webgl', 1, null), result('cpu', 3, 20)])).toBe('cpu');
    expect(fallbackBackend('webgpu', ['webgpu', 'cpu'], [])).toBe('cpu');
    expect(fallbackBackend('webgpu', ['webgpu'], bench)).toBeNull();
  });
});
