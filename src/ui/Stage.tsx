// The table area: the toolbar, one view (2D or 3D) or two side by side with their summary line, the legend as a
// bar under them (never over the table), then the strip chart and the scrub timeline. Side by side, Push-T's lanes
// are drawn top-down and push-3d's in 3D.
import { Legend } from './Legend';
import { PairSummary } from './PairSummary';
import { PlaygroundBar } from './PlaygroundBar';
import { SceneView } from './scene/SceneView';
import { StartupProgress } from './StartupProgress';
import { StripChart } from './StripChart';
import { Timeline } from './Timeline';
import { useApp } from './store';

export function Stage() {
  const view = useApp((s) => s.view);
  // The task the lanes run (the config's until the playground has started): push-3d's pair is drawn in 3D.
  const task = useApp((s) => s.playground?.task ?? s.config.task);
  const pairMode = task === 'push-t' ? '2d' : '3d';
  return (
    <section className="stage" aria-label="Table">
      <PlaygroundBar />
      <div className={`views views-${view}`} data-testid="views" data-view={view}>
        {view === 'side' ? (
          <>
            <SceneView lane={0} mode={pairMode} task={task} />
            <SceneView lane={1} mode={pairMode} task={task} />
          </>
        ) : (
          <SceneView lane={0} mode={view} task={task} />
        )}
        <StartupProgress />
      </div>
      {view === 'side' && <PairSummary />}
      <Legend />
      <StripChart />
      <Timeline />
    </section>
  );
}
