import { describe, expect, it } from 'vitest';
import { tokenNorms } from '../sim/taskSpec';
import { DECOMPOSITION_TERMS, SCALARS, decompositionTerm, laneLayout, laneViews } from './liveFrame';

describe('live frame layout', () => {
  it('packs scalars, tokens, Ŝ, Δz, attention, b and the action terms without overlap, in one buffer', () => {
    const N = 10;
    const A = 2;
    const layout = laneLayout(N, A);
    expect(layout.size).toBe(SCALARS.length + 3 * N * 3 + N + A + DECOMPOSITION_TERMS.length * A);
    const buf = new Float32Array(layout.size);
    const v = laneViews(buf, layout);
    // Fill every part with its own value; if two parts overlapped, one would overwrite the other.
    SCALARS.forEach((name, i) => v.setScalar(name, 1000 + i));
    v.tokens.fill(1);
    v.predicted.fill(2);
    v.deltaZ.fill(3);
    v.attention.fill(4);
    v.reflex.fill(5);
    DECOMPOSITION_TERMS.forEach((t) => decompositionTerm(v, t, A).fill(10 + DECOMPOSITION_TERMS.indexOf(t)));
    SCALARS.forEach((name, i) => expect(v.scalar(name)).toBe(1000 + i));
    expect([...v.tokens].every((x) => x === 1) && v.tokens.length === N * 3).toBe(true);
    expect([...v.predicted].every((x) => x === 2)).toBe(true);
    expect([...v.deltaZ].every((x) => x === 3)).toBe(true);
    expect([...v.attention]).toEqual(new Array(N).fill(4));
    expect([...v.reflex]).toEqual([5, 5]);
    expect([...decompositionTerm(v, 'noise', A)]).toEqual([13, 13]);
    // Every float of the buffer belongs to exactly one part.
    const counts = new Map<number, number>();
    for (const x of buf) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect(counts.get(0)).toBeUndefined();
  });

  it('reads what the worker wrote after a transfer (a copy of the buffer)', () => {
    const layout = laneLayout(4, 2);
    const sent = new Float32Array(layout.size);
    const w = laneViews(sent, layout);
    w.setScalar('coverage', 0.625);
    w.deltaZ.set([0.03, 0.04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const received = laneViews(structuredClone(sent), layout);
    expect(received.scalar('coverage')).toBe(0.625);
    expect(tokenNorms(received.deltaZ)[0]).toBeCloseTo(0.05, 6);
    expect(tokenNorms(received.deltaZ)[1]).toBe(0);
  });

  it('refuses a buffer of the wrong size and bad dimensions', () => {
    const layout = laneLayout(4, 2);
    expect(() => laneViews(new Float32Array(layout.size - 1), layout)).toThrow(/lane buffer/);
    expect(() => laneLayout(0, 2)).toThrow(/numTokens/);
    expect(() => laneLayout(4, 1.5)).toThrow(/actionDim/);
  });
});
