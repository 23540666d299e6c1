// The first episodes of a demonstration file as a file of their own: what the CLI tests train on, so a
// pipeline run on a shipped dataset stays a few seconds. Any task: rows are cut by the manifest's layout.
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeDemos, encodeDemos } from '../sim/dataset';

/** Writes episodes [0, episodes) of the dataset in `source` to `target`; returns `target`. */
export function writeDemoSubset(source: string, target: string, episodes: number): string {
  const ds = decodeDemos(readFileSync(source));
  const m = ds.manifest;
  if (!Number.isInteger(episodes) || episodes < 1 || episodes > m.episodes) throw new Error(`episodes: ${episodes} is not in [1, ${m.episodes}]`);
  const steps = m.episodeLengths.slice(0, episodes).reduce((a, b) => a + b, 0);
  const obsWidth = m.numTokens * m.tokenDim;
  const bytes = encodeDemos(
    { ...m, episodes, episodeSeeds: m.episodeSeeds.slice(0, episodes), episodeLengths: m.episodeLengths.slice(0, episodes) },
    {
      tokens: ds.tokens.slice(0, (steps + episodes) * obsWidth),
      states: ds.states.slice(0, steps * m.stateLayout.length),
      actions: ds.actions.slice(0, steps * m.actionDim),
      rewards: ds.rewards.slice(0, steps),
      coverage: ds.coverage.slice(0, steps),
    },
  );
  writeFileSync(target, bytes);
  return target;
}
