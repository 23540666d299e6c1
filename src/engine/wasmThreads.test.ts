import { describe, expect, it } from 'vitest';
import { chooseWasmThreads, MAX_WASM_THREADS, parseWasmThreadsParam } from './wasmThreads';

describe('parseWasmThreadsParam', () => {
  it('takes an integer in [1, MAX_WASM_THREADS] and nothing else, naming the parameter', () => {
    expect(parseWasmThreadsParam(null)).toEqual({ forced: null, error: null });
    expect(parseWasmThreadsParam('')).toEqual({ forced: null, error: null });
    expect(parseWasmThreadsParam('1')).toEqual({ forced: 1, error: null });
    expect(parseWasmThreadsParam(String(MAX_WASM_THREADS))).toEqual({ forced: MAX_WASM_THREADS, error: null });
    for (const bad of ['0', String(MAX_WASM_THREADS + 1), '2.5', '-1', ' 2', '2x', '1e1', 'max', '0x2', '9'.repeat(40)]) {
      const r = parseWasmThreadsParam(bad);
      expect(r.forced, bad).toBeNull();
      expect(r.error, bad).toBe(`wasmThreads: "${bad.slice(0, 24)}" is not an integer in [1, ${MAX_WASM_THREADS}]; choosing automatically`);
    }
    expect(parseWasmThreadsParam('\u0000<b>').error).toMatch(/^wasmThreads: "\?<b>" /);
  });
});

describe('chooseWasmThreads', () => {
  it('runs on half the logical cores of an isolated page, at least one, capped', () => {
    expect(chooseWasmThreads({ forced: null, isolated: true, cores: 2 })).toEqual({ threads: 1, reason: 'half of 2 logical cores', notices: [] });
    expect(chooseWasmThreads({ forced: null, isolated: true, cores: 1 }).threads).toBe(1);
    expect(chooseWasmThreads({ forced: null, isolated: true, cores: 8 })).toEqual({ threads: 4, reason: 'half of 8 logical cores', notices: [] });
    expect(chooseWasmThreads({ forced: null, isolated: true, cores: 7 }).threads).toBe(3);
    expect(chooseWasmThreads({ forced: null, isolated: true, cores: 64 })).toEqual({ threads: MAX_WASM_THREADS, reason: `half of 64 logical cores, capped at ${MAX_WASM_THREADS}`, notices: [] });
    for (const cores of [undefined, 0, NaN, 2.5]) expect(chooseWasmThreads({ forced: null, isolated: true, cores })).toEqual({ threads: 1, reason: 'core count unknown', notices: [] });
  });

  it('takes a forced count on an isolated page, even above the core count', () => {
    expect(chooseWasmThreads({ forced: 1, isolated: true, cores: 4 })).toEqual({ threads: 1, reason: 'forced by ?wasmThreads=1', notices: [] });
    expect(chooseWasmThreads({ forced: 6, isolated: true, cores: 2 }).threads).toBe(6);
  });

  it('runs one thread without isolation, and says so when more were asked for', () => {
    const auto = chooseWasmThreads({ forced: null, isolated: false, cores: 8 });
    expect(auto).toMatchObject({ threads: 1, notices: [] });
    expect(auto.reason).toContain('not cross-origin isolated');
    expect(chooseWasmThreads({ forced: 1, isolated: false, cores: 8 }).notices).toEqual([]);
    expect(chooseWasmThreads({ forced: 4, isolated: false, cores: 8 })).toMatchObject({
      threads: 1,
      notices: ['wasmThreads=4 needs a cross-origin isolated page (COOP/COEP headers, see README): wasm runs single-threaded'],
    });
  });
});
