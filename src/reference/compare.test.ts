import { describe, expect, it } from 'vitest';
import { compareWithReference, roundsText } from './compare';

describe('compareWithReference', () => {
  it('re-warms each path every round and times only the timed units', async () => {
    const calls = { run: 0, reference: 0 };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // The first units after a switch are slow (as V8's code is after the layers' methods are swapped), the rest fast.
    let streak = 0;
    let last = '';
    const unit = (name: 'run' | 'reference', fastMs: number) => async () => {
      calls[name]++;
      streak = last === name ? streak + 1 : 0;
      last = name;
      await sleep(streak < 2 ? 40 : fastMs);
    };
    const c = await compareWithReference(unit('run', 2), unit('reference', 8), 3, { warm: 2, timed: 2 });
    // 2 warm-ups + 1 profiled + 3 rounds × (2 untimed + 2 timed).
    expect(calls).toEqual({ run: 15, reference: 15 });
    expect(c.ms).toBeLessThan(20);
    expect(c.referenceMs).toBeLessThan(30);
    expect(c.speedup).toBeGreaterThan(1);
    expect(roundsText(c)).toBe('medians of 3 interleaved rounds, 2 timed after 2 untimed each');
  });
});
