// `sagr eval --task push-t|push-3d --policy NAME[,NAME…]|all --suite SUITE[,SUITE…]|all --episodes N --seed S
//            [--execute-steps N[,N…]] [--perturb SPEC] [--checkpoint DIR] [--report FILE] [--shard i/n] [--json]`:
// runs policies on perturbation suites and reports, per policy and cell, the success rate with its Wilson 95%
// interval, mean final and max coverage, mean ‖Δz‖ and ‖b‖ (null for policies without them), steps to success
// and the per-episode outcomes (every policy runs the same seeded episodes, so the report compares them with a
// paired test). A cell is a suite at one executed chunk length n: with one n (the config's executeSteps, or
// --execute-steps N) the results are keyed by suite, with a list (--execute-steps 1,2,4,8,16, the sweep of
// the latency regime) by "suite n=N". Parallel envs: --num-envs (config). Episode cut: --episode-length (config).
// `all` is the learned policies; the controls (integral, anchor, shuffled, residual) and the baselines (dsrl, reinflow, rwfm, grpo, meanflow) are named
// explicitly; --checkpoint
// goes with a single policy. --report FILE also writes a markdown report with learning curves (evalReport.ts).
// --shard i/n runs every n-th cell of the plan from the i-th (src/eval/shards.ts) and prints them with --json;
// `merge` combines the parts into the single run's JSON and report.
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type Config } from '../../core/config';
import { cellKey } from '../../eval/claims';
import { summarizeEpisodes, type SuiteSummary } from '../../eval/metrics';
import { isPlanner, POLICY_NAMES, PolicyUnavailableError, createPolicy, type PolicyName } from '../../eval/policies';
import { runEpisodes } from '../../eval/runEpisodes';
import { inShard, parseShard, planCells, type Shard, type ShardInfo } from '../../eval/shards';
import type { RolloutPolicy } from '../../eval/rolloutPolicy';
import { eventPastEnd, formatPerturbationSpec, parsePerturbationSpec, suiteDefault, type TaskPerturbation } from '../../sim/perturbationSpec';
import { UsageError, enumFlag, intFlag, type Command } from '../command';
import { checkReportPath, commandLine, writeReport, type ReportedEval } from '../evalReport';
import { LEARNED_POLICIES, defaultCheckpoint, loadLearnedPolicy } from '../learnedPolicy';
import { useProjectWasm } from '../../engine/nodeBackend';
import { simTask, taskSpec, validateTask, type TaskName } from '../../sim/tasks';

const MAX_EPISODES = 100_000;

/** `eval --json`'s object: what the report is made from, and each cell's wall-clock seconds. */
export interface EvalReport extends ReportedEval {
  results: Record<string, Record<string, SuiteSummary & { perturbation: string; seconds: number }>>;
  /** Only on a shard's part (--shard): which cells of which plan it holds. */
  shard?: ShardInfo;
}

/** The perturbations to run on `task`: the suites' defaults, with --perturb replacing its kind's. */
export function evalPerturbations(suites: readonly string[], perturbSpec: string | undefined, task: TaskName = 'push-t'): TaskPerturbation[] {
  const table = simTask(task).suites;
  let override: TaskPerturbation | null = null;
  if (perturbSpec !== undefined) {
    try {
      override = parsePerturbationSpec(table, perturbSpec);
    } catch (e) {
      throw new UsageError(`--perturb: ${(e as Error).message}`);
    }
    if (!suites.includes(override.kind)) throw new UsageError(`--perturb: a ${override.kind} spec does not fit --suite ${suites.join(',')} (add ${override.kind} to --suite, or use all)`);
  }
  return suites.map((name) => (override && override.kind === name ? override : suiteDefault(table, name)));
}

/** --suite: one suite, a comma-separated list, or all. */
function suiteList(flags: Record<string, string>, names: readonly string[]): string[] {
  const raw = flags.suite ?? 'nominal';
  if (raw === 'all') return [...names];
  const list = raw.split(',').map((name) => enumFlag({ suite: name }, 'suite', [...names, 'all']));
  if (list.includes('all') || new Set(list).size !== list.length) throw new UsageError(`--suite: "${raw.slice(0, 60)}" names a suite twice or mixes all into a list`);
  return list;
}

/** --execute-steps: one n or a comma-separated sweep (each in [1, horizon]); default the config's executeSteps. */
function executeStepsList(flags: Record<string, string>, config: Config): number[] {
  const raw = flags['execute-steps'];
  if (raw === undefined) return [config.executeSteps];
  const list = raw.split(',').map((x) => intFlag({ 'execute-steps': x.trim() }, 'execute-steps', undefined, 1, config.horizon));
  if (new Set(list).size !== list.length) throw new UsageError(`--execute-steps: "${raw.slice(0, 60)}" names a chunk length twice`);
  return list;
}

/** --shard i/n: only with --json (the part is the printed object) and without --report (merge writes it). */
function shardFlag(flags: Record<string, string>, switches: ReadonlySet<string>): Shard | null {
  if (flags.shard === undefined) return null;
  if (flags.report !== undefined) throw new UsageError('--report: a shard holds part of the cells; give --report to merge, which combines the parts');
  if (!switches.has('json')) throw new UsageError('--shard: add --json and send it to a file (e.g. > runs/eval-part0.json); the part is that JSON object');
  try {
    return parseShard(flags.shard);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** --policy: one name, a comma-separated list, or all (the learned policies). */
function policyList(flags: Record<string, string>): PolicyName[] {
  if (flags.policy === 'all') return [...LEARNED_POLICIES];
  if (flags.policy === undefined) return [enumFlag<PolicyName>(flags, 'policy', POLICY_NAMES)];
  const names = flags.policy.split(',').map((name) => enumFlag<PolicyName>({ policy: name }, 'policy', POLICY_NAMES));
  if (new Set(names).size !== names.length) throw new UsageError(`--policy: "${flags.policy.slice(0, 60)}" names a policy twice`);
  return names;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate policies on perturbation suites (success rate with 95% interval, coverage, steps); --json for one JSON object, --report FILE for markdown',
  values: ['policy', 'suite', 'episodes', 'perturb', 'checkpoint', 'report', 'execute-steps', 'shard'],
  switches: ['json'],
  acceptsConfig: true,
  async run({ config, flags, switches, log }): Promise<EvalReport> {
    const policyNames = policyList(flags);
    const task = validateTask(config.task);
    const suites = simTask(task).suites;
    const suiteNames = suiteList(flags, suites.names);
    const episodes = intFlag(flags, 'episodes', 100, 1, MAX_EPISODES);
    const perturbations = evalPerturbations(suiteNames, flags.perturb, task);
    for (const p of perturbations) {
      const past = eventPastEnd(p, config.episodeLength, '--episode-length');
      if (past) log(`warning: ${past}`);
    }
    const executeSteps = executeStepsList(flags, config);
    if (flags.checkpoint !== undefined && policyNames.length > 1) throw new UsageError('--checkpoint: give it with a single --policy (a list uses each policy\'s default checkpoint)');
    if (isPlanner(policyNames[0]) && flags.checkpoint !== undefined) throw new UsageError(`--checkpoint: ${policyNames[0]} has no checkpoint (it plans with the simulator)`);
    const shard = shardFlag(flags, switches);
    const reportFile = flags.report === undefined ? undefined : checkReportPath(flags.report);
    const numEnvs = Math.min(config.numEnvs, episodes);
    const report: EvalReport = { task: config.task, seed: config.seed, episodes, numEnvs, maxSteps: config.episodeLength, executeSteps, defaultExecuteSteps: defaultConfig().executeSteps, backend: 'none', checkpoints: {}, results: {} };
    const plan = planCells(policyNames, executeSteps, perturbations, (name) => (name === 'expert' ? [executeSteps[0]] : executeSteps));
    const mine = plan.filter((c) => inShard(c, shard));
    if (shard) {
      const cells: Record<string, string[]> = {};
      for (const c of plan) (cells[c.policy] ??= []).push(cellKey(c.perturbation.kind, c.n, executeSteps));
      report.shard = { ...shard, command: commandLine(process.argv.slice(2)).replace(`--shard ${flags.shard}`, `--shard I/${shard.count}`), policies: [...policyNames], cells };
      log(`shard ${shard.index}/${shard.count}: ${mine.length} of the ${plan.length} cells`);
    }
    // Every policy this run needs is built before the first episode, so a missing checkpoint stops the run at once.
    const policies: { name: PolicyName; checkpoint: string | null; policy: RolloutPolicy; n: number }[] = [];
    await useProjectWasm(); // the closed loop (expert-chunks' too) runs on it
    try {
      for (const name of policyNames) {
        const checkpoint = isPlanner(name) ? null : (flags.checkpoint ?? defaultCheckpoint(name, config.task));
        try {
          // One policy per chunk length (its loop executes n actions per chunk); the expert has no chunks, expert-chunks has.
          for (const n of new Set(mine.filter((c) => c.policy === name).map((c) => c.n))) {
            const policy = isPlanner(name) || checkpoint === null ? await createPolicy(name, numEnvs, task, n) : await loadLearnedPolicy(name, checkpoint, { ...config, executeSteps: n }, taskSpec(config.task), numEnvs);
            policies.push({ name, checkpoint, policy, n });
          }
        } catch (e) {
          if (e instanceof PolicyUnavailableError) throw new UsageError(`--policy: ${e.message}`);
          throw e;
        }
      }
      if (policies.some((p) => p.name !== 'expert')) report.backend = tf.getBackend();
      for (const { name: policyName, checkpoint, policy, n } of policies) {
        report.checkpoints[policyName] = checkpoint;
        report.results[policyName] ??= {};
        for (const { perturbation } of mine.filter((c) => c.policy === policyName && c.n === n)) {
          const cell = cellKey(perturbation.kind, n, executeSteps);
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
              if (done % 25 === 0 && done < episodes) log(`${policyName}/${cell}: ${done}/${episodes} episodes`);
            },
          });
          const summary = summarizeEpisodes(results);
          const seconds = (performance.now() - t0) / 1000;
          report.results[policyName][cell] = { ...summary, perturbation: spec, seconds };
          const ci = summary.successCI;
          log(
            `${policyName} on ${spec}${executeSteps.length > 1 ? ` at n = ${n}` : ''}: success ${(100 * summary.successRate).toFixed(1)}% [${(100 * ci.lo).toFixed(1)}, ${(100 * ci.hi).toFixed(1)}] of ${episodes}, ` +
              `coverage final ${summary.meanFinalCoverage.mean.toFixed(3)} max ${summary.meanMaxCoverage.mean.toFixed(3)}, ` +
              `steps to success ${summary.meanStepsToSuccess ? summary.meanStepsToSuccess.mean.toFixed(1) : '-'}` +
              `${summary.priorCallsPer100Steps === null ? '' : `, prior calls ${summary.priorCallsPer100Steps.toFixed(1)} per 100 steps`} (${seconds.toFixed(1)} s)`,
          );
        }
      }
    } finally {
      for (const p of policies) p.policy.dispose();
    }
    if (reportFile !== undefined) log(`report: ${writeReport(report, { command: commandLine(process.argv.slice(2)), date: new Date().toISOString(), file: reportFile }).join(', ')}`);
    return report;
  },
};
