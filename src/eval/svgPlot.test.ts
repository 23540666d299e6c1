import { describe, expect, it } from 'vitest';
import { MARGIN, formatTick, niceTicks, panelLayout, svgFigure, toPixel, type PanelSpec } from './svgPlot';

describe('niceTicks', () => {
  it.each([
    [0, 1, 0.2, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 10, 2, [0, 2, 4, 6, 8, 10]],
    [3, 97, 20, [0, 20, 40, 60, 80, 100]],
    [-0.013, 0.048, 0.02, [-0.02, 0, 0.02, 0.04, 0.06]],
    [0.0625, 0.5142, 0.1, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]],
    [1024, 204800, 50000, [0, 50000, 100000, 150000, 200000, 250000]],
    [2.5e-5, 1.8e-4, 5e-5, [0, 5e-5, 1e-4, 1.5e-4, 2e-4]],
  ])('[%f, %f] → step %f', (min, max, step, values) => {
    const t = niceTicks(min, max);
    expect(t.step).toBeCloseTo(step, 12);
    expect(t.values).toEqual(values);
    expect(t.lo).toBe(values[0]);
    expect(t.hi).toBe(values[values.length - 1]);
  });

  it('widens a zero-width range around its value', () => {
    expect(niceTicks(0, 0).values).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(2, 2).values).toEqual([1.8, 1.9, 2, 2.1, 2.2]);
  });

  it('refuses a range that is not finite', () => {
    expect(() => niceTicks(0, NaN)).toThrow(/niceTicks: bad range/);
    expect(() => niceTicks(1, 0)).toThrow(/niceTicks: bad range/);
  });
});

describe('formatTick', () => {
  it('labels in the axis unit with the step decimals', () => {
    const steps = niceTicks(0, 204800);
    expect(steps.values.map((v) => formatTick(v, steps))).toEqual(['0', '50k', '100k', '150k', '200k', '250k']);
    const frac = niceTicks(0, 1);
    expect(frac.values.map((v) => formatTick(v, frac))).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    const tiny = niceTicks(2.5e-5, 1.8e-4);
    expect(tiny.values.map((v) => formatTick(v, tiny))).toEqual(['0', '5e-5', '1e-4', '1.5e-4', '2e-4']);
    const millions = niceTicks(0, 2.4e6);
    expect(millions.values.map((v) => formatTick(v, millions))).toEqual(['0', '0.5M', '1.0M', '1.5M', '2.0M', '2.5M']);
  });
});

const spec: PanelSpec = {
  title: 'return',
  xLabel: 'env steps',
  yLabel: 'mean return',
  series: [
    { name: 'a', points: [[0, 0], [5, 0.5], [10, 1]] },
    { name: 'b', points: [[2, 0.2], [NaN, 0.3], [4, Infinity], [8, 0.6]] },
  ],
};

describe('panel layout', () => {
  it('maps data corners to the plot-area corners and a point in between proportionally', () => {
    const l = panelLayout(spec, 0, 0, 400, 300)!;
    expect(l.x.values).toEqual([0, 2, 4, 6, 8, 10]);
    expect(l.y.values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const plotW = 400 - MARGIN.left - MARGIN.right;
    const plotH = 300 - MARGIN.top - MARGIN.bottom;
    expect(toPixel(l, 0, 0)).toEqual([MARGIN.left, MARGIN.top + plotH]);
    expect(toPixel(l, 10, 1)).toEqual([MARGIN.left + plotW, MARGIN.top]);
    const [x, y] = toPixel(l, 5, 0.5);
    expect(x).toBeCloseTo(MARGIN.left + plotW / 2, 9);
    expect(y).toBeCloseTo(MARGIN.top + plotH / 2, 9);
  });

  it('draws each point at its computed pixel, breaking lines at non-finite points', () => {
    const svg = svgFigure([spec], { panelWidth: 400, panelHeight: 300 });
    const l = panelLayout(spec, 0, 0, 400, 300)!;
    const polylines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]);
    // Series a: one line through its three points; series b: a lone dot (2, 0.2) and a lone dot (8, 0.6).
    expect(polylines).toHaveLength(1);
    const coords = polylines[0].split(' ').map((p) => p.split(',').map(Number));
    const want = [[0, 0], [5, 0.5], [10, 1]].map(([x, y]) => toPixel(l, x, y));
    coords.forEach((c, i) => {
      expect(c[0]).toBeCloseTo(want[i][0], 2);
      expect(c[1]).toBeCloseTo(want[i][1], 2);
    });
    const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const wantDots = [toPixel(l, 2, 0.2), toPixel(l, 8, 0.6)];
    expect(dots).toHaveLength(2);
    dots.forEach((d, i) => {
      expect(d[0]).toBeCloseTo(wantDots[i][0], 2);
      expect(d[1]).toBeCloseTo(wantDots[i][1], 2);
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('labels the axes, the title and the legend, escaping text', () => {
    const svg = svgFigure([{ ...spec, title: 'R < 0 & "bad"', series: [{ name: 'β‖Δz‖²', points: [[0, 1], [1, 2]] }] }]);
    expect(svg).toContain('R &lt; 0 &amp; &quot;bad&quot;');
    expect(svg).toContain('>env steps</text>');
    expect(svg).toContain('>mean return</text>');
    expect(svg).toContain('>β‖Δz‖²</text>');
  });

  it('shows the message instead of a plot when no series has a finite point', () => {
    const empty: PanelSpec = { ...spec, series: [{ name: 'a', points: [[NaN, 1], [2, NaN]] }, { name: 'b', points: [] }], emptyMessage: 'no metrics for this run' };
    expect(panelLayout(empty, 0, 0, 400, 300)).toBeNull();
    const svg = svgFigure([empty]);
    expect(svg).toContain('>no metrics for this run</text>');
    expect(svg).not.toMatch(/<polyline|<circle|NaN/);
    expect(svgFigure([{ ...spec, series: [] }])).toContain('>no data</text>');
  });

  it('lays panels out in a grid and is deterministic', () => {
    const svg = svgFigure([spec, spec, spec], { columns: 2, panelWidth: 300, panelHeight: 200 });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="600" height="400" viewBox="0 0 600 400">/);
    // The third panel's title is centred in the second row's first box.
    expect(svg).toContain('<text x="150" y="218"');
    expect(svgFigure([spec, spec, spec], { columns: 2, panelWidth: 300, panelHeight: 200 })).toBe(svg);
  });
});
