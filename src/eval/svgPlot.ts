// Line plots as SVG text: axes with "nice" ticks, labels, a legend and several series per panel, panels laid
// out in a grid. A pure function of its input (no DOM, no clock, no randomness), so the same metrics always give
// the same file, in Node and in the browser. Non-finite points break a line; a panel without any finite point
// says why instead of drawing axes over nothing.

export interface Series {
  name: string;
  /** [x, y] pairs in data units; NaN/±Infinity in either coordinate are skipped (the line breaks there). */
  points: readonly (readonly [number, number])[];
}

export interface PanelSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Shown in place of the plot when no series has a finite point. */
  emptyMessage?: string;
}

export interface FigureOptions {
  /** Panels per row. */
  columns?: number;
  panelWidth?: number;
  panelHeight?: number;
}

/** Pixel margins of a panel's plot area inside its box: room for the title, tick labels and axis labels. */
export const MARGIN = { left: 64, right: 24, top: 48, bottom: 44 } as const;
export const DEFAULT_PANEL = { width: 420, height: 260 } as const;
/** Ticks per axis the tick chooser aims for. */
export const TARGET_TICKS = 5;
/** Tableau 10: distinguishable colours for up to ten series. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;
const FONT = 'font-family="sans-serif"';
/** Baseline of the legend row below the title, and a rough width per character to space its entries. */
const LEGEND_ROW = 38;
const LEGEND_CHAR_WIDTH = 6.5;

export interface Ticks {
  /** The axis range: the data range widened to whole steps. */
  lo: number;
  hi: number;
  step: number;
  values: number[];
}

/**
 * Ticks at a step of 1, 2 or 5 × 10^k giving about `target` intervals over [min, max], and the range widened to
 * whole steps. A zero-width range is widened around its value first.
 */
export function niceTicks(min: number, max: number, target = TARGET_TICKS): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new Error(`niceTicks: bad range [${min}, ${max}]`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const count = Math.round((hi - lo) / step);
  // Multiplying the index (not accumulating the step) keeps 0.1 + 0.2-style error out of the labels.
  const values = Array.from({ length: count + 1 }, (_, i) => roundTo(lo + i * step, step));
  return { lo: values[0], hi: values[count], step, values };
}

/** x with the float error of lo + i·step removed: 0.30000000000000004 → 0.3, 1e-17 → 0 on a 0.1 grid. */
function roundTo(x: number, step: number): number {
  return Math.abs(x) < step * 1e-9 ? 0 : Number(x.toPrecision(12));
}

/**
 * A tick label on an axis: in thousands (k) or millions (M) when the axis reaches 10⁴ or 10⁶, in exponent form when
 * the step is below 10⁻³, otherwise with the step's decimals. The unit is the axis's, so labels on one axis agree.
 */
export function formatTick(x: number, axis: Ticks): string {
  if (x === 0) return '0';
  const reach = Math.max(Math.abs(axis.lo), Math.abs(axis.hi));
  if (reach >= 1e6) return withStepDecimals(x / 1e6, axis.step / 1e6) + 'M';
  if (reach >= 1e4) return withStepDecimals(x / 1e3, axis.step / 1e3) + 'k';
  if (axis.step < 1e-3) return x.toExponential(); // tick values are already rounded (niceTicks), so this is short
  return withStepDecimals(x, axis.step);
}

function withStepDecimals(x: number, step: number): string {
  return x.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

export interface PanelLayout {
  /** Plot area in pixels inside the figure. */
  left: number;
  top: number;
  width: number;
  height: number;
  x: Ticks;
  y: Ticks;
}

const finitePoints = (s: Series) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));

/** Where the panel's plot area sits and which ranges its axes cover; null when there is nothing to draw. */
export function panelLayout(spec: PanelSpec, boxLeft: number, boxTop: number, boxWidth: number, boxHeight: number): PanelLayout | null {
  const pts = spec.series.flatMap(finitePoints);
  if (pts.length === 0) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return {
    left: boxLeft + MARGIN.left,
    top: boxTop + MARGIN.top,
    width: boxWidth - MARGIN.left - MARGIN.right,
    height: boxHeight - MARGIN.top - MARGIN.bottom,
    x: niceTicks(Math.min(...xs), Math.max(...xs)),
    y: niceTicks(Math.min(...ys), Math.max(...ys)),
  };
}

/** Data (x, y) → pixel (px, py) in the figure; y grows upwards in data and downwards in pixels. */
export function toPixel(l: PanelLayout, x: number, y: number): [number, number] {
  return [l.left + ((x - l.x.lo) / (l.x.hi - l.x.lo)) * l.width, l.top + l.height - ((y - l.y.lo) / (l.y.hi - l.y.lo)) * l.height];
}

/** Pixel coordinates with two decimals: enough for any screen, short and stable text. */
const px = (v: number) => String(Math.round(v * 100) / 100);

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Runs of consecutive finite points: each becomes one polyline (or a dot when it has a single point). */
function finiteRuns(points: Series['points']): (readonly [number, number])[][] {
  const runs: (readonly [number, number])[][] = [];
  let run: (readonly [number, number])[] = [];
  for (const p of points) {
    if (Number.isFinite(p[0]) && Number.isFinite(p[1])) run.push(p);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}" ${FONT} ${attrs}>${escapeXml(s)}</text>`;
}

/** One panel's SVG elements inside the box at (boxLeft, boxTop). */
export function renderPanel(spec: PanelSpec, boxLeft: number, boxTop: number, boxWidth: number, boxHeight: number): string {
  const out: string[] = [text(boxLeft + boxWidth / 2, boxTop + 18, spec.title, 'font-size="14" text-anchor="middle" font-weight="bold"')];
  const l = panelLayout(spec, boxLeft, boxTop, boxWidth, boxHeight);
  if (!l) {
    const message = spec.emptyMessage ?? 'no data';
    out.push(`<rect x="${px(boxLeft + MARGIN.left)}" y="${px(boxTop + MARGIN.top)}" width="${px(boxWidth - MARGIN.left - MARGIN.right)}" height="${px(boxHeight - MARGIN.top - MARGIN.bottom)}" fill="none" stroke="#ccc"/>`);
    out.push(text(boxLeft + boxWidth / 2, boxTop + boxHeight / 2, message, 'font-size="12" text-anchor="middle" fill="#666"'));
    return out.join('\n');
  }
  const bottom = l.top + l.height;
  const right = l.left + l.width;
  // Grid and ticks.
  for (const v of l.x.values) {
    const [x] = toPixel(l, v, l.y.lo);
    out.push(`<line x1="${px(x)}" y1="${px(l.top)}" x2="${px(x)}" y2="${px(bottom)}" stroke="#eee"/>`);
    out.push(text(x, bottom + 14, formatTick(v, l.x), 'font-size="11" text-anchor="middle"'));
  }
  for (const v of l.y.values) {
    const [, y] = toPixel(l, l.x.lo, v);
    out.push(`<line x1="${px(l.left)}" y1="${px(y)}" x2="${px(right)}" y2="${px(y)}" stroke="#eee"/>`);
    out.push(text(l.left - 5, y + 4, formatTick(v, l.y), 'font-size="11" text-anchor="end"'));
  }
  out.push(`<rect x="${px(l.left)}" y="${px(l.top)}" width="${px(l.width)}" height="${px(l.height)}" fill="none" stroke="#333"/>`);
  out.push(text(l.left + l.width / 2, bottom + 32, spec.xLabel, 'font-size="12" text-anchor="middle"'));
  const yLabelX = boxLeft + 14;
  const yLabelY = l.top + l.height / 2;
  out.push(text(yLabelX, yLabelY, spec.yLabel, `font-size="12" text-anchor="middle" transform="rotate(-90 ${px(yLabelX)} ${px(yLabelY)})"`));
  // Series, then the legend over them (top right, one row per series).
  spec.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    for (const run of finiteRuns(s.points)) {
      const coords = run.map(([x, y]) => toPixel(l, x, y));
      if (coords.length === 1) out.push(`<circle cx="${px(coords[0][0])}" cy="${px(coords[0][1])}" r="2.5" fill="${colour}"/>`);
      else out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${coords.map(([x, y]) => `${px(x)},${px(y)}`).join(' ')}"/>`);
    }
  });
  // Legend: one row between the title and the plot, so it never hides data.
  let legendX = l.left;
  spec.series.forEach((s, i) => {
    const y = boxTop + LEGEND_ROW;
    const label = s.name + (finitePoints(s).length === 0 ? ' (no data)' : '');
    out.push(`<line x1="${px(legendX)}" y1="${px(y - 4)}" x2="${px(legendX + 16)}" y2="${px(y - 4)}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`);
    out.push(text(legendX + 20, y, label, 'font-size="11"'));
    legendX += 20 + LEGEND_CHAR_WIDTH * label.length + 14;
  });
  return out.join('\n');
}

/** A whole SVG document: the panels in a grid, row by row. */
export function svgFigure(panels: readonly PanelSpec[], o: FigureOptions = {}): string {
  const w = o.panelWidth ?? DEFAULT_PANEL.width;
  const h = o.panelHeight ?? DEFAULT_PANEL.height;
  const columns = Math.max(1, Math.min(o.columns ?? 2, panels.length || 1));
  const rows = Math.max(1, Math.ceil(panels.length / columns));
  const body = panels.map((p, i) => renderPanel(p, (i % columns) * w, Math.floor(i / columns) * h, w, h));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * w}" height="${rows * h}" viewBox="0 0 ${columns * w} ${rows * h}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
