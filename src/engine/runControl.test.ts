import { describe, expect, it } from 'vitest';
import { RunControl } from './runControl';

describe('run control', () => {
  it('goes on when left alone, waits while paused until resumed, and says stop once stopped', async () => {
    const c = new RunControl();
    expect(await c.between()).toBe(true);
    c.pause();
    let waited = false;
    const next = c.between(() => (waited = true));
    setTimeout(() => c.resume(), 5);
    expect(await next).toBe(true);
    expect(waited).toBe(true);
    c.pause();
    const stopped = c.between();
    setTimeout(() => c.stop(), 5);
    expect(await stopped).toBe(false);
    expect(await c.between()).toBe(false);
  });

  it('lets timers queued before the check run first (the worker answers requests between steps)', async () => {
    const c = new RunControl();
    let ran = false;
    setTimeout(() => (ran = true), 0);
    await c.between();
    expect(ran).toBe(true);
  });
});
