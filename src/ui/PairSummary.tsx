// Under the side-by-side views: both policies' coverage on the same episode, in one line.
import { useApp } from './store';

export function PairSummary() {
  const live = useApp((s) => s.live);
  if (!live || live.lanes.length < 2) return null;
  const parts = live.lanes.map((l) => `${l.policy}: coverage ${l.coverage.toFixed(3)} (max ${l.maxCoverage.toFixed(3)})${l.done ? (l.success ? ', success' : ', time limit') : ''} at step ${l.step}`);
  return (
    <div className="pair-summary" data-testid="pair-summary">
      episode {live.episode} (seed {live.lanes[0].episodeSeed}, same start and shoves for both) — {parts.join(' · ')}
    </div>
  );
}
