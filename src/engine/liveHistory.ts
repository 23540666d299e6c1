// The playground's recent past: per control step (a tick of the playground's clock, shared by its lanes) each
// lane's buffer (liveFrame.ts layout), the last row of its trail and its lasting condition, for the last
// HISTORY_TICKS ticks. Two readers:
//   - the strip chart, live: one row of SERIES per lane and tick, in the task's world units, sent with every frame;
//   - scrub and replay, while paused: every recorded buffer, sent on request, from which the UI rebuilds the
//     frame of any recorded tick (the trail up to it included).
// Pure (no tfjs, no DOM): the worker records, the UI reads.
import { tokenNorms } from '../sim/taskSpec';
import { TRAIL_STRIDE, decompositionTerm, laneViews, type LaneLayout } from './liveFrame';

/** Ticks kept: two Push-T episodes at their default length. */
export const HISTORY_TICKS = 600;

/** What the strip chart plots per lane and tick (world units: Push-T pixels, push-3d metres). */
export const SERIES = [
  'tick',
  'episode',
  'step',
  /** ‖Δz_k‖ over tokens k: the largest and the mean; NaN for a policy without Φ. */
  'deltaZMax',
  'deltaZMean',
  /** The executed action's increments at the pusher: ‖reflex‖ (g_b·b), ‖strategy‖ (g_η·η), ‖noise‖; NaN without the decomposition. */
  'reflex',
  'strategy',
  'noise',
  'coverage',
  'sagrReward',
  /** 1 when this step sampled a new action chunk (a re-plan). */
  'replan',
  /** What the person (or a suite) did to the world at this step: LANE_EVENTS flags, 0 for none. */
  'event',
] as const;
export type SeriesName = (typeof SERIES)[number];
export const SERIES_STRIDE = SERIES.length;
export const SERIES_INDEX = Object.fromEntries(SERIES.map((name, i) => [name, i])) as Record<SeriesName, number>;

/** Bit flags of a lane's `event` scalar: a shove (drag or keys), a one-shot suite (displace, kick, tilt), a lasting condition set. */
export const LANE_EVENTS = { shove: 1, oneShot: 2, condition: 4 } as const;

/** The LANE_EVENTS flags of one tick over every lane, from the lanes' buffers. */
export function eventsOf(buffers: readonly Float32Array[], layout: LaneLayout): number {
  return buffers.reduce((flags, b) => flags | laneViews(b, layout).scalar('event'), 0);
}

/** One lane's SERIES row for the tick `tick`, from its buffer. */
export function seriesRow(tick: number, data: Float32Array, layout: LaneLayout, worldScale: readonly number[]): Float32Array {
  const v = laneViews(data, layout);
  const s = v.scalar;
  const row = new Float32Array(SERIES_STRIDE);
  const put = (name: SeriesName, x: number) => (row[SERIES_INDEX[name]] = x);
  put('tick', tick);
  put('episode', s('episode'));
  put('step', s('step'));
  if (s('hasPrediction') === 1) {
    const norms = tokenNorms(v.deltaZ.map((x, i) => x * worldScale[i % worldScale.length]));
    put('deltaZMax', Math.max(...norms));
    put('deltaZMean', norms.reduce((a, b) => a + b, 0) / norms.length);
  } else {
    put('deltaZMax', NaN);
    put('deltaZMean', NaN);
  }
  for (const term of ['reflex', 'strategy', 'noise'] as const) put(term, s('hasDecomposition') === 1 ? Math.hypot(...decompositionTerm(v, term, layout.actionDim)) : NaN);
  put('coverage', s('coverage'));
  put('sagrReward', s('sagrReward'));
  put('replan', s('decided'));
  put('event', s('event'));
  return row;
}

/** What one lane leaves per tick. */
export interface LaneTick {
  data: Float32Array;
  /** The trail's row after this step (TRAIL_STRIDE floats). */
  trailRow: Float32Array;
  condition: string | null;
  series: Float32Array;
}

/** The recorded past as the scrub request returns it: per lane, the ticks' buffers stacked, oldest first. */
export interface PlaygroundHistory {
  task: string;
  numTokens: number;
  actionDim: number;
  ticks: number[];
  lanes: {
    policy: string;
    label: string;
    /** ticks.length × layout.size */
    data: Float32Array;
    /** ticks.length × TRAIL_STRIDE */
    trailRows: Float32Array;
    conditions: (string | null)[];
  }[];
}

export class LiveHistory {
  private ticks: number[] = [];
  private lanes: LaneTick[][] = [];

  constructor(readonly capacity = HISTORY_TICKS) {}

  /** Forgets everything (the lanes were rebuilt: their number or policies may differ). */
  clear(): void {
    this.ticks = [];
    this.lanes = [];
  }

  get length(): number {
    return this.ticks.length;
  }

  /** Records tick `tick`: one LaneTick per lane, in lane order. */
  record(tick: number, lanes: LaneTick[]): void {
    if (this.lanes.length !== lanes.length) this.clear();
    this.ticks.push(tick);
    lanes.forEach((l, i) => (this.lanes[i] ??= []).push(l));
    if (this.ticks.length > this.capacity) {
      this.ticks.shift();
      for (const l of this.lanes) l.shift();
    }
  }

  /** Lane `lane`'s SERIES rows, oldest first (empty before any tick). */
  series(lane: number): Float32Array {
    const rows = this.lanes[lane] ?? [];
    const out = new Float32Array(rows.length * SERIES_STRIDE);
    rows.forEach((r, i) => out.set(r.series, i * SERIES_STRIDE));
    return out;
  }

  /** Everything recorded, for scrubbing (copies: the result may be sent to another thread). */
  snapshot(meta: { task: string; numTokens: number; actionDim: number; lanes: { policy: string; label: string }[] }): PlaygroundHistory {
    return {
      task: meta.task,
      numTokens: meta.numTokens,
      actionDim: meta.actionDim,
      ticks: [...this.ticks],
      lanes: this.lanes.map((rows, i) => {
        const size = rows[0]?.data.length ?? 0;
        const data = new Float32Array(rows.length * size);
        const trailRows = new Float32Array(rows.length * TRAIL_STRIDE);
        rows.forEach((r, t) => {
          data.set(r.data, t * size);
          trailRows.set(r.trailRow, t * TRAIL_STRIDE);
        });
        return { ...meta.lanes[i], data, trailRows, conditions: rows.map((r) => r.condition) };
      }),
    };
  }
}

/**
 * The frame of lane `lane` at recorded index `index` (0: the oldest): its buffer, and its trail rebuilt from the
 * recorded rows of the same episode up to that tick.
 */
export function recordedLane(history: PlaygroundHistory, lane: number, index: number, layout: LaneLayout): { data: Float32Array; trail: Float32Array; condition: string | null } {
  const h = history.lanes[lane];
  const size = layout.size;
  const data = h.data.slice(index * size, (index + 1) * size);
  const episodeAt = (i: number) => laneViews(h.data.subarray(i * size, (i + 1) * size), layout).scalar('episode');
  const episode = episodeAt(index);
  let first = index;
  while (first > 0 && episodeAt(first - 1) === episode) first--;
  const trail = h.trailRows.slice(first * TRAIL_STRIDE, (index + 1) * TRAIL_STRIDE);
  return { data, trail, condition: h.conditions[index] };
}
