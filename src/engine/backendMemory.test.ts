import { describe, expect, it } from 'vitest';
import type { AdapterInfo } from './backendChoice';
import { browserVersion, forget, MAX_REMEMBERED, memoryFrom, memoryKey, parseMemory, recall, remember, type RememberedChoice } from './backendMemory';

const CHROME_156 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.7000.1 Safari/537.36';
const CHROME_157 = CHROME_156.replace('156.0.7000.1', '157.0.7100.2');
const EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.1';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const swiftshader: AdapterInfo = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: false };
const nvidia: AdapterInfo = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100', isFallbackAdapter: false };
const wasm = (savedAt: string): RememberedChoice => ({ backend: 'wasm', reason: 'fastest policy step', savedAt });

describe('browserVersion', () => {
  it('names the browser and its full version, the most specific token first', () => {
    expect(browserVersion(CHROME_156)).toBe('Chrome/156.0.7000.1');
    expect(browserVersion(EDGE)).toBe('Edg/130.0.2849.1');
    expect(browserVersion(FIREFOX)).toBe('Firefox/133.0');
    expect(browserVersion('SomeBrowser')).toBe('SomeBrowser');
  });
});

describe('memoryKey', () => {
  const key = (adapter: AdapterInfo | null, userAgent = CHROME_156, wasmThreads = 1) => memoryKey({ adapter, userAgent, wasmThreads });
  it('is the same for the same adapter, browser version and wasm threads', () => {
    expect(key(swiftshader)).toBe(key({ ...swiftshader }));
  });
  it('changes with the adapter, its absence, the browser version and the wasm threads', () => {
    const keys = [key(swiftshader), key(nvidia), key(null), key(swiftshader, CHROME_157), key(swiftshader, CHROME_156, 4), key({ ...swiftshader, isFallbackAdapter: true })];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('parseMemory', () => {
  it('reads what remember wrote', () => {
    const m = remember({}, 'k', wasm('2026-12-05T10:00:00Z'));
    expect(parseMemory(JSON.stringify(m))).toEqual(m);
  });
  it('drops unreadable text and bad entries, keeping the good ones', () => {
    expect(parseMemory(null)).toEqual({});
    expect(parseMemory('{not json')).toEqual({});
    expect(parseMemory('[1,2]')).toEqual({});
    const raw = JSON.stringify({ good: wasm('t'), badBackend: { ...wasm('t'), backend: 'cuda' }, noReason: { backend: 'cpu', savedAt: 't' }, nil: null });
    expect(parseMemory(raw)).toEqual({ good: wasm('t') });
    expect(memoryFrom(JSON.parse(raw))).toEqual({ good: wasm('t') });
    expect(memoryFrom('text')).toEqual({});
  });
});

describe('recall / remember / forget', () => {
  it('recalls a choice only under its own key, stale when that backend did not start here', () => {
    const m = remember({}, 'k', wasm('t'));
    expect(recall(m, 'k', ['webgl', 'wasm'])).toEqual({ kind: 'usable', choice: wasm('t') });
    expect(recall(m, 'other', ['webgl', 'wasm'])).toEqual({ kind: 'none' });
    expect(recall(m, 'k', ['webgl', 'cpu'])).toEqual({ kind: 'stale', choice: wasm('t') });
    expect(recall(m, 'constructor', ['wasm'])).toEqual({ kind: 'none' }); // no prototype keys
  });
  it('replaces the entry under the same key, and forget removes only that key', () => {
    let m = remember({}, 'a', wasm('1'));
    m = remember(m, 'b', wasm('2'));
    m = remember(m, 'a', { backend: 'cpu', reason: 'r', savedAt: '3' });
    expect(m.a.backend).toBe('cpu');
    expect(Object.keys(m).sort()).toEqual(['a', 'b']);
    expect(forget(m, 'a')).toEqual({ b: wasm('2') });
    expect(forget(m, 'missing')).toEqual(m);
  });
  it('keeps at most MAX_REMEMBERED entries, dropping the oldest', () => {
    let m = {};
    for (let i = 0; i < MAX_REMEMBERED + 3; i++) m = remember(m, `k${i}`, wasm(`2026-12-05T10:00:${String(i).padStart(2, '0')}Z`));
    const keys = Object.keys(m);
    expect(keys).toHaveLength(MAX_REMEMBERED);
    expect(keys).not.toContain('k0');
    expect(keys).toContain(`k${MAX_REMEMBERED + 2}`);
  });
});
