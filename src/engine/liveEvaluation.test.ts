import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { summarizeEpisodes } from '../eval/metrics';
import { createExpertPolicy } from '../eval/expertPolicy';
import { runEpisodes } from '../eval/runEpisodes';
import { suitePerturbation } from '../sim/perturbations';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import type { EvaluationProgress } from './evaluationProgress';
import { LiveEvaluation } from './liveEvaluation';
import type { Playground } from './playground';

const config = { ...defaultConfig(), episodeLength: 10, seed: 4 };
const playground = { label: (name: string) => `${name} (test)`, modulesOf: () => ({}) } as unknown as Playground;

describe('live evaluation', () => {
  it('refuses bad requests with the field named, before running anything', () => {
    const posted: EvaluationProgress[] = [];
    const e = new LiveEvaluation((p) => posted.push(p), pushTSpec);
    expect(() => e.start(['oracle'], ['nominal'], 2, config, playground)).toThrow(/^evalStart.policies: expected some of expert, prior/);
    expect(() => e.start(['expert'], ['earthquake'], 2, config, playground)).toThrow(/^evalStart.suites/);
    expect(() => e.start(['expert'], ['nominal'], 1001, config, playground)).toThrow('evalStart.episodes: 1001 is not an integer in [1, 1000]');
    expect(posted).toEqual([]);
  });

  it('runs the episodes `eval` runs and summarises them the same way', async () => {
    const posted: EvaluationProgress[] = [];
    const e = new LiveEvaluation((p) => posted.push(structuredClone(p)), pushTSpec);
    e.start(['expert'], ['nominal'], 3, config, playground);
    await expect.poll(() => posted.at(-1)?.outcome, { timeout: 20_000 }).toBe('done');
    const last = posted.at(-1)!;
    expect(last.rows).toHaveLength(1);
    expect(last.rows[0]).toMatchObject({ policy: 'expert', label: 'expert (test)', suite: 'nominal', perturbation: 'nominal' });
    // The same numbers as the runner gives directly for that seed.
    const expert = await createExpertPolicy(3);
    const direct = summarizeEpisodes(await runEpisodes(expert, { perturbation: suitePerturbation('nominal'), episodes: 3, seed: 4, numEnvs: 3, maxSteps: 10 }));
    expert.dispose();
    expect(last.rows[0].summary).toEqual(direct);
    // Progress went episode by episode.
    expect(posted.map((p) => p.current?.finished).filter((f) => f !== undefined)).toEqual([0, 1, 2, 3]);
  });
});
