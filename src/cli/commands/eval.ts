// `sagr eval --task push-t|push-3d --policy NAME --suite SUITE|all --episodes N --seed S [--perturb SPEC] [--json]`:
// runs a policy on perturbation suites and reports, per policy and suite, the success rate with its
// Wilson 95% interval, mean final and max coverage, mean ‖Δz‖ and ‖b‖ (null for policies without them)
// and steps to success. Parallel envs: --num-envs (config). Episode cut: --episode-length (config).
import { summarizeEpisodes, type SuiteSummary } from '../../eval/metrics';
import { POLICY_NAMES, PolicyUnavailableError, createPolicy, type PolicyName } from '../../eval/policies';
import { runEpisodes } from '../../eval/runEpisodes';
import { formatPerturbationSpec, parsePerturbationSpec, suiteDefault, type TaskPerturbation } from '../../sim/perturbationSpec';
import { UsageError, enumFlag, intFlag, type Command } from '../command';
import { defaultCheckpoint, loadLearnedPolicy } from '../learnedPolicy';
import { simTask, taskSpec, validateTask, type TaskName } from '../../sim/tasks';

const MAX_EPISODES = 100_000;

export interface EvalReport {
  task: string;
  seed: number;
  episodes: number;
  numEnvs: number;
  maxSteps: number;
  /** policy → suite → summary. */
  results: Record<string, Record<string, SuiteSummary & { perturbation: string; seconds: number }>>;
}

/** The perturbations to run on `task`: the suite's (or every suite's) defaults, with --perturb replacing its kind's. */
export function evalPerturbations(suite: string, perturbSpec: string | undefined, task: TaskName = 'push-t'): TaskPerturbation[] {
  const suites = simTask(task).suites;
  let override: TaskPerturbation | null = null;
  if (perturbSpec !== undefined) {
    try {
      override = parsePerturbationSpec(suites, perturbSpec);
    } catch (e) {
      throw new UsageError(`--perturb: ${(e as Error).message}`);
    }
    if (suite !== 'all' && suite !== override.kind) throw new UsageError(`--perturb: a ${override.kind} spec does not fit --suite ${suite} (use --suite ${override.kind} or all)`);
  }
  const names = suite === 'all' ? suites.names : [suite];
  return names.map((name) => (override && override.kind === name ? override : suiteDefault(suites, name)));
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a policy on perturbation suites (success rate with 95% interval, coverage, steps); --json for one JSON object',
  values: ['policy', 'suite', 'episodes', 'perturb', 'checkpoint'],
  switches: ['json'],
  acceptsConfig: true,
  async run({ config, flags, log }): Promise<EvalReport> {
    const policyName = enumFlag<PolicyName>(flags, 'policy', POLICY_NAMES);
    const task = validateTask(config.task);
    const suites = simTask(task).suites;
    const suite = enumFlag(flags, 'suite', [...suites.names, 'all'], 'nominal');
    const episodes = intFlag(flags, 'episodes', 100, 1, MAX_EPISODES);
    const perturbations = evalPerturbations(suite, flags.perturb, task);
    if (policyName === 'expert' && flags.checkpoint !== undefined) throw new UsageError('--checkpoint: the expert has no checkpoint (it plans with the simulator)');
    const numEnvs = Math.min(config.numEnvs, episodes);
    let policy;
    try {
      policy =
        policyName !== 'expert'
          ? await loadLearnedPolicy(policyName, flags.checkpoint ?? defaultCheckpoint(policyName, config.task), config, taskSpec(config.task), numEnvs)
          : await createPolicy(policyName, numEnvs, task);
    } catch (e) {
      if (e instanceof PolicyUnavailableError) throw new UsageError(`--policy: ${e.message}`);
      throw e;
    }
    const report: EvalReport = { task: config.task, seed: config.seed, episodes, numEnvs, maxSteps: config.episodeLength, results: { [policyName]: {} } };
    try {
      for (const perturbation of perturbations) {
        const spec = formatPerturbationSpec(suites, perturbation);
        const t0 = performance.now();
        const results = await runEpisodes(policy, {
          task,
          perturbation,
          episodes,
          seed: config.seed,
          numEnvs,
          maxSteps: config.episodeLength,
          onEpisode: (_r, done) => {
            if (done % 25 === 0 && done < episodes) log(`${policyName}/${perturbation.kind}: ${done}/${episodes} episodes`);
          },
        });
        const summary = summarizeEpisodes(results);
        const seconds = (performance.now() - t0) / 1000;
        report.results[policyName][perturbation.kind] = { ...summary, perturbation: spec, seconds };
        const ci = summary.successCI;
        log(
          `${policyName} on ${spec}: success ${(100 * summary.successRate).toFixed(1)}% [${(100 * ci.lo).toFixed(1)}, ${(100 * ci.hi).toFixed(1)}] of ${episodes}, ` +
            `coverage final ${summary.meanFinalCoverage.mean.toFixed(3)} max ${summary.meanMaxCoverage.mean.toFixed(3)}, ` +
            `steps to success ${summary.meanStepsToSuccess ? summary.meanStepsToSuccess.mean.toFixed(1) : '-'} (${seconds.toFixed(1)} s)`,
        );
      }
    } finally {
      policy.dispose();
    }
    return report;
  },
};
