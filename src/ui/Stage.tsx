// The table area: the toolbar, one view (2D or 3D) or two side by side with their summary line, and the legend.
import { Legend } from './Legend';
import { PairSummary } from './PairSummary';
import { PlaygroundBar } from './PlaygroundBar';
import { SceneView } from './scene/SceneView';
import { useApp } from './store';

export function Stage() {
  const view = useApp((s) => s.view);
  return (
    <section className="stage" aria-label="Table">
      <PlaygroundBar />
      <div className={`views views-${view}`} data-testid="views" data-view={view}>
        {view === 'side' ? (
          <>
            <SceneView lane={0} mode="2d" />
            <SceneView lane={1} mode="2d" />
          </>
        ) : (
          <SceneView lane={0} mode={view} />
        )}
        <Legend />
      </div>
      {view === 'side' && <PairSummary />}
    </section>
  );
}
