// The evaluation suite in the engine worker, on the playground's task and policies: for each policy and suite of
// the task, N seeded episodes through the evaluation runner (the same episodes `sagr eval --task T --seed S` runs: episode k has seed
// episodeSeed(S, k), for every policy), summarised as `eval --json` does (success with its Wilson 95% interval,
// coverage, ‖Δz‖, ‖b‖, steps to success). Learned policies run the playground's modules, trained or stand-in,
// labelled as such. Like training, the run is not a job of the worker's queue; a stop ends it after the
// episode in progress.
import type { Config } from '../core/config';
import { createExpertChunkPolicy, createExpertPolicy } from '../eval/expertPolicy';
import { ChunkedFlowPolicy } from '../eval/learnedPolicies';
import { summarizeEpisodes } from '../eval/metrics';
import type { RolloutPolicy } from '../eval/rolloutPolicy';
import { runEpisodes } from '../eval/runEpisodes';
import { eventPastEnd, formatPerturbationSpec, suiteDefault } from '../sim/perturbationSpec';
import type { TaskSpec } from '../sim/taskSpec';
import { simTask, type TaskName } from '../sim/tasks';
import { MAX_EVAL_EPISODES, type EvaluationProgress } from './evaluationProgress';
import { LIVE_POLICIES, PLANNED_CHUNK_POLICIES, type LivePolicyName } from './livePolicies';
import type { Playground } from './playground';

class EvaluationStopped extends Error {}

export class LiveEvaluation {
  private stopAsked = false;
  progress: EvaluationProgress | null = null;

  constructor(private readonly post: (p: EvaluationProgress) => void) {}

  get running(): boolean {
    return this.progress?.running ?? false;
  }

  stop(): void {
    if (this.running) this.stopAsked = true;
  }

  start(policies: unknown, suites: unknown, episodes: unknown, config: Config, playground: Playground): void {
    if (this.running) throw new Error('evalStart: an evaluation is already going (stop it first)');
    if (!Array.isArray(policies) || policies.length < 1 || policies.some((p) => !LIVE_POLICIES.includes(p))) throw new Error(`evalStart.policies: expected some of ${LIVE_POLICIES.join(', ')}`);
    const spec = playground.spec;
    const table = simTask(spec.name).suites;
    const names = table.names as readonly string[];
    if (!Array.isArray(suites) || suites.length < 1 || suites.some((s) => !names.includes(s))) throw new Error(`evalStart.suites: expected some of ${spec.name}'s suites: ${names.join(', ')}`);
    if (!Number.isInteger(episodes) || (episodes as number) < 1 || (episodes as number) > MAX_EVAL_EPISODES) throw new Error(`evalStart.episodes: ${String(episodes)} is not an integer in [1, ${MAX_EVAL_EPISODES}]`);
    // The policies are built now, inside the request (on the queue), from the modules the playground runs.
    const built = (policies as LivePolicyName[]).map((name) => ({ name, label: playground.label(name), make: this.policyFactory(name, config, playground, spec) }));
    this.stopAsked = false;
    const warnings = (suites as string[]).flatMap((s) => eventPastEnd(suiteDefault(table, s), config.episodeLength) ?? []);
    const progress: EvaluationProgress = { task: spec.name, policies: policies as LivePolicyName[], suites: suites as string[], episodes: episodes as number, seed: config.seed, running: true, current: null, rows: [], warnings, outcome: null };
    this.progress = progress;
    this.post(progress);
    void this.run(progress, built, config);
  }

  /** A fresh RolloutPolicy per suite (its per-env memory starts clean). The shared modules are never disposed here. */
  private policyFactory(name: LivePolicyName, config: Config, playground: Playground, spec: TaskSpec): (numEnvs: number) => Promise<RolloutPolicy> {
    const task = spec.name as TaskName;
    if (name === 'expert') return (numEnvs) => createExpertPolicy(numEnvs, task);
    const m = playground.modulesOf(name);
    if (PLANNED_CHUNK_POLICIES.includes(name)) {
      const corrections = m.world ? { name, world: m.world, reflex: m.reflex ?? null, reflexSource: 'learned' as const, params: config, ownsModules: false } : null;
      return (numEnvs) => createExpertChunkPolicy(numEnvs, task, config.executeSteps, corrections);
    }
    const modules = { prior: m.prior!, world: m.reflex ? (m.world ?? null) : null, reflex: m.world ? (m.reflex ?? null) : null, strategy: m.strategy ?? null };
    return async (numEnvs) => new ChunkedFlowPolicy(name, modules, spec, numEnvs, config, { ownsModules: false });
  }

  private async run(progress: EvaluationProgress, built: { name: LivePolicyName; label: string; make: (numEnvs: number) => Promise<RolloutPolicy> }[], config: Config): Promise<void> {
    const task = simTask(progress.task);
    try {
      for (const p of built) {
        for (const suite of progress.suites) {
          const perturbation = suiteDefault(task.suites, suite);
          progress.current = { policy: p.name, suite, finished: 0 };
          this.post(progress);
          const numEnvs = Math.min(config.numEnvs, progress.episodes);
          const policy = await p.make(numEnvs);
          const t0 = performance.now();
          try {
            const results = await runEpisodes(policy, {
              task: progress.task as TaskName,
              perturbation,
              episodes: progress.episodes,
              seed: progress.seed,
              numEnvs,
              maxSteps: config.episodeLength,
              onEpisode: (_, finished) => {
                progress.current = { policy: p.name, suite, finished };
                this.post(progress);
                if (this.stopAsked) throw new EvaluationStopped();
              },
            });
            progress.rows.push({ policy: p.name, label: p.label, suite, perturbation: formatPerturbationSpec(task.suites, perturbation), summary: summarizeEpisodes(results), seconds: (performance.now() - t0) / 1000 });
          } finally {
            policy.dispose(); // the planners' simulator copies; the playground's modules stay (ownsModules: false)
          }
        }
      }
      progress.outcome = 'done';
    } catch (e) {
      progress.outcome = e instanceof EvaluationStopped ? 'stopped' : `error: ${(e as Error).message.split('\n')[0]}`;
    }
    progress.running = false;
    progress.current = null;
    this.post(progress);
  }
}
