// Stage 2 (PPO) in the engine worker on the playground's modules, with the code `sagr train --stage ppo` runs
// (SagrTrainer, ppoSagr.ts): rollout of B envs → GAE → clipped PPO on η_φ (and b_ψ) with the critic → Φ's
// dynamics loss on the fresh steps. Like the CLI, a run starts from copies of the stage-0/1 modules (the prior,
// Φ and the reflex the top-level policies run) and a fresh strategy and critic; 'ppo-strategy' is the ablation
// with the reflex off (reflexGain 0, only η learns). After its first iteration the run's modules, the critic
// included, take the policy's checkpoint slots (ppo/… for sagr, ppo-strategy/… for strategy), so the 'sagr' or
// 'strategy' lane shows them learn and each can be saved; a run stopped before that changes nothing.
//
// Continue: a run that stopped or finished keeps its trainer: the B envs mid-episode, every group's Adam moments,
// the reward scaler's statistics and the iteration counter (each iteration's draws derive from (seed, iteration)).
// continueRun() goes on with them, the modules in the slots and the run's own config, appending to the same
// records, so a run stopped between two iterations and continued is the run never stopped (same weights and
// figures). `sagr train --stage ppo --resume` keeps all of it but the envs, which it cannot save: it restarts
// them from a seed derived from the iteration. A new run, a change of task, the shipped modules restored, or
// other weights loaded into one of the run's slots end the chance to continue.
//
// Like the stage-0/1 runs it is not a job of the worker's queue. Before each rollout decision and PPO minibatch
// (SagrTrainer's pace) it yields to the worker's event loop once PACE_MS have passed (RunPacer), so the live
// view and the person's requests go on; pause holds the run there, and stop ends it there (an iteration cut short
// keeps the minibatch updates it applied, and is not recorded).
import type { Config } from '../core/config';
import { deriveSeed } from '../core/rng';
import { Critic, criticConfig } from '../policy/critic';
import { Strategy, strategyConfig } from '../policy/strategy';
import { formatIteration, SagrTrainer, type IterationLog, type SagrTrainerModules } from '../train/ppoSagr';
import type { MetricsRecord } from '../train/stage';
import { checkpointKey, POLICY_FOLDERS, type ModuleName } from './livePolicies';
import type { Playground } from './playground';
import { copyModule, type ModuleTypes } from './policyModules';
import { LiveRun } from './liveRun';
import { RunStopped } from './runControl';
import { MAX_TRAIN_ITERS, PPO_STAGES, type PpoStage, type TrainingProgress } from './trainingProgress';

/** Consecutive iterations whose update was rolled back for NaN/Inf before the run stops (as `sagr train --stage ppo`). */
export const ROLLBACK_LIMIT = 3;

/** What the run needs of the playground (an interface, so tests can give it a stand-in). */
export type PpoHost = Pick<Playground, 'spec' | 'moduleAt' | 'replaceModules' | 'relabel'>;

/** One chart point per iteration: the figures `formatIteration` logs, flat. */
export function ppoRecord(stage: PpoStage, l: IterationLog, seconds: number): MetricsRecord {
  const r = l.rollout;
  return {
    stage,
    iter: l.iteration + 1,
    trainPolicy: l.trainPolicy ? 1 : 0,
    return: r.meanReturn,
    success: r.successRate,
    episodes: r.episodes,
    rewardTask: r.rewardTerms.task,
    rewardSurprise: r.rewardTerms.surprise,
    rewardEffort: r.rewardTerms.effort,
    reward: r.rewardTerms.reward,
    deltaZ: r.meanDeltaZ,
    reflex: r.meanReflex,
    strategy: r.meanStrategy,
    pgLoss: l.ppo.pgLoss,
    vLoss: l.ppo.vLoss,
    approxKl: l.ppo.approxKl,
    clipFrac: l.ppo.clipFrac,
    explainedVariance: l.ppo.explainedVariance,
    minibatchesRun: l.ppo.minibatchesRun,
    dynamicsLoss: l.world.dynamicsLoss,
    rolledBack: l.ppo.rolledBack ?? l.world.rolledBack,
    envStepsPerSec: l.envStepsPerSec,
    rolloutMs: l.wallMs - l.updateMs,
    updateMs: l.updateMs,
    seconds,
  };
}

interface Run {
  stage: PpoStage;
  trainer: SagrTrainer;
  /** Checkpoint slot → module, taken by the policy after the first iteration. */
  slots: [string, ModuleTypes[ModuleName]][];
  progress: TrainingProgress;
}

export class LivePpo extends LiveRun {
  /** The latest run, once it has stopped or finished with its modules in the slots: what continueRun() goes on with. */
  private ended: Run | null = null;
  /** Why the latest run cannot continue (null while it can, or before any run). */
  private cannotContinue: string | null = null;

  constructor(post: (p: TrainingProgress) => void, enqueue: <T>(job: () => Promise<T>) => Promise<T>) {
    super(post, enqueue, 'PPO run');
  }

  /** Starts a run of `iters` iterations (call inside the worker's queue; returns once it is under way). */
  async start(stage: unknown, iters: unknown, config: Config, host: PpoHost): Promise<void> {
    if (this.running) throw new Error('ppoStart: a PPO run is already going (stop it first)');
    if (!PPO_STAGES.includes(stage as PpoStage)) throw new Error(`ppoStart.stage: "${String(stage).slice(0, 40)}" is not one of ${PPO_STAGES.join(', ')}`);
    if (!Number.isInteger(iters) || (iters as number) < 1 || (iters as number) > MAX_TRAIN_ITERS) throw new Error(`ppoStart.iters: ${String(iters)} is not an integer in [1, ${MAX_TRAIN_ITERS}]`);
    const s = stage as PpoStage;
    const sagr = s === 'ppo-sagr';
    if (sagr && config.reflexGain === 0) throw new Error('ppoStart.stage: reflexGain is 0 (the reflex is off), which is the strategy run: raise reflexGain or train ppo-strategy');
    const c: Config = sagr ? config : { ...config, reflexGain: 0 };
    const folder = POLICY_FOLDERS[sagr ? 'sagr' : 'strategy'];

    const made: { dispose(): void }[] = [];
    const keep = <T extends { dispose(): void }>(m: T) => (made.push(m), m);
    let run: Run;
    try {
      const prior = keep(await copyModule(host.moduleAt('prior') as ModuleTypes['prior'], host.spec));
      if (prior.config.horizon !== c.horizon) throw new Error(`horizon: ${c.horizon}, but the prior was trained with horizon ${prior.config.horizon}`);
      if (c.executeSteps > prior.config.horizon) throw new Error(`executeSteps: ${c.executeSteps} exceeds the prior's horizon ${prior.config.horizon}`);
      const world = keep(await copyModule(host.moduleAt('world') as ModuleTypes['world'], host.spec));
      const reflex = sagr ? keep(await copyModule(host.moduleAt('reflex') as ModuleTypes['reflex'], host.spec)) : null;
      const strategy = keep(new Strategy(strategyConfig(c, host.spec), deriveSeed(c.seed, 'ppo/strategy')));
      const critic = keep(new Critic(criticConfig(c, host.spec), deriveSeed(c.seed, 'ppo/critic')));
      const modules: SagrTrainerModules = { prior, world, reflex, strategy, critic };
      const trainer = await SagrTrainer.create({ config: c, modules, numIterations: iters as number, log: (m) => this.say(m), pace: () => this.pacer!.pace() });
      const slots: [string, ModuleTypes[ModuleName]][] = [
        [checkpointKey(folder, 'prior'), prior],
        [checkpointKey(folder, 'world'), world],
        ...(reflex ? [[checkpointKey(folder, 'reflex'), reflex] as [string, ModuleTypes[ModuleName]]] : []),
        [checkpointKey(folder, 'strategy'), strategy],
        [checkpointKey(folder, 'critic'), critic],
      ];
      const progress: TrainingProgress = { task: host.spec.name, stage: s, iters: iters as number, iter: 0, running: true, paused: false, records: [], message: `${host.spec.name} ${s}: starting (B = ${c.numEnvs} envs × T = ${c.rolloutSteps} steps per iteration)`, outcome: null };
      run = { stage: s, trainer, slots, progress };
    } catch (e) {
      for (const m of made) m.dispose();
      throw new Error(`ppoStart: ${(e as Error).message.split('\n')[0]}`);
    }
    this.forget('a new run started');
    this.begin(run.progress);
    void this.run(run, host, false);
  }

  /**
   * Continues the latest run (stopped or finished) until iteration `iters` of the whole run (for a stopped run, its
   * own total continues it as if never stopped; more extends the learning-rate annealing to the new end, as
   * `--resume --iters` does). Call inside the worker's queue; returns once it is under way.
   */
  async continueRun(iters: unknown, host: PpoHost): Promise<void> {
    if (this.running) throw new Error('ppoContinue: a PPO run is already going');
    const run = this.ended;
    if (!run) throw new Error(`ppoContinue: ${this.cannotContinue ?? 'no PPO run in this session has stopped or finished yet'}; start a new run`);
    const from = run.trainer.iteration;
    if (!Number.isInteger(iters) || (iters as number) <= from || (iters as number) > MAX_TRAIN_ITERS) throw new Error(`ppoContinue.iters: ${String(iters)} is not an integer in [${from + 1}, ${MAX_TRAIN_ITERS}] (the run is at iteration ${from})`);
    const why =
      run.trainer.rollout.env.spec.name !== host.spec.name
        ? `the task changed to ${host.spec.name}`
        : run.slots.filter(([key, m]) => host.moduleAt(key) !== m).map(([key]) => `${key} holds other weights than the run's (loaded, uploaded or restored since)`)[0];
    if (why) {
      this.forget(why);
      throw new Error(`ppoContinue: ${this.cannotContinue}; start a new run`);
    }
    this.ended = null;
    run.trainer.options.numIterations = iters as number;
    const p = run.progress;
    Object.assign(p, { iters, running: true, paused: false, outcome: null, continuedFrom: from, message: `${run.stage}: continued from iteration ${from} of ${iters as number}, with the run's config` });
    host.relabel(run.slots.map(([key]) => key), `this session (PPO ${run.stage}, training)`);
    this.begin(p);
    void this.run(run, host, true);
  }

  /** Ends the chance to continue the latest run, saying why; frees what only it held (its envs, optimiser moments). */
  forget(why: string): void {
    if (!this.ended) return;
    this.ended.trainer.dispose();
    this.cannotContinue = `the ${this.ended.stage} run cannot continue: ${why}`;
    this.ended = null;
  }

  private say(message: string): void {
    if (!this.progress) return;
    this.progress.message = message;
    this.post(this.progress);
  }

  private async run(run: Run, host: PpoHost, installedBefore: boolean): Promise<void> {
    const { stage, trainer, slots, progress } = run;
    const keys = slots.map(([key]) => key);
    let installed = installedBefore;
    let rolledBackInARow = 0;
    const start = performance.now();
    // A continued run's clock goes on from the earlier part's working time.
    const earlier = progress.records.at(-1)?.seconds;
    const earlierSeconds = typeof earlier === 'number' ? earlier : 0;
    try {
      while (trainer.iteration < progress.iters) {
        await this.pacer!.pace();
        const log = await trainer.iterate();
        const working = earlierSeconds + (performance.now() - start - this.pacer!.control.pausedMs) / 1000;
        if (!installed) {
          await this.enqueue(() => host.replaceModules(slots, `this session (PPO ${stage}, training)`));
          installed = true;
        }
        progress.records.push(ppoRecord(stage, log, working));
        progress.iter = trainer.iteration;
        progress.message = formatIteration(log);
        this.post(progress);
        rolledBackInARow = log.ppo.rolledBack || log.world.rolledBack ? rolledBackInARow + 1 : 0;
        if (rolledBackInARow >= ROLLBACK_LIMIT) throw new Error(`${ROLLBACK_LIMIT} iterations in a row had their update rolled back for NaN/Inf; the weights are the last good ones`);
      }
      progress.outcome = 'done';
    } catch (e) {
      progress.outcome = e instanceof RunStopped ? 'stopped' : `error: ${(e as Error).message.split('\n')[0]}`;
    }
    const resumable = installed && (progress.outcome === 'done' || progress.outcome === 'stopped');
    if (resumable) this.ended = run;
    else {
      trainer.dispose();
      if (!installed) for (const [, m] of slots) m.dispose();
      this.cannotContinue = `the ${stage} run cannot continue: ${installed ? 'it ended with an error' : 'it stopped before its first iteration finished'}`;
    }
    progress.running = false;
    progress.paused = false;
    progress.message = `${stage}: ${progress.outcome} after ${progress.iter} of ${progress.iters} iterations${resumable ? ' (it can continue)' : ''}`;
    if (installed) await this.enqueue(async () => host.relabel(keys, `this session (${progress.iter} iterations of ${stage})`));
    this.post(progress);
  }
}
