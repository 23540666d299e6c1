// A live line chart of a training run's metrics against iterations (uPlot: created once, fed with setData).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricsRecord } from '../train/stage';
import { ITERATION_INCREMENTS, UNBOUNDED, yRange, type Bounds } from './chartRange';

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

const DEFAULT_HEIGHT = 160;

/** The chart's columns: iterations, then each series (null where a record lacks it, so uPlot leaves a gap). */
export function chartData(records: readonly MetricsRecord[], series: readonly ChartSeries[]): uPlot.AlignedData {
  const value = (r: MetricsRecord, key: string) => {
    const v = r[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  return [records.map((r) => r.iter), ...series.map((s) => records.map((r) => value(r, s.key)))];
}

/** `bounds`: the metric's natural y range on a linear scale (chartRange.ts); the data's padded span by default. */
export function LossChart({
  records,
  series,
  log,
  height = DEFAULT_HEIGHT,
  bounds = UNBOUNDED,
}: {
  records: readonly MetricsRecord[];
  series: readonly ChartSeries[];
  log: boolean;
  height?: number;
  bounds?: Bounds;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const seriesKey = series.map((s) => s.key).join();
  const [lo, hi] = bounds;

  useEffect(() => {
    const host = hostRef.current!;
    const plot = new uPlot(
      {
        width: Math.max(200, host.clientWidth),
        height,
        scales: { x: { time: false }, y: log ? { distr: 3 } : { distr: 1, range: (_u, min, max) => yRange(min, max, [lo, hi]) } },
        axes: [
          { stroke: '#8b949e', grid: { stroke: '#262a30' }, ticks: { stroke: '#2a2f35' }, incrs: ITERATION_INCREMENTS },
          { stroke: '#8b949e', grid: { stroke: '#262a30' }, ticks: { stroke: '#2a2f35' }, size: 56 },
        ],
        series: [{ label: 'iter' }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true, points: { size: 4 } }))],
        legend: { live: false },
      },
      chartData([], series),
      host,
    );
    plotRef.current = plot;
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, host.clientWidth), height }));
    observer.observe(host);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // The chart is rebuilt only when its series or scale change; new records go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesKey, log, height, lo, hi]);

  useEffect(() => {
    plotRef.current?.setData(chartData(records, series));
  }, [records, series]);

  return <div className="loss-chart" ref={hostRef} data-testid="loss-chart" data-points={records.length} />;
}
