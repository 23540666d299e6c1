// Under the side-by-side views: both policies' coverage (push-3d: pose score) on the same episode, in one line.
import { useApp } from './store';

export function PairSummary() {
  const live = useApp((s) => s.live);
  const episodeLength = useApp((s) => s.playground?.runConfig.liveEpisodeLength ?? 0);
  if (!live || live.lanes.length < 2) return null;
  const score = live.task === 'push-t' ? 'coverage' : 'pose score';
  // Short of the step limit without success, a push-3d episode ended with the pillar fallen or tipped over.
  const end = (l: (typeof live.lanes)[number]) => (l.success ? ', success' : l.step >= episodeLength ? ', time limit' : ', fallen or tipped over');
  const parts = live.lanes.map((l) => `${l.policy}: ${score} ${l.coverage.toFixed(3)} (max ${l.maxCoverage.toFixed(3)})${l.done ? end(l) : ''} at step ${l.step}`);
  return (
    <div className="pair-summary" data-testid="pair-summary">
      episode {live.episode} (seed {live.lanes[0].episodeSeed}, same start and shoves for both) — {parts.join(' · ')}
    </div>
  );
}
