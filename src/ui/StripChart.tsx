// The live strip chart under the view: per control step, for each lane, ‖Δz‖ (largest token and mean over
// tokens), the reflex, strategy and noise increments at the pusher (left axis, log, the view's units), and the
// coverage and the step's SA-GR reward (right axis); lane 2's lines dashed over lane 1's. Vertical markers show
// what was done to the world (orange: a shove; red: a perturbation or a condition), ticks along the bottom show
// re-plans (a new action chunk), and while scrubbing a white line shows the tick on screen.
// The rows come from the engine with every frame (liveHistory.ts), so a one-step spike is never missed whatever
// the display rate; the chart redraws at most CHART_FPS times per second.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LANE_EVENTS, SERIES_INDEX, SERIES_STRIDE, type SeriesName } from '../engine/liveHistory';
import type { LiveFrame } from '../engine/protocol';
import { liveFeed } from './live';
import { viewUnit } from './liveSummary';
import { appStore } from './store';

const CHART_FPS = 10;
const HEIGHT = 130;
/** Ticks shown while live (30 s at real time); scrubbing shows the whole record. */
export const LIVE_WINDOW = 300;
/** The log axis starts here (view units): Φ's smallest errors sit around 0.1 px. */
const LOG_FLOOR = 0.01;

interface Line {
  key: SeriesName;
  label: string;
  color: string;
  scale: 'mag' | 'unit';
  /** Drawn at start (the person toggles it in the chart's legend). */
  show: boolean;
}
const LINES: readonly Line[] = [
  { key: 'deltaZMax', label: '‖Δz‖ max', color: '#ff6b6b', scale: 'mag', show: true },
  { key: 'deltaZMean', label: '‖Δz‖ mean', color: '#ffc9c9', scale: 'mag', show: true },
  { key: 'reflex', label: '‖b‖', color: '#22d3ee', scale: 'mag', show: true },
  { key: 'strategy', label: '‖η‖', color: '#f783ac', scale: 'mag', show: true },
  { key: 'noise', label: 'noise', color: '#adb5bd', scale: 'mag', show: false },
  { key: 'coverage', label: 'coverage', color: '#69db7c', scale: 'unit', show: true },
  { key: 'sagrReward', label: 'R', color: '#ffd43b', scale: 'unit', show: false },
];
export const EVENT_COLORS = { shove: '#ff922b', other: '#ff3d3d', replan: '#868e96', cursor: '#ffffff' } as const;

/** What the chart plots, kept for the test hook: ticks, then per lane per line its values; events and re-plans by tick. */
export interface ChartState {
  ticks: number[];
  lanes: Record<SeriesName, (number | null)[]>[];
  events: { tick: number; flags: number }[];
  replans: number[][];
}
export const chartState: ChartState = { ticks: [], lanes: [], events: [], replans: [] };


/** The chart's columns from a live frame's series rows (lane 0's ticks; the lanes step together). */
export function chartColumns(frame: LiveFrame): ChartState {
  const rows = (lane: number) => frame.lanes[lane].series.length / SERIES_STRIDE;
  const at = (lane: number, i: number, name: SeriesName) => frame.lanes[lane].series[i * SERIES_STRIDE + SERIES_INDEX[name]];
  const n = frame.lanes.length ? rows(0) : 0;
  const ticks = Array.from({ length: n }, (_, i) => at(0, i, 'tick'));
  const unit = viewUnit(frame.task).perWorldUnit;
  const lanes = frame.lanes.map((_, l) => {
    const cols = {} as Record<SeriesName, (number | null)[]>;
    for (const line of LINES) {
      cols[line.key] = ticks.map((_t, i) => {
        const v = i < rows(l) ? at(l, i, line.key) : NaN;
        if (!Number.isFinite(v)) return null;
        return line.scale === 'mag' ? Math.max(LOG_FLOOR, v * unit) : v;
      });
    }
    return cols;
  });
  const events: ChartState['events'] = [];
  ticks.forEach((tick, i) => {
    const flags = frame.lanes.reduce((f, _l, lane) => f | (i < rows(lane) ? at(lane, i, 'event') : 0), 0);
    if (flags) events.push({ tick, flags });
  });
  const replans = frame.lanes.map((_, l) => ticks.filter((_t, i) => i < rows(l) && at(l, i, 'replan') === 1));
  return { ticks, lanes, events, replans };
}

function drawMarkers(u: uPlot): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const x = (tick: number) => Math.round(u.valToPos(tick, 'x', true));
  const inside = (px: number) => px >= left && px <= left + width;
  const dpr = devicePixelRatio;
  ctx.save();
  ctx.setLineDash([]); // lane 2's dashed lines leave their dash set
  ctx.lineWidth = 2 * dpr;
  for (const e of chartState.events) {
    const px = x(e.tick);
    if (!inside(px)) continue;
    ctx.strokeStyle = e.flags & LANE_EVENTS.shove ? EVENT_COLORS.shove : EVENT_COLORS.other;
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, top + height);
    ctx.stroke();
  }
  ctx.lineWidth = 1 * dpr;
  chartState.replans.forEach((ticks, lane) => {
    ctx.strokeStyle = EVENT_COLORS.replan;
    const y0 = top + height - (lane + 1) * 5 * dpr;
    for (const t of ticks) {
      const px = x(t);
      if (!inside(px)) continue;
      ctx.beginPath();
      ctx.moveTo(px, y0);
      ctx.lineTo(px, y0 + 4 * dpr);
      ctx.stroke();
    }
  });
  const scrub = appStore.getState().scrub;
  if (scrub) {
    const px = x(scrub.history.ticks[scrub.index]);
    if (inside(px)) {
      ctx.strokeStyle = EVENT_COLORS.cursor;
      ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, top + height);
      ctx.stroke();
    }
  }
  ctx.restore();
}

function buildChart(host: HTMLElement, laneCount: number, unit: string): uPlot {
  const series: uPlot.Series[] = [{ label: 'tick' }];
  for (let lane = 0; lane < laneCount; lane++)
    for (const line of LINES)
      series.push({ label: laneCount > 1 ? `${line.label} (${lane + 1})` : line.label, stroke: line.color, width: lane === 0 ? 1.5 : 1.2, dash: lane === 0 ? undefined : [5, 4], scale: line.scale, show: line.show, spanGaps: false, points: { show: false } });
  const axis = { stroke: '#8b949e', grid: { stroke: '#262a30' }, ticks: { stroke: '#2a2f35' } };
  return new uPlot(
    {
      width: Math.max(200, host.clientWidth),
      height: HEIGHT,
      scales: {
        x: { time: false, range: (_u, min, max) => [Math.max(min, max - (appStore.getState().scrub ? Infinity : LIVE_WINDOW)), Math.max(max, min + 1)] },
        mag: { distr: 3, range: (_u, _min, max) => [LOG_FLOOR, Math.max(10, max ?? 10) * 1.5] },
        unit: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, max ?? 1)] },
      },
      axes: [
        { ...axis, label: 'control step (since start)', labelSize: 14, size: 30, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
        { ...axis, scale: 'mag', label: unit, labelSize: 14, size: 50 },
        { ...axis, scale: 'unit', side: 1, grid: { show: false }, size: 40 },
      ],
      series,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [drawMarkers] },
    },
    [[], ...series.slice(1).map(() => [])],
    host,
  );
}

export function StripChart() {
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const host = hostRef.current!;
    let plot: uPlot | null = null;
    let shape = '';
    let pending = false;
    let last = 0;
    const redraw = () => {
      pending = false;
      last = performance.now();
      const frame = liveFeed.live;
      if (!frame) return;
      const unit = viewUnit(frame.task).name;
      if (shape !== `${frame.lanes.length}/${unit}`) {
        plot?.destroy();
        plot = buildChart(host, frame.lanes.length, unit);
        shape = `${frame.lanes.length}/${unit}`;
      }
      Object.assign(chartState, chartColumns(frame));
      const data: uPlot.AlignedData = [chartState.ticks, ...chartState.lanes.flatMap((cols) => LINES.map((line) => cols[line.key]))];
      plot!.setData(data);
      host.dataset.points = String(chartState.ticks.length);
      host.dataset.events = String(chartState.events.length);
    };
    const request = () => {
      if (pending) return;
      pending = true;
      setTimeout(redraw, Math.max(0, 1000 / CHART_FPS - (performance.now() - last)));
    };
    const unsubscribe = liveFeed.subscribe(request);
    const unsubscribeStore = appStore.subscribe((s, prev) => {
      if (s.scrub !== prev.scrub) request();
    });
    const observer = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, host.clientWidth), height: HEIGHT }));
    observer.observe(host);
    request();
    return () => {
      unsubscribe();
      unsubscribeStore();
      observer.disconnect();
      plot?.destroy();
    };
  }, []);

  return <div className="strip-chart" ref={hostRef} data-testid="strip-chart" role="figure" aria-label="Strip chart: ‖Δz‖, reflex, strategy and noise increments, coverage and reward per control step, with markers at shoves, perturbations and re-plans" />;
}
