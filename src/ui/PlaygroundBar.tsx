// The toolbar over the table, one row of fixed-width controls (nothing moves when play turns to pause): the task,
// play/pause, step, reset, next episode, speed, the view, the legend (where the arrow scales are set) and the help.
// Each button names its shortcut. Each lane's policy is chosen above its view (LanePolicy).
import { useShallow } from 'zustand/react/shallow';
import { SCHEMA } from '../core/config';
import { CONTROL_HZ } from '../sim/pusht/geometry';
import { isFullyTrained, LIVE_POLICIES, type LivePolicyName } from '../engine/livePolicies';
import { controls } from './controls';
import { useApp, type ViewMode } from './store';

/** Speed choices as multiples of real time (the task's 10 control steps per second); null is as fast as possible. */
export const SPEEDS: readonly (number | null)[] = [0.25, 0.5, 1, 2, 4, 8, null];
const VIEWS: readonly { id: ViewMode; label: string; key: string }[] = [
  { id: '2d', label: '2D', key: '1' },
  { id: '3d', label: '3D', key: '2' },
  { id: 'side', label: 'Side', key: '3' },
];

/** The policy a lane runs, chosen in the line above its view. */
export function LanePolicy({ lane }: { lane: number }) {
  const value = useApp((s) => s.playground?.lanes[lane]?.policy);
  const trainedList = useApp((s) => s.playground?.trained);
  if (value === undefined) return null;
  const trained = new Set(trainedList ?? []);
  return (
    <select className="lane-policy" aria-label={`policy of lane ${lane}`} data-testid={`policy-${lane}`} value={value} onChange={(e) => void controls().setPolicy(lane, e.target.value as LivePolicyName)}>
      {LIVE_POLICIES.map((p) => (
        <option key={p} value={p}>
          {p}
          {isFullyTrained(p, trained) ? '' : ' (untrained parts: random init)'}
        </option>
      ))}
    </select>
  );
}

export function PlaygroundBar() {
  const { running, stepsPerSecond, started } = useApp(useShallow((s) => ({ running: s.live?.running ?? false, stepsPerSecond: s.live?.stepsPerSecond ?? CONTROL_HZ, started: s.playground !== null })));
  const view = useApp((s) => s.view);
  const setHelp = useApp((s) => s.setHelpOpen);
  const legendOpen = useApp((s) => s.legendOpen);
  const setLegend = useApp((s) => s.setLegendOpen);
  const speedValue = stepsPerSecond === null ? 'max' : String(stepsPerSecond / CONTROL_HZ);
  const task = useApp((s) => s.config.task);
  const setParam = useApp((s) => s.setParam);
  const c = () => controls();
  return (
    <div className="playground-bar" role="toolbar" aria-label="Playground">
      <select
        className="bar-task"
        aria-label="playground task"
        data-testid="task"
        value={task}
        onChange={(e) => setParam('task', e.target.value)}
        title="The task the playground runs (the config's task): switching restarts the lanes on it"
      >
        {SCHEMA.task.options.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <button type="button" className="bar-play" disabled={!started} onClick={() => void c().togglePlay()} title="Space" data-testid="play-pause">
        {running ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button type="button" disabled={!started} onClick={() => void c().step()} title="s: one control step">
        Step
      </button>
      <button type="button" disabled={!started} onClick={() => void c().reset()} title="r: apply the config and start again at episode 0">
        Reset
      </button>
      <button type="button" disabled={!started} onClick={() => void c().nextEpisode()} title="n: next episode" aria-label="Next episode">
        Next
      </button>
      <select className="bar-speed" aria-label="speed" title="speed: multiples of real time" value={speedValue} onChange={(e) => void c().setSpeed(e.target.value === 'max' ? null : Number(e.target.value) * CONTROL_HZ)}>
        {SPEEDS.map((s) => (
          <option key={String(s)} value={s === null ? 'max' : String(s)}>
            {s === null ? 'max' : `${s}×`}
          </option>
        ))}
      </select>
      <span className="segmented" role="group" aria-label="view">
        {VIEWS.map((v) => (
          <button key={v.id} type="button" className={view === v.id ? 'active' : ''} aria-pressed={view === v.id} title={`key ${v.key}${v.id === 'side' ? ': two policies side by side' : ''}`} onClick={() => void c().setView(v.id)}>
            {v.label}
          </button>
        ))}
      </span>
      <button type="button" className={`help-button ${legendOpen ? 'active' : ''}`} onClick={() => setLegend(!legendOpen)} title="l: show / hide the legend" aria-pressed={legendOpen}>
        legend
      </button>
      <button type="button" onClick={() => setHelp(true)} title="?: shortcuts" aria-label="help">
        ?
      </button>
    </div>
  );
}
