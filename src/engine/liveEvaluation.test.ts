import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { summarizeEpisodes } from '../eval/metrics';
import { createExpertChunkPolicy, createExpertPolicy } from '../eval/expertPolicy';
import { runEpisodes } from '../eval/runEpisodes';
import { suitePerturbation } from '../sim/perturbations';
import { PUSH_3D_SUITES } from '../sim/push3d/perturbations3d';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import type { TaskSpec } from '../sim/taskSpec';
import type { EvaluationProgress } from './evaluationProgress';
import { LiveEvaluation } from './liveEvaluation';
import { useNodeBackend } from './nodeBackend';
import type { Playground } from './playground';

const config = { ...defaultConfig(), episodeLength: 10, seed: 4 };
/** The playground as the evaluation sees it: its task, and labels for the policies. */
const playgroundOn = (spec: TaskSpec) => ({ spec, label: (name: string) => `${name} (test)`, modulesOf: () => ({}) }) as unknown as Playground;
const playground = playgroundOn(pushTSpec);

describe('live evaluation', () => {
  it('refuses bad requests with the field named, before running anything', () => {
    const posted: EvaluationProgress[] = [];
    const e = new LiveEvaluation((p) => posted.push(p));
    expect(() => e.start(['oracle'], ['nominal'], 2, config, playground)).toThrow(/^evalStart.policies: expected some of expert, expert-chunks, expert-chunks-reflex, prior/);
    expect(() => e.start(['expert'], ['earthquake'], 2, config, playground)).toThrow(/^evalStart.suites/);
    // Each task offers its own suites: tilt is push-3d's.
    expect(() => e.start(['expert'], ['tilt'], 2, config, playground)).toThrow("evalStart.suites: expected some of push-t's suites: nominal, shifted-init, displace, kick, bias, offset, friction, mass");
    expect(() => e.start(['expert'], ['nominal'], 1001, config, playground)).toThrow('evalStart.episodes: 1001 is not an integer in [1, 1000]');
    expect(posted).toEqual([]);
  });

  it('runs the episodes `eval` runs and summarises them the same way', async () => {
    const posted: EvaluationProgress[] = [];
    const e = new LiveEvaluation((p) => posted.push(structuredClone(p)));
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

  it('runs the expert’s open-loop chunks at the config’s n through the same policy `eval --policy expert-chunks` builds', async () => {
    await useNodeBackend('cpu');
    const posted: EvaluationProgress[] = [];
    const e = new LiveEvaluation((p) => posted.push(structuredClone(p)));
    const chunked = { ...config, executeSteps: 8, episodeLength: 20 };
    e.start(['expert-chunks'], ['nominal'], 2, chunked, playground);
    await expect.poll(() => posted.at(-1)?.outcome, { timeout: 20_000 }).toBe('done');
    const direct = await createExpertChunkPolicy(2, 'push-t', 8);
    const summary = summarizeEpisodes(await runEpisodes(direct, { perturbation: suitePerturbation('nominal'), episodes: 2, seed: 4, numEnvs: 2, maxSteps: 20 }));
    direct.dispose();
    expect(posted.at(-1)!.rows[0].summary).toEqual(summary);
    // One chunk per 8 steps: 3 plans in 20 steps.
    expect(summary.priorCallsPer100Steps).toBeCloseTo(15, 6);
  });

  it("runs the playground's task: push-3d's expert on its own suite, as `eval --task push-3d` does", async () => {
    const posted: EvaluationProgress[] = [];
    const e = new LiveEvaluation((p) => posted.push(structuredClone(p)));
    e.start(['expert'], ['friction'], 1, config, playgroundOn(push3dSpec));
    await expect.poll(() => posted.at(-1)?.outcome, { timeout: 20_000 }).toBe('done');
    const last = posted.at(-1)!;
    expect(last.task).toBe('push-3d');
    expect(last.rows[0]).toMatchObject({ policy: 'expert', suite: 'friction', perturbation: 'friction:mu=0.25' });
    const expert = await createExpertPolicy(1, 'push-3d');
    const direct = summarizeEpisodes(await runEpisodes(expert, { task: 'push-3d', perturbation: PUSH_3D_SUITES.defaults.friction, episodes: 1, seed: 4, numEnvs: 1, maxSteps: 10 }));
    expert.dispose();
    expect(last.rows[0].summary).toEqual(direct);
  });
});
