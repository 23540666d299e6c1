// Scrub and replay. While the playground is paused, the engine's record of the last ticks (liveHistory.ts) is
// fetched once; any recorded tick is then shown in place of the live frame (the views, the panels and the test
// hook all read liveFeed.latest), and a replay walks forward through the record at a quarter of real time.
// Play, Step or "live" go back to the engine's frames.
import type { EngineClient } from '../engine/client';
import { laneViews } from '../engine/liveFrame';
import { LANE_EVENTS, eventsOf, recordedLane, type PlaygroundHistory } from '../engine/liveHistory';
import type { LiveFrame } from '../engine/protocol';
import { CONTROL_HZ } from '../sim/pusht/geometry';
import { liveFeed } from './live';
import { layoutOf } from './liveSummary';
import type { AppStore } from './store';

/** Replay pace: a quarter of real time (the task's 10 control steps per second). */
export const REPLAY_STEPS_PER_SECOND = CONTROL_HZ / 4;

export interface ScrubState {
  history: PlaygroundHistory;
  /** The recorded tick shown (an index into history.ticks). */
  index: number;
  replaying: boolean;
}

let recordedSeq = 0;

/** The frame of recorded tick `index`, as the engine posted it then (the trail rebuilt from the record). */
export function recordedFrame(h: PlaygroundHistory, index: number, stepsPerSecond: number | null): LiveFrame {
  const layout = layoutOf(h);
  const lanes = h.lanes.map((l, i) => {
    const { data, trail, condition } = recordedLane(h, i, index, layout);
    return { policy: l.policy as LiveFrame['lanes'][number]['policy'], label: l.label, condition, data, trail, series: new Float32Array(0) };
  });
  return {
    // Negative, so a recorded frame never equals a live one and each is drawn once.
    seq: --recordedSeq,
    running: false,
    stepsPerSecond,
    measuredStepsPerSecond: 0,
    episode: lanes.length ? laneViews(lanes[0].data, layout).scalar('episode') : 0,
    tick: h.ticks[index],
    task: h.task,
    numTokens: h.numTokens,
    actionDim: h.actionDim,
    lanes,
  };
}

/** The LANE_EVENTS flags of recorded tick `index`, over every lane. */
export function eventsAt(h: PlaygroundHistory, index: number): number {
  const layout = layoutOf(h);
  return eventsOf(h.lanes.map((l) => l.data.subarray(index * layout.size, (index + 1) * layout.size)), layout);
}

/** The latest recorded tick before `index` where something was done to the world (a shove, a suite, a condition), or null. */
export function previousEvent(h: PlaygroundHistory, index: number): number | null {
  for (let i = Math.min(index, h.ticks.length) - 1; i >= 0; i--) if (eventsAt(h, i) !== 0) return i;
  return null;
}

/** What an event's flags say, for labels. */
export function describeEvents(flags: number): string {
  const names = Object.entries(LANE_EVENTS)
    .filter(([, bit]) => flags & bit)
    .map(([name]) => ({ shove: 'shove', oneShot: 'perturbation', condition: 'condition' })[name]);
  return names.join(' + ');
}

export interface ScrubControls {
  /** Pauses the playground and shows its latest recorded tick. */
  open(): Promise<void>;
  /** Shows recorded tick `index` (clamped to the record), stopping a replay. */
  to(index: number): void;
  /** To the latest event before the tick shown; false when there is none. */
  previousEvent(): boolean;
  /** Walks forward from the tick shown to the latest at REPLAY_STEPS_PER_SECOND. */
  replay(): void;
  /** Back to the engine's frames (the playground stays as it was: paused). */
  close(): void;
}

export function installScrub(store: AppStore, client: EngineClient): ScrubControls {
  let timer: ReturnType<typeof setInterval> | null = null;
  const stopReplay = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  const show = (h: PlaygroundHistory, index: number, replaying: boolean) => {
    const i = Math.max(0, Math.min(h.ticks.length - 1, Math.round(index)));
    store.getState().setScrub({ history: h, index: i, replaying });
    liveFeed.show(recordedFrame(h, i, liveFeed.live?.stepsPerSecond ?? CONTROL_HZ));
  };
  const current = () => store.getState().scrub;

  const s: ScrubControls = {
    async open() {
      stopReplay();
      await client.request('playgroundIntent', { intent: { kind: 'pause' } });
      const h = await client.request('playgroundHistory', {});
      if (h.ticks.length === 0) return;
      show(h, h.ticks.length - 1, false);
    },
    to(index) {
      stopReplay();
      const c = current();
      if (c) show(c.history, index, false);
    },
    previousEvent() {
      const c = current();
      const at = c ? previousEvent(c.history, c.index) : null;
      if (c && at !== null) s.to(at);
      return at !== null;
    },
    replay() {
      const c = current();
      if (!c) return;
      stopReplay();
      const start = c.index >= c.history.ticks.length - 1 ? 0 : c.index;
      show(c.history, start, true);
      timer = setInterval(() => {
        const now = current();
        if (!now || now.index >= now.history.ticks.length - 1) {
          stopReplay();
          if (now) show(now.history, now.index, false);
          return;
        }
        show(now.history, now.index + 1, true);
      }, 1000 / REPLAY_STEPS_PER_SECOND);
    },
    close() {
      stopReplay();
      if (!current()) return;
      store.getState().setScrub(null);
      liveFeed.show(null);
    },
  };
  return s;
}
