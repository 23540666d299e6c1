import { describe, expect, it } from 'vitest';
import { initValues, normal, orthogonal } from './init';

/** Gram matrix of the columns (or rows) of a rows×cols row-major matrix. */
function gram(m: Float32Array, rows: number, cols: number, ofColumns: boolean): number[][] {
  const n = ofColumns ? cols : rows;
  const len = ofColumns ? rows : cols;
  const at = (v: number, i: number) => (ofColumns ? m[i * cols + v] : m[v * cols + i]);
  return Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => {
    let s = 0;
    for (let i = 0; i < len; i++) s += at(a, i) * at(b, i);
    return s;
  }));
}

describe('initialisers', () => {
  it.each([
    [12, 5, Math.SQRT2],
    [5, 12, 0.01],
    [7, 7, 1],
  ])('orthogonal %i×%i with gain %f has orthogonal columns/rows of norm = gain', (rows, cols, gain) => {
    const w = initValues([rows, cols], orthogonal(gain), 42);
    const g = gram(w, rows, cols, rows >= cols);
    g.forEach((row, a) => row.forEach((x, b) => expect(x).toBeCloseTo(a === b ? gain * gain : 0, 5)));
  });

  it('is a pure function of the seed', () => {
    expect(initValues([4, 3], orthogonal(1), 7)).toEqual(initValues([4, 3], orthogonal(1), 7));
    expect(initValues([4, 3], orthogonal(1), 7)).not.toEqual(initValues([4, 3], orthogonal(1), 8));
    const n = initValues([10000], normal(0.5), 1);
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const std = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(std).toBeCloseTo(0.5, 1);
  });
});
