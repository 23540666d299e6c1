// The timeline under the strip chart: while the playground runs it offers to pause and look back; while paused it
// scrubs through the recorded ticks (a slider, one step back or forward, back to the previous event), replays them
// at a quarter of real time, and goes back to the live frame.
import { laneViews } from '../engine/liveFrame';
import { HISTORY_TICKS } from '../engine/liveHistory';
import { controls } from './controls';
import { layoutOf } from './liveSummary';
import { describeEvents, eventsAt } from './scrub';
import { SLOW_MS } from './slowMotion';
import { useApp } from './store';

function SlowMotionSwitch() {
  const on = useApp((s) => s.slowAfterEvent);
  const set = useApp((s) => s.setSlowAfterEvent);
  return (
    <label className="timeline-switch" title={`After a shove or a perturbation, run at ¼× for ${SLOW_MS / 1000} s`}>
      <input type="checkbox" checked={on} onChange={(e) => set(e.target.checked)} /> slow motion after a shove
    </label>
  );
}

export function Timeline() {
  const scrub = useApp((s) => s.scrub);
  const started = useApp((s) => s.playground !== null);
  const c = () => controls().scrub;
  if (!scrub) {
    return (
      <div className="timeline" data-testid="timeline">
        <button type="button" disabled={!started} onClick={() => void c().open()} title="Pause and scrub back through the last steps">
          ◀◀ Look back
        </button>
        <span className="timeline-note">pauses and scrubs back through the last {HISTORY_TICKS} control steps</span>
        <SlowMotionSwitch />
      </div>
    );
  }
  const { history: h, index, replaying } = scrub;
  const last = h.ticks.length - 1;
  const layout = layoutOf(h);
  const lane0 = laneViews(h.lanes[0].data.subarray(index * layout.size, (index + 1) * layout.size), layout);
  const events = eventsAt(h, index);
  return (
    <div className="timeline scrubbing" data-testid="timeline" data-index={index} data-tick={h.ticks[index]}>
      <button type="button" onClick={() => c().previousEvent()} title="Back to the latest shove or perturbation before this step">
        |◀ event
      </button>
      <button type="button" aria-label="one step back" disabled={index === 0} onClick={() => c().to(index - 1)}>
        ◀
      </button>
      <input type="range" aria-label="recorded step" min={0} max={last} step={1} value={index} onChange={(e) => c().to(Number(e.target.value))} />
      <button type="button" aria-label="one step forward" disabled={index === last} onClick={() => c().to(index + 1)}>
        ▶
      </button>
      <button type="button" onClick={() => c().replay()} aria-pressed={replaying} title="Replays from here at a quarter of real time">
        {replaying ? 'replaying ¼×' : 'replay ¼×'}
      </button>
      <span className="timeline-note" data-testid="timeline-position">
        episode {lane0.scalar('episode')} · step {lane0.scalar('step')} · {index - last === 0 ? 'latest' : `${last - index} steps ago`}
        {events ? ` · ${describeEvents(events)}` : ''}
      </span>
      <button type="button" onClick={() => c().close()} title="Back to the live frame (still paused)">
        live
      </button>
    </div>
  );
}
